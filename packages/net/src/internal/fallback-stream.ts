// The fallback stream: a pull-based adapter over a Node `net.Socket`.
//
// How: the socket runs in flowing mode; each 'data' chunk is queued here. `read(buf)` copies
// from the queue into the caller's buffer, or parks a reader that the next chunk serves
// (FIFO). Backpressure: once HIGH_WATER bytes are queued the socket is paused (the kernel
// buffer fills and the peer's writes block); it resumes when the queue drains below
// LOW_WATER. `write(buf)` copies up to MAX_WRITE bytes into Node's writable side when Node
// is not asking for 'drain', else parks the writer until 'drain' (then the copy happens in
// the 'drain' handler, so a cancelled writer accepted nothing). Node's buffering is thus
// bounded by its highWaterMark plus one write.
//
// Errors: an 'error' event (ECONNRESET, …) is reported once to the reader side (after the
// bytes already queued) and once to the writer side; afterwards reads see end of stream and
// writes EPIPE, as the kernel does.
import type { Socket } from 'node:net';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { NetError, SocketClosed, WouldBlock, toNetError } from '../errors.js';
import { READABLE, ReleaseHooks, WRITABLE } from './driver.js';
import type { RawAddress, StreamHandle } from './driver.js';
import { retryAfter, tryPark } from '@rt/scheduler/primitives';

const HIGH_WATER = 64 * 1024;
const LOW_WATER = 16 * 1024;
const MAX_WRITE = 64 * 1024;
/** How long close() lets Node flush bytes accepted by write() before destroying the socket. */
const LINGER_MS = 30_000;

interface Reader {
  waiter: Waiter<number>;
  /** null: a readiness wait (`ready`), consumes nothing. */
  buf: Uint8Array | null;
  peek: boolean;
}

interface Writer {
  waiter: Waiter<number>;
  /** null: a readiness wait. */
  bufs: readonly Uint8Array[] | null;
}

const removeFrom = <T extends { waiter: unknown }>(list: T[], waiter: unknown): void => {
  const i = list.findIndex((entry) => entry.waiter === waiter);
  if (i >= 0) list.splice(i, 1);
};

export class FallbackStream implements StreamHandle {
  readonly driver = 'fallback' as const;
  readonly #socket: Socket;
  readonly #chunks: Buffer[] = [];
  #head = 0;
  #buffered = 0;
  #paused = false;
  #eof = false;
  #readError: Error | undefined;
  #writeError: Error | undefined;
  #failed = false;
  #writeShut = false;
  #closed = false;
  /** The `onRelease` hooks, made by the first `onRelease` (most streams never have one). */
  #release: ReleaseHooks | undefined = undefined;
  #outstanding = 0;
  #linger: number | null = null;
  #noDelay = false;
  readonly #readers: Reader[] = [];
  readonly #writers: Writer[] = [];
  readonly #flushers: Waiter<void>[] = [];
  readonly #local: RawAddress;
  readonly #peer: RawAddress;
  readonly #removeReader = (waiter: Waiter<number>): void => removeFrom(this.#readers, waiter);
  readonly #removeWriter = (waiter: Waiter<number>): void => removeFrom(this.#writers, waiter);
  readonly #onWritten = (error?: Error | null): void => {
    this.#outstanding--;
    if (error) this.#onError(error);
    if (this.#outstanding === 0) this.#wakeFlushers();
  };

  constructor(socket: Socket, unix: { local: string; peer: string } | null) {
    this.#socket = socket;
    if (unix !== null) {
      this.#local = { path: unix.local };
      this.#peer = { path: unix.peer };
    } else {
      this.#local = { ip: stripZone(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
      this.#peer = { ip: stripZone(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    }
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => {
      this.#eof = true;
      this.#serveReaders();
    });
    socket.on('error', (error: Error) => this.#onError(error));
    socket.on('close', () => {
      if (!this.#eof && this.#readError === undefined) this.#eof = true;
      this.#serveReaders();
      if (!this.#writeShut && this.#writeError === undefined && !this.#closed) this.#writeError = new NetError('EPIPE', 'write', 'the connection is closed');
      this.#serveWriters();
      this.#wakeFlushers();
    });
    socket.on('drain', () => this.#serveWriters());
    socket.resume();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#serveReaders();
  }

  #onError(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    const e = toNetError(error, 'read');
    this.#readError = e;
    if (!this.#writeShut) this.#writeError = e;
    this.#serveReaders();
    this.#serveWriters();
    this.#wakeFlushers();
  }

  #readReady(): boolean {
    return this.#buffered > 0 || this.#eof || this.#readError !== undefined || this.#closed;
  }

  #writeReady(): boolean {
    return !this.#socket.writableNeedDrain || this.#writeError !== undefined || this.#writeShut || this.#closed;
  }

  /** Copies queued bytes into buf; consumes them unless peeking. */
  #take(buf: Uint8Array, peek: boolean): number {
    let copied = 0;
    let index = 0;
    let offset = this.#head;
    while (copied < buf.length && index < this.#chunks.length) {
      const chunk = this.#chunks[index]!;
      const n = Math.min(chunk.length - offset, buf.length - copied);
      buf.set(chunk.subarray(offset, offset + n), copied);
      copied += n;
      offset += n;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (!peek) {
      this.#chunks.splice(0, index);
      this.#head = offset;
      this.#buffered -= copied;
      if (this.#paused && this.#buffered < LOW_WATER && !this.#closed) {
        this.#paused = false;
        this.#socket.resume();
      }
    }
    return copied;
  }

  /** Completes a read now: data, end of stream, or the pending error (reported once). */
  #readNow(buf: Uint8Array, peek: boolean): number {
    if (this.#closed) throw new SocketClosed();
    if (this.#buffered > 0) return this.#take(buf, peek);
    const error = this.#readError;
    if (error !== undefined) {
      if (!peek) {
        this.#readError = undefined;
        this.#eof = true;
      }
      throw error;
    }
    return 0;
  }

  #serveReaders(): void {
    while (this.#readers.length > 0 && this.#readReady()) {
      const reader = this.#readers.shift()!;
      if (reader.waiter.settled) continue;
      if (reader.buf === null) {
        reader.waiter.wake(READABLE);
        continue;
      }
      try {
        reader.waiter.wake(this.#readNow(reader.buf, reader.peek));
      } catch (error) {
        reader.waiter.fail(error);
      }
    }
  }

  read(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<number> {
    if (this.#readReady() && this.#readers.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.read, buf, peek, options);
      try {
        throwIfCancelled(options);
        return Promise.resolve(buf.length === 0 && !this.#closed ? 0 : this.#readNow(buf, peek));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    try {
      if (buf.length === 0) {
        throwIfCancelled(options);
        return Promise.resolve(0);
      }
      const { waiter, promise } = park<number>(peek ? 'TcpStream.peek' : 'TcpStream.read', this.#removeReader, options);
      this.#readers.push({ waiter, buf, peek });
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryRead(buf: Uint8Array): number {
    if (!this.#readReady()) throw new WouldBlock('read');
    return this.#readNow(buf, false);
  }

  ready(interest: number, options: WaitOptions | undefined): Promise<number> {
    const found = (interest & READABLE && this.#readReady() ? READABLE : 0) | (interest & WRITABLE && this.#writeReady() ? WRITABLE : 0);
    if (found !== 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.ready, interest, options);
      try {
        throwIfCancelled(options);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.#closed ? Promise.reject(new SocketClosed()) : Promise.resolve(found);
    }
    return tryPark(() => {
      const { waiter, promise } = park<number>('TcpStream.ready', (w) => {
        removeFrom(this.#readers, w);
        removeFrom(this.#writers, w);
      }, options);
      if (interest & READABLE) this.#readers.push({ waiter, buf: null, peek: false });
      if (interest & WRITABLE) this.#writers.push({ waiter, bufs: null });
      return promise.then((r) => {
        if (this.#closed) throw new SocketClosed();
        return r;
      });
    });
  }

  /** Accepts bytes now; caller checked #writeReady(). */
  #writeNow(bufs: readonly Uint8Array[]): number {
    if (this.#closed) throw new SocketClosed();
    const error = this.#writeError;
    if (error !== undefined) {
      if (!(error instanceof NetError && error.code === 'EPIPE')) this.#writeError = new NetError('EPIPE', 'write', 'the connection is closed');
      throw error;
    }
    if (this.#writeShut) throw new NetError('EPIPE', 'write', 'write after shutdown(): the writing side is closed');
    let total = 0;
    for (const b of bufs) total += b.length;
    const n = Math.min(total, MAX_WRITE);
    if (n === 0) return 0;
    const copy = Buffer.allocUnsafe(n);
    let at = 0;
    for (const b of bufs) {
      if (at === n) break;
      const take = Math.min(b.length, n - at);
      copy.set(take === b.length ? b : b.subarray(0, take), at);
      at += take;
    }
    this.#outstanding++;
    this.#socket.write(copy, this.#onWritten);
    return n;
  }

  #serveWriters(): void {
    while (this.#writers.length > 0 && this.#writeReady()) {
      const writer = this.#writers.shift()!;
      if (writer.waiter.settled) continue;
      if (writer.bufs === null) {
        writer.waiter.wake(WRITABLE);
        continue;
      }
      try {
        writer.waiter.wake(this.#writeNow(writer.bufs));
      } catch (error) {
        writer.waiter.fail(error);
      }
    }
  }

  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.writev([buf], options);
  }

  writev(buffers: readonly Uint8Array[], options: WaitOptions | undefined): Promise<number> {
    if (this.#writeReady() && this.#writers.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.writev, buffers, options);
      try {
        throwIfCancelled(options);
        return Promise.resolve(this.#writeNow(buffers));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    try {
      const { waiter, promise } = park<number>('TcpStream.write', this.#removeWriter, options);
      this.#writers.push({ waiter, bufs: buffers });
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryWrite(buf: Uint8Array): number {
    if (!this.#writeReady() || this.#writers.length > 0) throw new WouldBlock('write');
    return this.#writeNow([buf]);
  }

  tryWritev(bufs: readonly Uint8Array[]): number {
    if (!this.#writeReady() || this.#writers.length > 0) throw new WouldBlock('write');
    return this.#writeNow(bufs);
  }

  #wakeFlushers(): void {
    if (this.#outstanding !== 0 && !this.#failed && !this.#closed) return;
    const list = this.#flushers.splice(0);
    for (const w of list) {
      if (this.#closed) w.fail(new SocketClosed());
      else w.wake();
    }
  }

  flush(options: WaitOptions | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    return tryPark(() => {
      if (this.#outstanding === 0 || this.#failed) {
        throwIfCancelled(options);
        return Promise.resolve();
      }
      const { waiter, promise } = park<void>('TcpStream.flush', (w) => {
        const i = this.#flushers.indexOf(w);
        if (i >= 0) this.#flushers.splice(i, 1);
      }, options);
      this.#flushers.push(waiter);
      return promise;
    });
  }

  async shutdown(options: WaitOptions | undefined): Promise<void> {
    if (this.#closed) throw new SocketClosed();
    if (this.#writeShut) return;
    await this.flush(options);
    if (this.#writeShut || this.#closed) return;
    this.#writeShut = true;
    if (!(this.#writeError instanceof NetError && this.#writeError.code === 'EPIPE')) this.#writeError = undefined;
    const { waiter, promise } = park<void>('TcpStream.shutdown', () => {}, options);
    if (this.#socket.destroyed || this.#failed) waiter.wake();
    else this.#socket.end(() => waiter.wake());
    return promise;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    const closed = new SocketClosed();
    for (const r of this.#readers.splice(0)) r.waiter.fail(closed);
    for (const w of this.#writers.splice(0)) w.waiter.fail(closed);
    for (const f of this.#flushers.splice(0)) f.fail(closed);
    this.#chunks.length = 0;
    this.#buffered = 0;
    // Before Node closes the fd: its number may be reused by the next socket opened anywhere.
    const failure = this.#release?.run();
    this.#destroy(socket);
    if (failure !== undefined) throw failure.error;
  }

  onRelease(hook: () => void): void {
    if (this.#closed) throw new SocketClosed();
    (this.#release ??= new ReleaseHooks()).add(hook);
  }

  #destroy(socket: Socket): void {
    if (socket.destroyed) return;
    if (this.#linger === 0) {
      socket.resetAndDestroy();
    } else if (this.#outstanding > 0 && !this.#writeShut && !this.#failed) {
      // Bytes accepted by write() still sit in Node's buffer: send them, then close, as the
      // kernel does for bytes in its send buffer at close().
      socket.end(() => socket.destroy());
      socket.resume();
      // A peer that never reads must not hold the fd forever (the kernel gives up on unsent
      // data too): destroy after LINGER_MS whatever happens. The timer does not keep the
      // process alive.
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    } else {
      socket.destroy();
    }
  }

  setNoDelay(flag: boolean): void {
    this.#checkOpen();
    this.#socket.setNoDelay(flag);
    this.#noDelay = flag;
  }

  noDelay(): boolean {
    this.#checkOpen();
    return this.#noDelay;
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    this.#checkOpen();
    this.#socket.setKeepAlive(enable, initialDelayMs);
  }

  setLinger(seconds: number | null): void {
    this.#checkOpen();
    if (seconds !== null && seconds !== 0) {
      throw new NetError('ENOTSUP', 'setsockopt', 'setLinger: the fallback driver (Node net) supports only null and 0');
    }
    this.#linger = seconds;
  }

  linger(): number | null {
    this.#checkOpen();
    return this.#linger;
  }

  setTtl(_ttl: number): void {
    this.#checkOpen();
    throw new NetError('ENOTSUP', 'setsockopt', 'setTtl: not supported by the fallback driver (Node net)');
  }

  ttl(): number {
    this.#checkOpen();
    throw new NetError('ENOTSUP', 'getsockopt', 'ttl: not supported by the fallback driver (Node net)');
  }

  localAddress(): RawAddress {
    this.#checkOpen();
    return this.#local;
  }

  peerAddress(): RawAddress {
    this.#checkOpen();
    return this.#peer;
  }

  #checkOpen(): void {
    if (this.#closed) throw new SocketClosed();
  }
}

/** @internal Node reports link-local IPv6 with '%zone'; SocketAddr keeps the bare address. */
export function stripZone(ip: string): string {
  const i = ip.indexOf('%');
  return i < 0 ? ip : ip.slice(0, i);
}
