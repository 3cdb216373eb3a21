// The minimal-stream rung between the raw reactor echo (echo-rt-server.mjs) and TcpStream, for
// `RT_NET_LADDER=1 node benchmarks/net.bench.mjs`: where the CPU per message goes.
//
//   reactor         raw @rt/reactor + syscalls, one plain async function per connection
//   reactor-await   the same plus what the user's loop of a stream API costs by itself
//                   (echo-rt-server.mjs with RT_ECHO_AWAIT_EACH=1)
//   minimal-stream  the smallest stream with TcpStream's shape: `read()` returns a promise
//                   resolved from a reusable readiness callback, `writeAll()` a settled promise,
//                   one rt task per connection (so on Node 20/22 the task's promise hooks)
//   native          TcpStream itself (adds cancellation, the cooperative budget, parked-op
//                   queues, errors, the ready queue)
//
// serveMinimalStream prints its port, then serves until killed. Benchmarks only: no error
// handling beyond ending the connection.
import { sys } from '@rt/mio-native';
import { Interest, Reactor } from '@rt/reactor';
import { spawn } from '@rt/scheduler';
import { listenRaw } from './lib/raw-listener.mjs';

const EAGAIN = -11;
const BUFFER = 64 * 1024;
const SETTLED = Promise.resolve();

/** The smallest stream with TcpStream's promise shape (one reader at a time; no cancellation). */
class MinimalStream {
  #fd;
  #registration;
  #wait;
  #buf = null;
  #resolve = null;

  constructor(reactor, fd) {
    this.#fd = fd;
    this.#registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
    this.#wait = this.#registration.readyCallback(Interest.READABLE, () => this.#serve(), () => this.#serve());
  }

  #tryRead(buf) {
    const event = this.#registration.tryReadiness(Interest.READABLE);
    if (event === null) return EAGAIN;
    const n = sys.read(this.#fd, buf, 0, buf.length);
    if (n === EAGAIN || (n > 0 && n < buf.length)) this.#registration.clearReadiness(event);
    return n;
  }

  #serve() {
    const n = this.#registration.isRegistered ? this.#tryRead(this.#buf) : 0;
    if (n === EAGAIN) {
      if (this.#wait.arm() !== null) queueMicrotask(() => this.#serve());
      return;
    }
    const resolve = this.#resolve;
    this.#resolve = this.#buf = null;
    resolve(n);
  }

  read(buf) {
    const n = this.#tryRead(buf);
    if (n !== EAGAIN) return Promise.resolve(n);
    this.#buf = buf;
    const promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (this.#wait.arm() !== null) queueMicrotask(() => this.#serve());
    return promise;
  }

  writeAll(buf) {
    return sys.write(this.#fd, buf, 0, buf.length) === buf.length ? SETTLED : Promise.reject(new Error('short write'));
  }

  close() {
    this.#registration.deregister();
    sys.close(this.#fd);
  }
}

/** minimal-stream: MinimalStream, one rt task per connection, the benchmark's TcpStream loop. */
export function serveMinimalStream() {
  const reactor = new Reactor();
  listenRaw(reactor, (fd) => {
    spawn(async () => {
      const stream = new MinimalStream(reactor, fd);
      const buf = Buffer.allocUnsafe(BUFFER);
      try {
        for (;;) {
          const n = await stream.read(buf);
          if (n <= 0) break;
          await stream.writeAll(n === buf.length ? buf : buf.subarray(0, n));
        }
      } catch {
        // a reset ends this connection
      } finally {
        stream.close();
      }
    });
  });
}
