// The native TLS path: OpenSSL (the one Node exports) driven by @rt/mio-native's TLS
// functions on the socket fd itself, registered with the runtime's reactor.
//
// A connection takes the fd out of its `TcpStream` together with the stream's reactor
// registration (`@rt/reactor`'s `intoRegistration`: no epoll_ctl DEL + ADD per connection;
// a stream without it gives its fd with `intoRawFd` and the fd is registered anew, readable +
// writable, edge-triggered) and creates an SSL on it. Every OpenSSL call is synchronous and
// non-blocking:
// - `WANT_READ`: the read readiness is cleared (in the same turn as the recv that saw
//   EAGAIN, so a newer event is never lost) and the caller parks until the reactor reports
//   the fd readable;
// - encrypted bytes the kernel did not take wait in the connection's output buffer
//   (`state[0]` > 0): one writable wait is armed and `tlsFlush` sends them; `write` is
//   refused (`WANT_WRITE`, nothing taken) while that buffer is over its limit, and waits
//   for it to drain;
// - a server's session tickets (written by OpenSSL as its handshake completes) are held
//   (`DONE_HELD`) until the stream's next flush point, so they leave with the first reply or
//   the close_notify in one send, as Node's: a write, flush or shutdown sends them; a read
//   that must wait sends them before it parks; and whatever is still held at the end of the
//   turn (`process.nextTick` armed from the handshake's microtask: after the microtasks of
//   the turn) is sent then, so a stream left idle never strands them.
// Nothing else reads or writes the fd, and no Buffer is allocated per read or write.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as nodeTls from 'node:tls';
import type { CipherNameAndProtocol } from 'node:tls';
import { nativeTls, sys, systemErrorFields, tlsAvailable } from '@rt/mio-native';
import type { NativeTlsBinding, TlsConnectionHandle, TlsContextHandle } from '@rt/mio-native';
import { Interest, Reactor, intoRegistration } from '@rt/reactor';
import type { ReadyCallback, RegisteredFd, Registration } from '@rt/reactor';
import { BrokenPipe, IoError, StreamClosed } from '@rt/io';
import { coopOrCancelled, park, throwIfCancelled } from '@rt/scheduler';
import { RESOLVED } from '@rt/scheduler/primitives';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { TlsError, toTlsError, type Phase } from '../errors.js';
import type { TlsContextOptions } from '../options.js';
import type { ByteStream } from './transport.js';

const READABLE = Interest.READABLE;
const WRITABLE = Interest.WRITABLE;
/** A settled promise is immutable: one serves every call that completes at once (as RESOLVED). */
const NOTHING: Promise<number> = Promise.resolve(0);
/** What `NativeTls.#now` does. */
const READ = 0;
const WRITE = 1;
const WRITE_ALL = 2;

/** Which TLS implementation a connector or an acceptor uses (the `engine` option). */
export type TlsEngine = 'auto' | 'native' | 'node';

let bindingCache: NativeTlsBinding | null = null;
/** The binding's WANT_READ / WANT_WRITE / DONE_HELD codes, read when the binding is first used. */
let WANT_READ = 0;
let WANT_WRITE = 0;
let DONE_HELD = 0;
function b(): NativeTlsBinding {
  if (bindingCache === null) {
    bindingCache = nativeTls();
    ({ WANT_READ, WANT_WRITE, DONE_HELD } = bindingCache.tlsConstants);
  }
  return bindingCache;
}

/**
 * Written by every native call: state[0] = encrypted bytes still waiting for the socket;
 * after a read, state[1] = 1 when the socket was read dry and OpenSSL holds nothing more.
 */
const state = new Int32Array(2);

/** The default engine: `RT_TLS_ENGINE=node` makes 'auto' mean Node's TLSSocket. */
export function defaultEngine(): TlsEngine {
  return process.env['RT_TLS_ENGINE'] === 'node' ? 'node' : 'auto';
}

/** Checks the `engine` option. */
export function checkEngine(value: unknown, what: string): TlsEngine {
  if (value === undefined) return defaultEngine();
  if (value !== 'auto' && value !== 'native' && value !== 'node') {
    throw new TypeError(`${what}: engine must be 'auto', 'native' or 'node', got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
  }
  return value;
}

const supportedKeys = new Set(['key', 'cert', 'ca', 'minVersion', 'maxVersion']);

/** PEM text of a `key`/`cert`/`ca` option (a string, a Buffer, or an array of them), or null when not PEM-only. */
function pemOf(value: unknown): Buffer | null {
  const parts = Array.isArray(value) ? value : [value];
  const out: Buffer[] = [];
  for (const part of parts) {
    if (typeof part === 'string') out.push(Buffer.from(part));
    else if (part instanceof Uint8Array) out.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    else return null;
    out.push(Buffer.from('\n'));
  }
  return Buffer.concat(out);
}

function versionOf(value: unknown): number | null {
  if (value === undefined) return 0;
  if (value === 'TLSv1.2') return b().tlsConstants.TLS1_2_VERSION;
  if (value === 'TLSv1.3') return b().tlsConstants.TLS1_3_VERSION;
  return null;
}

/** Node's default CA certificates as PEM (what a Node TLS client trusts without `ca`), or null if unknown. */
function defaultCa(): Buffer | null {
  const get = (nodeTls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  if (typeof get === 'function') return Buffer.from(get('default').join('\n'));
  // Older Node: the bundled roots; extra or system certificates only Node's own path knows.
  if (process.env['NODE_EXTRA_CA_CERTS'] !== undefined || process.execArgv.some((a) => a.includes('openssl-ca') || a.includes('system-ca'))) return null;
  return Buffer.from(nodeTls.rootCertificates.join('\n'));
}

function alpnWire(protocols: string[] | undefined): Buffer | null {
  if (protocols === undefined || protocols.length === 0) return null;
  const parts: Buffer[] = [];
  for (const p of protocols) {
    const bytes = Buffer.from(p);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  return Buffer.concat(parts);
}

/** What a native context is made from, after the options were checked by the caller. */
export interface NativeContextSpec {
  server: boolean;
  context: TlsContextOptions;
  alpn: string[] | undefined;
  /** 0: no peer verification; 1: verify the peer; 2: verify and require a certificate. */
  verify: 0 | 1 | 2;
}

/**
 * An SSL_CTX built once per connector/acceptor, or the reason the native path cannot serve
 * these options (then Node's TLSSocket does).
 */
export class NativeContext {
  readonly handle: TlsContextHandle;

  private constructor(handle: TlsContextHandle) {
    this.handle = handle;
  }

  /** The native context, or a string saying why these options need Node's path. */
  static create(spec: NativeContextSpec): NativeContext | string {
    if (!tlsAvailable) return 'the native addon with OpenSSL 3 is not available';
    const { context } = spec;
    for (const [key, value] of Object.entries(context)) {
      if (value !== undefined && !supportedKeys.has(key)) return `option ${key} is not supported natively`;
    }
    const cert = context.cert === undefined ? null : pemOf(context.cert);
    const key = context.key === undefined ? null : pemOf(context.key);
    let ca = context.ca === undefined ? null : pemOf(context.ca);
    if ((context.cert !== undefined && cert === null) || (context.key !== undefined && key === null) || (context.ca !== undefined && ca === null)) {
      return 'key, cert and ca must be PEM strings or Buffers for the native path';
    }
    const min = versionOf(context.minVersion);
    const max = versionOf(context.maxVersion);
    if (min === null || max === null) return 'only TLSv1.2 and TLSv1.3 are supported natively';
    if (ca === null && spec.verify > 0) {
      ca = defaultCa();
      if (ca === null) return 'Node\'s extra or system CA certificates are only known to its own path';
    }
    const made = b().tlsContextCreate(spec.server ? 1 : 0, cert, key, ca, min, max, alpnWire(spec.alpn), spec.verify);
    if (typeof made === 'string') return `OpenSSL refused the options: ${made}`;
    return new NativeContext(made);
  }

  /** Whether `stream` can run on the native path: a socket on the native driver. */
  static accepts(stream: ByteStream): boolean {
    const s = stream as ByteStream & { driver?: unknown; intoRawFd?: unknown; closed?: unknown };
    return s.driver === 'native' && typeof s.intoRawFd === 'function' && s.closed !== true;
  }
}

/** Node's name for an X509 verification result, as Node's own TLS errors carry it. */
const verifyCodes = new Map<number, string>([
  [2, 'UNABLE_TO_GET_ISSUER_CERT'],
  [7, 'CERT_SIGNATURE_FAILURE'],
  [9, 'CERT_NOT_YET_VALID'],
  [10, 'CERT_HAS_EXPIRED'],
  [13, 'ERROR_IN_CERT_NOT_BEFORE_FIELD'],
  [14, 'ERROR_IN_CERT_NOT_AFTER_FIELD'],
  [18, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [19, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [20, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [21, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [23, 'CERT_REVOKED'],
  [24, 'INVALID_CA'],
  [26, 'INVALID_PURPOSE'],
  [27, 'CERT_UNTRUSTED'],
  [28, 'CERT_REJECTED'],
  [62, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [64, 'ERR_TLS_CERT_ALTNAME_INVALID'],
]);

/** The connection-level options of `NativeTls.open`. */
export interface NativeOpen {
  /** Client: the server name (SNI unless an IP address; checked when `verifyHost`). */
  serverName: string | null;
  verifyHost: boolean;
  session?: Uint8Array | undefined;
}

/** One TLS connection on a socket fd: what a native `TlsStream` reads and writes through. */
export class NativeTls {
  /** The stream the fd came from (closed for use: this connection owns the fd). */
  readonly stream: ByteStream;
  readonly #fd: number;
  readonly #registration: Registration;
  readonly #conn: TlsConnectionHandle;
  /** One reusable readiness wait per direction (no allocation per wait). */
  readonly #readWait: ReadyCallback;
  readonly #writeWait: ReadyCallback;
  #closed = false;
  /** The last read found the socket dry (read readiness cleared): wait before the next recv. */
  #drained = false;
  #timedOut = false;
  #writeShut = false;
  /** The native side holds output (the server's session tickets) until the next flush point. */
  #held = false;
  /** A socket error seen while flushing in the background: reported by the next write. */
  #writeError: unknown = undefined;
  /** Parked readers (a settled one is skipped when woken: no removal on cancel). */
  #readWaiters: Waiter<void>[] = [];
  /** Writers waiting for the output buffer to drain (WANT_WRITE, flush, shutdown). */
  #drainWaiters: Waiter<void>[] = [];

  readonly #dropReader = (waiter: Waiter<void>): void => drop(this.#readWaiters, waiter);
  readonly #dropDrainer = (waiter: Waiter<void>): void => drop(this.#drainWaiters, waiter);

  readonly #onReadable = (): void => {
    const waiters = this.#readWaiters;
    if (waiters.length === 0) return;
    this.#readWaiters = [];
    for (const w of waiters) w.wake();
  };

  readonly #onWritable = (): void => {
    if (this.#closed) return;
    const left = b().tlsFlush(this.#conn, state);
    if (left > 0) {
      this.#clear(WRITABLE);
      this.#armWrite();
      return;
    }
    if (left < 0) this.#writeError = osError(left, 'write');
    this.#wakeDrained();
  };

  /** Sends held output (the end of the turn, or a read about to park). */
  readonly #release = (): void => {
    if (!this.#held || this.#closed) return;
    this.#held = false;
    const left = b().tlsFlush(this.#conn, state);
    if (left < 0) this.#writeError = osError(left, 'write');
    else if (left > 0) this.#afterCall();
  };

  readonly #onClosed = (): void => {
    if (this.#readWaiters.length === 0 && this.#drainWaiters.length === 0) return; // no error to build
    const error = this.#closedError();
    const waiters = [...this.#readWaiters, ...this.#drainWaiters];
    this.#readWaiters = [];
    this.#drainWaiters = [];
    for (const w of waiters) w.fail(error);
  };

  private constructor(stream: ByteStream, fd: number, registration: Registration, conn: TlsConnectionHandle) {
    this.stream = stream;
    this.#fd = fd;
    this.#registration = registration;
    this.#conn = conn;
    this.#readWait = registration.readyCallback(READABLE, this.#onReadable, this.#onClosed);
    this.#writeWait = registration.readyCallback(WRITABLE, this.#onWritable, this.#onClosed);
  }

  /**
   * Takes the fd out of `stream` (with its reactor registration where the stream can hand it
   * over) and starts a TLS connection on it (not yet handshaken). On a failure the fd is
   * deregistered and closed before the error is thrown.
   */
  static open(context: NativeContext, stream: ByteStream, open: NativeOpen): NativeTls {
    const source = stream as ByteStream & { intoRawFd: () => number; [intoRegistration]?: () => RegisteredFd | undefined };
    const handed = typeof source[intoRegistration] === 'function' ? source[intoRegistration]() : undefined;
    let fd: number;
    let registration: Registration;
    if (handed !== undefined && (handed.registration.interest & (READABLE | WRITABLE)) === (READABLE | WRITABLE)) {
      ({ fd, registration } = handed);
    } else {
      if (handed !== undefined) {
        // Registered for less than both directions (not a TcpStream's): register it anew.
        fd = handed.fd;
        try {
          handed.registration.deregister();
        } catch {
          // the reactor closed already: the register below fails and the fd is closed
        }
      } else {
        fd = source.intoRawFd();
      }
      try {
        registration = Reactor.current().register(fd, READABLE | WRITABLE);
      } catch (error) {
        sys.close(fd);
        throw error;
      }
    }
    const name = open.serverName;
    const conn = b().tlsCreate(context.handle, fd, name === null ? null : Buffer.from(name), name !== null && isIP(name) !== 0 ? 1 : 0, open.verifyHost ? 1 : 0);
    if (typeof conn === 'string') {
      registration.deregister();
      sys.close(fd);
      throw new TlsError('ERR_RT_TLS_CONFIG', conn);
    }
    if (open.session !== undefined) b().tlsSetSession(conn, open.session); // refused bytes: a full handshake
    return new NativeTls(stream, fd, registration, conn);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #closedError(): Error {
    return this.#timedOut ? new TlsError('ERR_RT_TLS_HANDSHAKE_TIMEOUT', 'the handshake did not finish in time') : new StreamClosed('the TLS stream is closed');
  }

  #clear(interest: number): void {
    const event = this.#registration.tryReadiness(interest);
    if (event !== null) this.#registration.clearReadiness(event);
  }

  #armRead(): void {
    if (this.#closed) return;
    if (this.#readWait.arm() !== null) queueMicrotask(this.#onReadable);
  }

  #armWrite(): void {
    if (this.#closed) return;
    if (this.#writeWait.arm() !== null) queueMicrotask(this.#onWritable);
  }

  /** After every native call: bytes left for the socket arm the background flush. */
  #afterCall(): void {
    if (state[0]! > 0) {
      this.#clear(WRITABLE);
      this.#armWrite();
    }
  }

  #wakeDrained(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const w of waiters) w.wake();
  }

  #waitReadable(label: string, options: WaitOptions | undefined): Promise<void> {
    if (this.#held) this.#release(); // a read that must wait sends what the peer may wait for
    this.#clear(READABLE);
    const { waiter, promise } = park<void>(label, this.#dropReader, options);
    this.#readWaiters.push(waiter);
    this.#armRead();
    return promise;
  }

  /** Waits until every encrypted byte went to the socket. */
  #waitDrained(label: string, options: WaitOptions | undefined): Promise<void> {
    const { waiter, promise } = park<void>(label, this.#dropDrainer, options);
    this.#drainWaiters.push(waiter);
    this.#armWrite();
    return promise;
  }

  #check(label: string): void {
    if (this.#closed) throw this.#closedError();
    void label;
  }

  /** The typed error for a failed native call (`result` < 0). */
  #error(result: number, phase: Phase): unknown {
    const k = b().tlsConstants;
    if (result === k.EOF) {
      return phase === 'handshake'
        ? new TlsError('ERR_RT_TLS_HANDSHAKE', 'the peer closed the connection during the handshake')
        : new TlsError('ERR_RT_TLS_TRUNCATED', 'the peer closed the connection without close_notify');
    }
    if (result === k.ERROR) {
      const [full, libReason, verifyCode, verifyReason] = b().tlsErrorInfo(this.#conn);
      if (verifyCode !== 0 && (libReason === null || libReason.includes('certificate verify failed'))) {
        const code = verifyCodes.get(verifyCode) ?? `X509_VERIFY_ERROR_${verifyCode}`;
        const reason = verifyReason ?? full;
        return toTlsError(Object.assign(new Error(`${reason} (${full})`), { code, reason }), phase);
      }
      const code = libReason === null ? undefined : `ERR_SSL_${libReason.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      return toTlsError(Object.assign(new Error(full), { reason: libReason ?? full, ...(code === undefined ? {} : { code }) }), phase);
    }
    if (result === k.WANT_WRITE) return new TlsError(phase === 'handshake' ? 'ERR_RT_TLS_HANDSHAKE' : 'ERR_RT_TLS_PROTOCOL', 'unexpected WANT_WRITE');
    const error = osError(result, phase === 'handshake' ? 'handshake' : 'read');
    if (phase === 'handshake' && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
      return new TlsError('ERR_RT_TLS_HANDSHAKE', `the peer closed the connection during the handshake (${error.code})`, { cause: error });
    }
    return error;
  }

  /**
   * Runs the handshake; on any failure, abort or timeout the connection and its fd are
   * closed before the promise rejects.
   */
  async handshake(label: string, timeoutMs: number, options: WaitOptions | undefined): Promise<void> {
    const timer = timeoutMs > 0 ? setTimeout(() => {
      this.#timedOut = true;
      this.close();
    }, timeoutMs) : undefined;
    try {
      throwIfCancelled(options);
      for (;;) {
        this.#check(label);
        const r = b().tlsHandshake(this.#conn, state);
        this.#afterCall();
        if (r === 0) return;
        if (r === DONE_HELD) {
          this.#held = true;
          process.nextTick(this.#release);
          return;
        }
        if (r !== WANT_READ) throw this.#error(r, 'handshake');
        await this.#waitReadable(label, options);
      }
    } catch (error) {
      this.close();
      throw error instanceof StreamClosed && this.#timedOut ? this.#closedError() : error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /**
   * One read attempt with no await: the bytes (>= 0, 0 at close_notify), `WANT_READ` when
   * the caller must wait for readability, or throws the typed error.
   */
  #tryRead(buf: Uint8Array): number {
    this.#check('TlsStream.read');
    // A read that found the socket dry (a short recv, as Tokio) cleared the readiness: wait
    // for the next event instead of a recv that would only say EAGAIN.
    if (this.#drained && this.#registration.tryReadiness(READABLE) === null) return WANT_READ;
    const r = b().tlsRead(this.#conn, buf, 0, buf.length, state);
    if (r < 0) this.#held = false; // WANT_READ or an error: the native side sent what it held
    const drained = state[1] === 1;
    this.#drained = drained;
    if (drained) this.#clear(READABLE);
    if (state[0]! > 0) this.#afterCall();
    if (r >= 0 || r === WANT_READ) return r;
    throw this.#error(r, 'data');
  }

  /**
   * Reads decrypted bytes: when some are ready (or an error is), settles with no async
   * function and no wait; otherwise parks until the socket is readable.
   */
  read(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#now(READ, buf, options) as Promise<number>;
  }

  /**
   * The fast path of `read`, `write` and `writeAll`: the cooperative budget (spent as by
   * `TcpStream`), cancellation, then one attempt with no await; only an attempt that must
   * wait goes on in an async function.
   */
  #now(op: number, buf: Uint8Array, options: WaitOptions | undefined): Promise<number | void> {
    let n: number;
    try {
      // Budget first, then cancellation, in one look-up of the task (as TcpStream's ready paths).
      const y = coopOrCancelled(options);
      if (y !== undefined) return y.then(() => this.#now(op, buf, options));
      if (op !== READ) n = this.#tryWrite(buf, 0);
      else if (buf.length === 0) return NOTHING;
      else n = this.#tryRead(buf);
    } catch (error) {
      return Promise.reject(error);
    }
    if (op === READ) return n >= 0 ? Promise.resolve(n) : this.#readSlow(buf, options);
    if (op === WRITE) return n > 0 || buf.length === 0 ? Promise.resolve(n) : this.#writeSlow(buf, options);
    return n === buf.length ? RESOLVED : this.#writeAllSlow(buf, n, options);
  }

  async #readSlow(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    for (;;) {
      await this.#waitReadable('TlsStream.read', options);
      const r = this.#tryRead(buf);
      if (r >= 0) return r;
    }
  }

  /**
   * One write attempt with no await: encrypts as much of `buf[at..]` as the output buffer
   * takes (one call takes at most 64 KiB); returns the bytes taken (0: none, the output
   * buffer is full, or nothing to write) or throws the typed error.
   */
  #tryWrite(buf: Uint8Array, at: number): number {
    this.#check('TlsStream.write');
    if (this.#writeShut) throw new BrokenPipe('TlsStream.write: the stream was shut down for writing');
    if (this.#writeError !== undefined) throw this.#writeError;
    const native = b();
    if (at < buf.length) this.#held = false; // a tlsWrite call (below) sends what was held
    let taken = at;
    let r = 0;
    while (taken < buf.length && (r = native.tlsWrite(this.#conn, buf, taken, buf.length - taken, state)) > 0) taken += r;
    if (state[0]! > 0) this.#afterCall();
    if (taken > at || r === 0 || r === WANT_WRITE) return taken - at;
    throw this.#error(r, 'data');
  }

  /**
   * Encrypts what it can of `buf` at once and settles with the count; waits only when
   * nothing was taken (the output buffer is full), so an abort never loses taken bytes.
   */
  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#now(WRITE, buf, options) as Promise<number>;
  }

  async #writeSlow(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    for (;;) {
      await this.#waitDrained('TlsStream.write', options);
      const n = this.#tryWrite(buf, 0);
      if (n > 0) return n;
    }
  }

  /**
   * Writes all of `buf`: when the output buffer takes it at once (the common case) the
   * result is a shared settled promise, with no async function; otherwise the rest waits
   * for the buffer to drain, piece by piece (not cancel safe, as `writeAll` everywhere).
   */
  writeAll(buf: Uint8Array, options: WaitOptions | undefined): Promise<void> {
    // Nothing to write: done, with no check (as io's writeAll, TcpStream's and Tokio's write_all).
    if (buf.length === 0) return RESOLVED;
    return this.#now(WRITE_ALL, buf, options) as Promise<void>;
  }

  async #writeAllSlow(buf: Uint8Array, at: number, options: WaitOptions | undefined): Promise<void> {
    while (at < buf.length) {
      await this.#waitDrained('TlsStream.writeAll', options);
      at += this.#tryWrite(buf, at);
    }
  }

  async flush(options: WaitOptions | undefined): Promise<void> {
    throwIfCancelled(options);
    this.#check('TlsStream.flush');
    if (this.#writeError !== undefined) throw this.#writeError;
    this.#held = false;
    const left = b().tlsFlush(this.#conn, state);
    if (left < 0) throw osError(left, 'write');
    if (left === 0) return;
    this.#afterCall();
    await this.#waitDrained('TlsStream.flush', options);
    if (this.#writeError !== undefined) throw this.#writeError;
  }

  async shutdown(options: WaitOptions | undefined): Promise<void> {
    throwIfCancelled(options);
    this.#check('TlsStream.shutdown');
    this.#held = false;
    const r = b().tlsShutdown(this.#conn, state);
    if (r < 0) throw osError(r, 'write');
    this.#afterCall();
    if (state[0]! > 0) await this.#waitDrained('TlsStream.shutdown', options);
    if (this.#writeError !== undefined) throw this.#writeError;
    if (!this.#writeShut) {
      this.#writeShut = true;
      sys.shutdown(this.#fd, 'write');
    }
  }

  /** Frees the SSL, deregisters and closes the fd, at once (no close_notify). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    b().tlsFree(this.#conn);
    try {
      this.#registration.deregister(); // fails the parked waits (#onClosed)
    } catch {
      // the reactor closed already
    }
    this.#onClosed();
    sys.close(this.#fd);
  }

  #info(): ReturnType<NativeTlsBinding['tlsInfo']> {
    this.#check('TlsStream');
    return b().tlsInfo(this.#conn);
  }

  get alpnProtocol(): string | null {
    return this.#info()[3];
  }

  get protocol(): string | null {
    return this.#info()[0];
  }

  get cipher(): CipherNameAndProtocol {
    const [protocol, name, standardName] = this.#info();
    return { name: name ?? '', standardName: standardName ?? '', version: protocol ?? '' };
  }

  get sniName(): string | null {
    return this.#info()[4];
  }

  get isSessionReused(): boolean {
    return this.#info()[5];
  }

  get session(): Buffer | undefined {
    if (this.#closed) return undefined;
    return b().tlsSession(this.#conn) ?? undefined;
  }

  peerCertificate(): X509Certificate | undefined {
    this.#check('TlsStream.peerCertificate');
    const der = b().tlsPeerCertificate(this.#conn);
    return der === null ? undefined : new X509Certificate(der);
  }
}

/** Removes a cancelled waiter from its list (usually of one). */
function drop(list: Waiter<void>[], waiter: Waiter<void>): void {
  const at = list.indexOf(waiter);
  if (at >= 0) list.splice(at, 1);
}

/** The IoError for a negative errno, `code` the errno name, as Node's. */
function osError(result: number, syscall: string): IoError {
  const fields = systemErrorFields(result);
  return new IoError(fields.code, `${syscall} on a TLS socket failed: ${fields.code}`, { ...fields, syscall });
}
