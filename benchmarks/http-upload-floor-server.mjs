// The floor of the 1 MiB upload row for anything built on rt's sockets (http-upload-floor.bench.mjs):
// a minimal HTTP/1.1 server on @rt/net's TcpStream with no web streams, no HTTP parser beyond
// finding the end of the head and its Content-Length, and no request object. Each connection
// is one rt task that reads the head into a 16 KiB buffer, then the body straight from the
// socket into a reused 64 KiB buffer (what @rt/http's BYOB path does underneath: `readNow`, then
// `read` when the bytes are not there yet), and answers
// 200 text/plain with the length as text (the bytes @rt/http's FastResponse sends). Its CPU per
// upload is what @rt/http costs without the HTTP layer, the Web body stream and the handler.
//
// `--drain`: the experiment row with no JavaScript per read: the body is read by one call of a
// small addon (benchmarks/c/upload-drain.c) that loops over read() until EAGAIN, as the C floor
// does; only the head, the reply and the wait for readiness (an rt `read`) stay in JavaScript.
//
// `--fresh=chunks`: each read goes into a new 64 KiB buffer (the body's size at most) that is then
// dropped, as a default reader or `for await` over a body stream hands the handler a new chunk
// per read; `--fresh=whole`: each body goes into one new buffer of its Content-Length, read
// straight into at its offset, as `arrayBuffer()` does. The floor of those rows on rt's sockets:
// the fresh memory and what the garbage collector does about it, with no HTTP layer.
//
// Usage: node benchmarks/http-upload-floor-server.mjs [port] [--drain | --fresh=chunks|whole]   (prints "listening on <port>")
import { createRequire } from 'node:module';
import { main } from '../packages/macros/dist/index.js';
import { TcpListener, TcpStream } from '../packages/net/dist/index.js';
import { spawn } from '../packages/scheduler/dist/index.js';

const port = Number(process.argv[2] ?? 0);
const EAGAIN = -11;
/** `drain(fd, buffer, want)` of benchmarks/c/upload-drain.c with --drain, else undefined. */
const drain = process.argv.includes('--drain') ? createRequire(import.meta.url)((await import('./lib/loadgen.mjs')).buildAddon('upload-drain')).drain : undefined;
const fresh = process.argv.find((arg) => arg.startsWith('--fresh='))?.slice('--fresh='.length);
if (fresh !== undefined && fresh !== 'chunks' && fresh !== 'whole') throw new Error(`--fresh=${fresh}: chunks or whole`);
if (fresh !== undefined && drain !== undefined) throw new Error('--fresh and --drain exclude each other');
const CRLF2 = Buffer.from('\r\n\r\n');
// The Date header's value, formatted once per second as @rt/http (and node:http) do: formatting
// a Date per upload cost this floor ~5,700 instructions per upload that @rt/http does not pay.
let dateSecond = -1;
let dateText = '';
function date() {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

async function connection(accepted) {
  // With --drain the addon reads the fd itself: the stream is re-made from it to know it.
  const fd = drain === undefined ? -1 : accepted.intoRawFd();
  const stream = drain === undefined ? accepted : TcpStream.fromRawFd(fd);
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
      // --fresh=whole: the body's own buffer (its first bytes came with the head).
      const whole = fresh === 'whole' ? Buffer.allocUnsafeSlow(length + remaining) : undefined;
      if (whole !== undefined) head.copy(whole, 0, end + 4, start);
      while (remaining > 0) {
        const view = whole !== undefined
          ? whole.subarray(length)
          : fresh === 'chunks'
            ? new Uint8Array(Buffer.allocUnsafeSlow(Math.min(remaining, body.length)).buffer) // as BodyReader.chunk() makes one
            : remaining < body.length ? body.subarray(0, remaining) : body;
        let n = drain === undefined ? stream.readNow(view) : drain(fd, body, remaining); // readNow: what @rt/http's BYOB reads do, no promise when the bytes are there
        if (n < 0 && (drain === undefined || n === EAGAIN)) n = await stream.read(view); // waits (and rt sees the EAGAIN)
        else if (n < 0) return;
        if (n === 0) return;
        remaining -= n;
        length += n;
      }
      head.copy(head, 0, start, have);
      have -= start;
      const reply = String(length);
      await stream.writeAll(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${reply.length}\r\ndate: ${date()}\r\n\r\n${reply}`, 'latin1'));
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
