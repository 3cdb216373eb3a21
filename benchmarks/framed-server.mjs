// Length-delimited echo servers for framed.bench.mjs; `node framed-server.mjs MODE FIELD`
// prints its port, then serves until killed. A frame is a FIELD-byte big-endian length and
// that many bytes; each server checks the length against the 8 MiB cap and echoes every
// complete frame.
//
//   framed  @rt/net + @rt/util: Framed(socket, LengthDelimitedCodec), feed each frame while
//           more bytes are buffered, send the last one (feed + flush)
//   framed-borrow  the same with { borrowFrames: true } (the read buffer is reused once the
//           frame was fed)
//   framed-copy, framed-borrow-copy  the same two with a LengthDelimitedCodec that has no
//           encodeHead: every payload is copied into the write buffer (what send did before
//           it wrote payloads of 8 KiB or more from the frame itself)
//   hand    @rt/net: the same protocol written by hand on read / writeAll (one buffer per
//           connection, complete frames written back from it in one writeAll)
//   net     Node `net` with a hand-written framer ('data' → Buffer.concat the partial frame,
//           write the complete frames back)
import net from 'node:net';
import { TcpListener } from '@rt/net';
import { spawn } from '@rt/scheduler';
// RT_UTIL_DIST=path: @rt/util's entry from another build (to compare two builds in one run).
const { Framed, LengthDelimitedCodec } = await import(process.env['RT_UTIL_DIST'] ?? '@rt/util');

/** LengthDelimitedCodec without encodeHead: FramedWrite copies every payload. */
class CopyingLengthDelimitedCodec extends LengthDelimitedCodec {
  encodeHead = undefined;
}

const mode = process.argv[2];
const field = Number(process.argv[3] ?? '4');
const MAX = 8 * 1024 * 1024;
// RT_FRAMED_EXIT_AFTER=n: exit once n connections have closed (framed-callgrind.bench runs
// the server under callgrind for a fixed number of frames).
const exitAfter = Number(process.env['RT_FRAMED_EXIT_AFTER'] ?? 0);
let closed = 0;
function connectionClosed() {
  if (exitAfter > 0 && ++closed === exitAfter) process.exit(0);
}

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

async function serveFramed(socket, borrowFrames, copy) {
  const options = { lengthFieldLength: field };
  const codec = copy ? new CopyingLengthDelimitedCodec(options) : new LengthDelimitedCodec(options);
  const framed = new Framed(socket, codec, { borrowFrames });
  for await (const frame of framed) {
    if (framed.readBuffer.length === 0) await framed.send(frame);
    else await framed.feed(frame);
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
    socket.on('close', connectionClosed);
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else if (['framed', 'framed-borrow', 'framed-copy', 'framed-borrow-copy', 'hand'].includes(mode)) {
  const listener = await TcpListener.bind('127.0.0.1:0');
  console.log(listener.localAddr().port);
  for await (const socket of listener) {
    socket.setNoDelay(true);
    spawn(async () => {
      try {
        await (mode === 'hand' ? serveHand(socket) : serveFramed(socket, mode.startsWith('framed-borrow'), mode.endsWith('-copy')));
      } catch {
        // a client that resets: drop the connection
      } finally {
        socket.close();
        connectionClosed();
      }
    });
  }
} else {
  throw new Error(`framed-server.mjs: unknown mode ${mode} (framed, framed-borrow, framed-copy, framed-borrow-copy, hand or net)`);
}
