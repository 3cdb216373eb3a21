// A child pipe on the reactor: the parent's end of an AF_UNIX stream socket pair (made by
// `sys.socketPair`, non-blocking and close-on-exec), the child's end passed to
// child_process.spawn as a plain fd, so libuv never reads or writes the parent's end (it
// dup2()s the child's end onto 0/1/2 in the child and clears O_NONBLOCK there; the parent's
// copy of the child's end is closed right after spawn).
//
// Reads and writes go straight between the caller's buffer and the socket (read(2)/write(2)
// in the addon, MSG_NOSIGNAL so a dead child is EPIPE, not SIGPIPE), as @rt/net's native
// stream does:
// 1. No one queued and cached readiness set: do the syscall now. EAGAIN, or a short read,
//    clears the readiness under the tick it was read at, so a newer event is never lost.
// 2. Otherwise park (FIFO); one readiness wait per direction is armed with the reactor and
//    serves the queue in order until EAGAIN, then re-arms.
// A reader that sees end of file (0) closes the fd at once, so a child that is read to the
// end holds no fd; later reads return 0 again. shutdown() of the stdin writer closes its fd
// too (the parent never reads from the child's stdin).
import { constants, errno, sys, systemErrorFields } from '@rt/mio-native';
import { Interest, Reactor } from '@rt/reactor';
import type { Registration } from '@rt/reactor';
import { BrokenPipe, IoError, StreamClosed } from '@rt/io';
import { coop, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions } from '@rt/scheduler';
import type { PipeReader, PipeWriter } from './pipe.js';
import { WaitList, WaitNode, parkIn, tryPark } from '@rt/scheduler/primitives';

const { EAGAIN, EPIPE, ECONNRESET } = errno;
const READABLE = Interest.READABLE;
const WRITABLE = Interest.WRITABLE;

/** A socket pair for one child stream: [parent's end, child's end]. */
export function socketPair(): [number, number] {
  const pair = new Int32Array(2);
  const r = sys.socketPair(constants['AF_UNIX']!, constants['SOCK_STREAM']!, pair);
  if (r < 0) throw osError(r, 'socketpair');
  return [pair[0]!, pair[1]!];
}

/** The IoError for a negative errno of a syscall on a child pipe: `code` the errno name, as Node's. */
export function osError(result: number, syscall: string): IoError {
  const fields = systemErrorFields(result);
  return new IoError(fields.code, `${syscall} on a child pipe failed: ${fields.code}`, { ...fields, syscall });
}

/** A parked read or write and its buffer, on the toolkit's waiter list (O(1) removal on cancel). */
class Op extends WaitNode<number> {
  constructor(public readonly buf: Uint8Array) {
    super();
  }
}

export class NativePipe implements PipeReader, PipeWriter {
  readonly driver = 'native' as const;
  #fd: number;
  readonly #registration: Registration;
  readonly #label: string;
  readonly #ops = new WaitList<number, Op>();
  readonly #interest: number;
  #armed = false;
  #closed = false;
  #eof = false;

  readonly #onReady = (): void => {
    this.#armed = false;
    this.#serve();
  };
  readonly #onWaitFailed = (): void => {
    this.#armed = false;
    this.#failAll(new StreamClosed(this.#closed ? `${this.#label}: the pipe is closed` : `${this.#label}: the runtime shut down: its I/O driver is closed`));
  };

  /** Takes ownership of `fd` (non-blocking); `writer` selects the direction. */
  constructor(fd: number, writer: boolean, label: string) {
    this.#interest = writer ? WRITABLE : READABLE;
    this.#label = label;
    try {
      this.#registration = Reactor.current().register(fd, this.#interest);
    } catch (error) {
      sys.close(fd);
      throw error;
    }
    this.#fd = fd;
  }

  #trySyscall(buf: Uint8Array): number {
    const registration = this.#registration;
    const event = registration.tryReadiness(this.#interest);
    if (event === null) return EAGAIN;
    const n = this.#interest === READABLE ? sys.read(this.#fd, buf) : sys.write(this.#fd, buf);
    if (n === EAGAIN || (n >= 0 && n < buf.length)) registration.clearReadiness(event);
    return n;
  }

  /** Settles an op with a syscall result; end of file closes the fd. */
  #result(n: number): Promise<number> | number | Error {
    if (n >= 0) {
      if (n === 0 && this.#interest === READABLE) this.#atEof();
      return n;
    }
    if (this.#interest === READABLE && n === ECONNRESET) {
      this.#atEof();
      return 0;
    }
    if (n === EPIPE || n === ECONNRESET) {
      return new BrokenPipe(`${this.#label}: the child closed its end of the pipe`, { ...systemErrorFields(EPIPE), syscall: 'write' });
    }
    return osError(n, this.#interest === READABLE ? 'read' : 'write');
  }

  #atEof(): void {
    this.#eof = true;
    this.close();
  }

  #arm(): void {
    if (this.#armed || this.#closed) return;
    this.#armed = true;
    this.#registration.readiness(this.#interest).then(this.#onReady, this.#onWaitFailed);
  }

  #serve(): void {
    const ops = this.#ops;
    for (let op = ops.head; op !== undefined; op = ops.head) {
      if (op.waiter!.settled) {
        ops.shift();
        continue;
      }
      const n = this.#trySyscall(op.buf);
      if (n === EAGAIN) break;
      ops.shift();
      const r = this.#result(n);
      if (typeof r === 'number') op.waiter!.wake(r);
      else op.waiter!.fail(r);
      if (this.#closed) return;
    }
    if (ops.length > 0) this.#arm();
  }

  #io(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) {
      if (this.#eof) return Promise.resolve(0);
      return Promise.reject(new StreamClosed(`${this.#label}: the pipe is closed`));
    }
    if (this.#ops.length === 0) {
      const y = coop();
      if (y !== undefined) return y.then(() => this.#io(buf, options));
      try {
        throwIfCancelled(options);
      } catch (error) {
        return Promise.reject(error);
      }
      if (buf.length === 0) return Promise.resolve(0);
      const n = this.#trySyscall(buf);
      if (n !== EAGAIN) {
        const r = this.#result(n);
        return typeof r === 'number' ? Promise.resolve(r) : Promise.reject(r);
      }
    }
    const op = new Op(buf);
    const promise = parkIn(this.#ops, op, this.#label, options);
    if (op.linked) this.#arm(); // else cancelled before it parked: the promise rejects
    return promise;
  }

  read(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#io(buf, options);
  }

  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    if (this.#eof) return Promise.reject(new StreamClosed(`${this.#label}: write after shutdown()`));
    return this.#io(buf, options);
  }

  flush(options: WaitOptions | undefined): Promise<void> {
    return tryPark(() => {
      throwIfCancelled(options);
      if (this.#closed && !this.#eof) return Promise.reject(new StreamClosed(`${this.#label}: the pipe is closed`));
      return Promise.resolve();
    });
  }

  shutdown(options: WaitOptions | undefined): Promise<void> {
    return tryPark(() => {
      throwIfCancelled(options);
      if (!this.#closed) {
        // Nothing is buffered in user space: closing the only parent copy is the EOF.
        this.#eof = true;
        this.close();
      }
      return Promise.resolve();
    });
  }

  #failAll(error: Error): void {
    for (const op of this.#ops.drain()) op.waiter!.fail(error);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#eof && this.#interest === READABLE) {
      for (const op of this.#ops.drain()) op.waiter!.wake(0);
    } else {
      this.#failAll(new StreamClosed(`${this.#label}: the pipe is closed`));
    }
    try {
      this.#registration.deregister();
    } catch {
      // Already deregistered (the reactor closed): the fd is still ours to close.
    }
    sys.close(this.#fd);
    this.#fd = -1;
  }
}
