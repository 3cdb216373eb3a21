// A BodyReader as a Web ReadableStream (pull-based, highWaterMark 0: a byte is read from the
// socket only when the consumer asks, so a slow consumer pauses the peer through TCP), and the
// collect-everything helpers behind `text()`/`json()`/`arrayBuffer()`.
import type { BodyReader } from './body.js';

export function bodyStream(reader: BodyReader, onDone: (error?: unknown) => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = await reader.next();
          if (chunk === null) {
            controller.close();
            onDone();
          } else {
            controller.enqueue(new Uint8Array(chunk)); // a copy: the view is reused
          }
        } catch (error) {
          controller.error(error);
          onDone(error);
        }
      },
      cancel(reason) {
        onDone(reason ?? new Error('body cancelled'));
      },
    },
    { highWaterMark: 0 },
  );
}

/** All the remaining body bytes: a view when they are already buffered (decode it at once), else a new buffer. */
export async function collect(reader: BodyReader): Promise<Buffer> {
  return reader.takeBuffered() ?? reader.readAll();
}
