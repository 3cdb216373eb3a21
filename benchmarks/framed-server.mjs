// Length-delimited echo servers for framed.bench.mjs; `node framed-server.mjs MODE FIELD`
// prints its port, then serves until killed. A frame is a FIELD-byte big-endian length and
// that many bytes; each server checks the length against the 8 MiB cap and echoes every
// complete frame.
//
//   framed  @rt/net + @rt/util: Framed(socket, LengthDelimitedCodec), feed each frame, flush
//           when no more bytes are buffered
//   framed-borrow  the same with { borrowFrames: true } (the read buffer is reused once the
//           frame was fed)
//   hand    @rt/net: the same protocol written by hand on read / writeAll (one buffer per
//           connection, complete frames written back from it in one writeAll)
//   net     Node `net` with a hand-written framer ('data' → Buffer.concat the partial frame,
//           write the complete frames back)
import net from 'node:net';
import { TcpListener } from '@rt/net';
import { spawn } from '@rt/scheduler';
import { Framed, LengthDelimitedCodec } from '@rt/util';

const mode = process.argv[2];
const field = Number(process.argv[3] ?? '4');
const MAX = 8 * 1024 * 1024;

function header(buf, at) {
  let n = 0;
  for (let i = 0; i < field; i++) n = n * 256 + buf[at + i];
  if (n > MAX) throw new Error(`frame of ${n} bytes is above the cap`);
  return n;
}

/** Length of the complete frames at the start of buf[0, end). */
function completeFrames(buf, end) {
  let at = 0;
  while (end - at >= field) {
    const size = field + header(buf, at);
    if (end - at < size) break;
    at += size;
  }
  return at;
}

async function serveFramed(socket, borrowFrames) {
  const framed = new Framed(socket, new LengthDelimitedCodec({ lengthFieldLength: field }), { borrowFrames });
  for await (const frame of framed) {
    await framed.feed(frame);
    if (framed.readBuffer.length === 0) await framed.flush();
  }
  await framed.close();
}

async function serveHand(socket) {
  let buf = Buffer.allocUnsafe(64 * 1024);
  let end = 0;
  for (;;) {
    if (end === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, end);
      buf = bigger;
    }
    const n = await socket.read(buf.subarray(end));
    if (n === 0) break;
    end += n;
    const done = completeFrames(buf, end);
    if (done > 0) {
      await socket.writeAll(buf.subarray(0, done));
      buf.copy(buf, 0, done, end);
      end -= done;
    }
  }
  await socket.shutdown();
}

if (mode === 'net') {
  const server = net.createServer({ noDelay: true }, (socket) => {
    let pending = null;
    socket.on('data', (chunk) => {
      const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const done = completeFrames(data, data.length);
      if (done > 0) socket.write(done === data.length ? data : data.subarray(0, done));
      pending = done === data.length ? null : data.subarray(done);
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else if (mode === 'framed' || mode === 'framed-borrow' || mode === 'hand') {
  const listener = await TcpListener.bind('127.0.0.1:0');
  console.log(listener.localAddr().port);
  for await (const socket of listener) {
    socket.setNoDelay(true);
    spawn(async () => {
      try {
        await (mode === 'hand' ? serveHand(socket) : serveFramed(socket, mode === 'framed-borrow'));
      } catch {
        // a client that resets: drop the connection
      } finally {
        socket.close();
      }
    });
  }
} else {
  throw new Error(`framed-server.mjs: unknown mode ${mode} (framed, framed-borrow, hand or net)`);
}
