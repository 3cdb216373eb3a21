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

/** All the remaining body bytes in one buffer (a copy when it spans several reads). */
export async function collect(reader: BodyReader): Promise<Buffer> {
  const whole = reader.takeBuffered();
  if (whole !== undefined) return whole;
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = await reader.next();
    if (chunk === null) break;
    chunks.push(Buffer.from(chunk));
    total += chunk.length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
