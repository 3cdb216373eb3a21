// A BodyReader as a Web ReadableStream of type 'bytes' (pull-based, highWaterMark 0: a byte is
// read from the socket only when the consumer asks, so a slow consumer pauses the peer through
// TCP), and the collect-everything helper behind `text()`/`json()`/`arrayBuffer()`.
//
// A BYOB reader (`getReader({ mode: 'byob' })`) gets the body read into its own buffer: a
// Content-Length body goes from the socket straight into the caller's memory, so a handler that
// reuses one buffer allocates nothing per request for the body. A default reader gets each chunk
// in a new buffer (at most 64 KiB), read from the socket straight into it when nothing is
// buffered.
import type { BodyReader } from './body.js';

/**
 * `onDone` is called once: with nothing at the end of the body, with the error when a read
 * failed, or with the reason and `cancelled` true when the consumer cancelled the stream (the
 * rest of the body is unread; a read may still be in flight: `reader.reading`).
 */
export function bodyStream(reader: BodyReader, onDone: (error?: unknown, cancelled?: boolean) => void): ReadableStream<Uint8Array> {
  let cancelled = false;
  reader.streamed = true;
  return new ReadableStream({
    type: 'bytes',
    async pull(controller) {
      const request = controller.byobRequest;
      let n: number;
      let chunk: Uint8Array | null = null;
      try {
        if (request !== null) {
          const view = request.view!;
          n = await reader.readInto(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
        } else {
          chunk = await reader.readChunk();
          n = chunk === null ? 0 : chunk.length;
        }
      } catch (error) {
        if (cancelled) return; // the consumer is gone; what the read says no longer matters
        controller.error(error);
        onDone(error);
        return;
      }
      if (cancelled) return;
      if (n === 0) {
        controller.close();
        request?.respond(0);
        onDone();
      } else if (request !== null) {
        request.respond(n);
      } else {
        controller.enqueue(chunk!);
      }
    },
    cancel(reason) {
      cancelled = true;
      onDone(reason ?? new Error('body cancelled'), true);
    },
  }, { highWaterMark: 0 }) as ReadableStream<Uint8Array>;
}

/** All the remaining body bytes: a view when they are already buffered (decode it at once), else a new buffer. */
export async function collect(reader: BodyReader): Promise<Buffer> {
  return reader.takeBuffered() ?? reader.readAll();
}
