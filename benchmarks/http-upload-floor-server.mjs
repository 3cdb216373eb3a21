// The floor of the 1 MiB upload row for anything built on rt's sockets (http-upload-floor.bench.mjs):
// a minimal HTTP/1.1 server on @rt/net's TcpStream with no web streams, no HTTP parser beyond
// finding the end of the head and its Content-Length, and no request object. Each connection
// is one rt task that reads the head into a 16 KiB buffer, then the body straight from the
// socket into a reused 64 KiB buffer (what @rt/http's BYOB path does underneath: `readNow`, then
// `read` when the bytes are not there yet), and answers
// 200 text/plain with the length as text (the bytes @rt/http's FastResponse sends). Its CPU per
// upload is what @rt/http costs without the HTTP layer, the Web body stream and the handler.
//
// Usage: node benchmarks/http-upload-floor-server.mjs [port]   (prints "listening on <port>")
import { main } from '../packages/macros/dist/index.js';
import { TcpListener } from '../packages/net/dist/index.js';
import { spawn } from '../packages/scheduler/dist/index.js';

const port = Number(process.argv[2] ?? 0);
const CRLF2 = Buffer.from('\r\n\r\n');

async function connection(stream) {
  const head = Buffer.allocUnsafe(16 * 1024);
  const body = new Uint8Array(64 * 1024);
  let have = 0;
  try {
    for (;;) {
      let end = head.subarray(0, have).indexOf(CRLF2);
      while (end < 0) {
        const n = await stream.read(head.subarray(have));
        if (n === 0) return;
        have += n;
        end = head.subarray(0, have).indexOf(CRLF2);
      }
      const text = head.latin1Slice(0, end);
      const at = text.search(/\r\ncontent-length:/i);
      let remaining = at < 0 ? 0 : Number.parseInt(text.slice(text.indexOf(':', at) + 1), 10);
      let start = end + 4;
      const buffered = Math.min(remaining, have - start);
      remaining -= buffered;
      start += buffered;
      let length = buffered;
      while (remaining > 0) {
        const view = remaining < body.length ? body.subarray(0, remaining) : body;
        let n = stream.readNow(view); // what @rt/http's BYOB reads do: no promise when the bytes are there
        if (n < 0) n = await stream.read(view);
        if (n === 0) return;
        remaining -= n;
        length += n;
      }
      head.copy(head, 0, start, have);
      have -= start;
      const reply = String(length);
      await stream.writeAll(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${reply.length}\r\ndate: ${new Date().toUTCString()}\r\n\r\n${reply}`, 'latin1'));
    }
  } catch {
    // a client that went away
  } finally {
    stream.close();
  }
}

await main(async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port });
  console.log(`listening on ${listener.localAddr().port}`);
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
  for (;;) {
    const stream = await listener.accept();
    spawn(() => connection(stream));
  }
});
