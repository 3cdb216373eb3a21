// Echo server on @rt/reactor and @rt/mio-native's raw syscalls (no @rt/net), for
// echo.bench.mjs and net.bench.mjs. Prints its port, then serves until killed. Tokio's shape:
// one async function per connection, edge-triggered readiness, readiness cleared on EAGAIN or
// a short read, one 64 KiB buffer per connection (a partial write keeps the rest and stops
// reading until it drains: that is the backpressure).
//
// RT_ECHO_AWAIT_EACH=1 (net.bench's `reactor-await` rung): the same loop plus what a stream
// API's user loop costs by itself, a `subarray` for the bytes read and one `await` of a
// settled promise per message (the `await writeAll`).
//
// RT_ECHO_IN_TASK=1 (echo-callgrind.mjs's `rt-await-task` rung): each connection's loop runs in
// an rt task (`spawn`), so what being in a task costs (on Node 20/22 rt's promise hooks on each
// promise and reaction) is counted without TcpStream.
import { sys } from '@rt/mio-native';
import { Interest, Reactor } from '@rt/reactor';
import { listenRaw } from './lib/raw-listener.mjs';

const EAGAIN = -11;
const BUFFER = 64 * 1024;
const AWAIT_EACH = process.env['RT_ECHO_AWAIT_EACH'] === '1';
// (Loaded only for the task rung: the raw reactor's process stays without the scheduler.)
const spawnTask = process.env['RT_ECHO_IN_TASK'] === '1' ? (await import('@rt/scheduler')).spawn : undefined;
const SETTLED = Promise.resolve();
const reactor = new Reactor();

async function serve(fd) {
  const registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
  const buffer = Buffer.allocUnsafe(BUFFER);
  try {
    for (;;) {
      const event = await registration.readiness(Interest.READABLE);
      const n = sys.read(fd, buffer, 0, BUFFER);
      if (n === EAGAIN) {
        registration.clearReadiness(event);
        continue;
      }
      if (n <= 0) return;
      if (n < BUFFER) registration.clearReadiness(event); // short read: drained
      const out = AWAIT_EACH && n < BUFFER ? buffer.subarray(0, n) : buffer;
      let offset = 0;
      while (offset < n) {
        const w = sys.write(fd, out, offset, n - offset);
        if (w >= 0) offset += w;
        else if (w === EAGAIN) {
          const writable = await registration.readiness(Interest.WRITABLE);
          const again = sys.write(fd, out, offset, n - offset);
          if (again === EAGAIN) registration.clearReadiness(writable);
          else if (again < 0) return;
          else offset += again;
        } else return;
      }
      if (AWAIT_EACH) await SETTLED;
    }
  } finally {
    registration.deregister();
    sys.close(fd);
  }
}

listenRaw(reactor, spawnTask !== undefined ? (fd) => void spawnTask(() => serve(fd)) : (fd) => void serve(fd));
