// What TcpStream, UnixStream and their split halves share: argument checks, the "moved"
// state after intoSplit/reunite, and the loops (writeAll) built on a StreamHandle.
import type { WaitOptions } from '@rt/scheduler';
import { SocketClosed } from '../errors.js';
import { describe } from '../socket-addr.js';
import type { StreamHandle } from './driver.js';
import { READABLE, WRITABLE } from './driver.js';

/**
 * The readiness `ready()` reports: whether the stream was found readable and/or writable.
 * A following `tryRead`/`tryWrite` may still throw `WouldBlock` (readiness can be stale).
 *
 * **Cancellation:** not applicable (a value). **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const { readable, writable } = await stream.ready('readable|writable');
 * ```
 */
export interface Ready {
  readonly readable: boolean;
  readonly writable: boolean;
}

/**
 * What `ready()` waits for: `'readable'`, `'writable'`, or either (`'readable|writable'`).
 *
 * **Cancellation:** not applicable (a type). **Errors:** `ready()` throws `TypeError` for
 * any other value.
 *
 * **Example**
 * ```ts
 * await stream.ready('writable');
 * ```
 */
export type Interest = 'readable' | 'writable' | 'readable|writable';

const moved = (): SocketClosed => new SocketClosed('the stream was moved into its halves (intoSplit) or reunited');
const reject = (): Promise<never> => Promise.reject(moved());
const fail = (): never => {
  throw moved();
};

/** What a moved stream's methods reach: async ones reject, synchronous ones throw. */
const MOVED_HANDLE: StreamHandle = {
  driver: 'fallback',
  closed: true,
  read: reject,
  tryRead: fail,
  ready: reject,
  write: reject,
  writev: reject,
  tryWrite: fail,
  tryWritev: fail,
  flush: reject,
  shutdown: reject,
  close: () => {},
  onRelease: fail,
  setNoDelay: fail,
  noDelay: fail,
  setKeepAlive: fail,
  setLinger: fail,
  linger: fail,
  setTtl: fail,
  ttl: fail,
  localAddress: fail,
  peerAddress: fail,
};

/** Holds the handle; once moved, every use fails with SocketClosed. (Internal module: not exported.) */
export class StreamCore {
  handle: StreamHandle;
  #current: StreamHandle;
  /** Owned halves still open (intoSplit); the fd closes when it reaches 0. */
  openHalves = 0;

  constructor(handle: StreamHandle) {
    this.handle = handle;
    this.#current = handle;
  }

  get moved(): boolean {
    return this.#current === MOVED_HANDLE;
  }

  /** Makes every later use fail; returns the real handle. */
  move(): StreamHandle {
    this.#current = MOVED_HANDLE;
    return this.handle;
  }

  get(): StreamHandle {
    return this.#current;
  }
}

/**
 * The `[fastCopy]` of rt streams and read halves (see `@rt/io`'s `fastCopy`): when `writer`
 * is an rt stream or write half too, the reading handle may copy into the writing one by
 * itself (the native driver does, socket to socket); otherwise `copy` runs its generic loop.
 */
export function fastCopyFrom(core: StreamCore, writer: unknown, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined {
  const target = (writer as { core?: unknown } | null)?.core;
  if (!(target instanceof StreamCore)) return undefined;
  const source = core.get();
  return source.copyTo === undefined ? undefined : source.copyTo(target.get(), bufferSize, options);
}

export function checkBuffer(buf: unknown, what: string): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${what}: buf must be a Uint8Array (or Buffer), got ${describe(buf)}`);
}

export function checkBuffers(buffers: unknown, what: string): asserts buffers is readonly Uint8Array[] {
  if (!Array.isArray(buffers)) throw new TypeError(`${what}: buffers must be an array of Uint8Array, got ${describe(buffers)}`);
  for (const b of buffers) checkBuffer(b, what);
}

export function interestBits(interest: unknown): number {
  switch (interest) {
    case 'readable':
      return READABLE;
    case 'writable':
      return WRITABLE;
    case 'readable|writable':
      return READABLE | WRITABLE;
    default:
      throw new TypeError(`ready: interest must be 'readable', 'writable' or 'readable|writable', got ${describe(interest)}`);
  }
}

export function readyOf(bits: number): Ready {
  return { readable: (bits & READABLE) !== 0, writable: (bits & WRITABLE) !== 0 };
}

/** A handle with its own `writeAll` (the native stream's completes at once without a loop). */
interface WriteAllHandle extends StreamHandle {
  writeAll(buf: Uint8Array, options: WaitOptions | undefined): Promise<void>;
}

export function writeAllTo(handle: StreamHandle, buf: Uint8Array, options: WaitOptions | undefined): Promise<void> {
  const own = (handle as Partial<WriteAllHandle>).writeAll;
  return own !== undefined ? own.call(handle, buf, options) : writeAllLoop(handle, buf, options);
}

async function writeAllLoop(handle: StreamHandle, buf: Uint8Array, options: WaitOptions | undefined): Promise<void> {
  let at = 0;
  while (at < buf.length) {
    at += await handle.write(at === 0 ? buf : buf.subarray(at), options);
  }
}
