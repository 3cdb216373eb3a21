// A BodyReader as a Web ReadableStream of type 'bytes' (pull-based, highWaterMark 0: a byte is
// read from the socket only when the consumer asks, so a slow consumer pauses the peer through
// TCP). (`text()`/`json()`/`arrayBuffer()` read without one: BodyReader's `takeBuffered`,
// `readWhole` and `readAll`.)
//
// A BYOB reader (`getReader({ mode: 'byob' })`) gets the body read into its own buffer: a
// Content-Length body goes from the socket straight into the caller's memory, so a handler that
// reuses one buffer allocates nothing per request for the body. A default reader gets each chunk
// in a new buffer (at most 64 KiB), read from the socket straight into it when nothing is
// buffered.
//
// The BYOB reader of a fresh stream is a light one (`BodyByobReader`): its reads go to the
// BodyReader directly instead of through the platform's byte-stream controller, which on Node
// 20 costs two ArrayBuffer transfers (each a new ArrayBuffer object over the same memory,
// counted as 64 KiB of external memory until a GC sweeps it), a pull-into descriptor, a
// `byobRequest` and three promises per read: about half of @rt/http's CPU on a 1 MiB upload
// read in 64 KiB views (see the package README). The stream itself stays a real
// `ReadableStream` (this class extends it): while the light reader holds the lock, the stream is
// locked through a platform default reader, so `locked`, `pipeTo`, `tee`, `getReader` and
// `cancel` by anyone else behave (and fail) as the platform's do; the light reader closes or
// errors the platform stream when the body ends or fails, and after `releaseLock()` any other
// reader goes on from the next unread byte.
//
// Documented differences of the light reader from `ReadableStreamBYOBReader`: the view's buffer
// is not transferred (`value.buffer === view.buffer`, and `view` stays usable: the spec detaches
// it; but a read that `releaseLock()` or `cancel()` settled early may still be written by its
// socket read until that settles: reuse its memory only once the next reader's first read has
// settled), and a stream partly read through it and then released is not flagged disturbed for
// the platform (`new Response(body)` accepts it; `request.bodyUsed` still says true).
import type { QueuingStrategy, ReadableByteStreamController, ReadableStreamAsyncIterator, ReadableStreamDefaultReader, ReadableStreamGetReaderOptions, ReadableStreamReader, ReadableStreamReadResult, UnderlyingByteSource } from 'node:stream/web';
import type { BodyReader } from './body.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { Readable } = process.getBuiltinModule('node:stream');

type OnDone = (error?: unknown, cancelled?: boolean) => void;

/** Whether the platform has seen a read of `stream` (node:stream's `isDisturbed`, which takes web streams too). */
const isDisturbed = (stream: ReadableStream<Uint8Array>): boolean => Readable.isDisturbed(stream as unknown as import('node:stream').Readable);

/** The platform's ReadableStream, typed for a byte source (the generic overload cannot take one). */
type ByteStream = new (source: UnderlyingByteSource, strategy?: QueuingStrategy<Uint8Array>) => ReadableStream<Uint8Array>;

/**
 * BodyStream's parent until the first body stream is made, when {@link linkPlatform} puts the
 * platform's ReadableStream in its place: on Node 22 and later `globalThis.ReadableStream` is a
 * lazy data property whose first access loads the web streams (23 internal modules, ~0.17 MB
 * of heap on Node 24), which a server whose handlers never touch a body stream (`arrayBuffer()`,
 * `text()`, `json()` read the body without one) does not need. `super(…)` and `super.method()`
 * look the parent up when they run, so the class behaves as if it extended ReadableStream.
 */
const Unlinked = function BodyStreamParent() {} as unknown as ByteStream;

const invalidState = (message: string): TypeError => Object.assign(new TypeError(`Invalid state: ${message}`), { code: 'ERR_INVALID_STATE' });

/**
 * The state behind a BodyStream, shared by the platform's pull/cancel and the light BYOB
 * reader (reachable only through the stream's private field, never from outside this module).
 * It is also the stream's underlying byte source itself (`type`, `start`, `pull`, `cancel`,
 * which the platform calls with it as `this`): no source object or closures per stream.
 */
class BodySource implements UnderlyingByteSource {
  readonly reader: BodyReader;
  readonly #onDone: OnDone;
  controller!: ReadableByteStreamController;
  /** onDone has been called (it is called once). */
  #finished = false;
  /** The consumer cancelled: what reads in flight say no longer matters. */
  cancelled = false;
  /** A light reader has read (the platform does not see those reads). */
  touched = false;
  /**
   * The light read that just settled got fewer than its `min` elements because the body ended:
   * its reader closes the stream, unless it was released (then its bytes go back to the body
   * first and the next reader sees the end after them).
   */
  cutShort = false;
  /** Set when the body ended (true) or failed (the error), by whichever reader saw it first. */
  end: { error: unknown } | true | undefined;
  /**
   * A light read in flight (cleared by the light reader once it has taken the result): a
   * reader after a `releaseLock()` waits for it, so bytes it still delivers come first.
   */
  pending: Promise<number> | undefined;

  constructor(reader: BodyReader, onDone: OnDone) {
    this.reader = reader;
    this.#onDone = onDone;
    reader.streamed = true;
  }

  /** The underlying source's kind, for the platform: a byte stream. */
  get type(): 'bytes' {
    return 'bytes';
  }

  /** The platform's start: the stream's controller. */
  start(controller: ReadableByteStreamController): void {
    this.controller = controller;
  }

  /**
   * A light read: up to `view.byteLength` bytes into `view`, whole elements, at least `min`
   * elements unless the body ends first (then `end` is true once this settles); 0 at the end.
   */
  read(view: ArrayBufferView, element: number, min: number): Promise<number> {
    this.touched = true;
    return (this.pending = element === 1 && min <= 1
      ? this.reader.readInto(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
      : this.#readAtLeast(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), element, min * element));
  }

  /** A view of wider elements, or a read with `min`: reads on to whole elements and `least` bytes. */
  async #readAtLeast(bytes: Uint8Array, element: number, least: number): Promise<number> {
    let n = await this.reader.readInto(bytes);
    if (n === 0) return 0;
    while (n < least || n % element !== 0) {
      if (this.cancelled) return n; // nobody waits for these bytes: no more socket reads
      const more = await this.reader.readInto(bytes.subarray(n, n < least ? bytes.length : n + element - (n % element)));
      if (more === 0) {
        if (n % element !== 0) throw invalidState('Insufficient bytes to fill elements in the given buffer');
        this.cutShort = true; // the body ended with fewer than `min` elements: they come with done
        break;
      }
      n += more;
    }
    return n;
  }

  /** The end as a light reader saw it: the platform stream closes (its readers see the end). */
  close(): void {
    if (this.end !== undefined || this.cancelled) return;
    this.end = true;
    this.controller.close();
    this.#done();
  }

  /** A failed light read: the platform stream errors with it. */
  fail(error: unknown): void {
    if (this.end !== undefined || this.cancelled) return;
    this.end = { error };
    this.controller.error(error);
    this.#done(error);
  }

  #done(error?: unknown, cancelled?: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#onDone(error, cancelled);
  }

  /** The platform's pull (a platform reader asked for bytes). */
  async pull(controller: ReadableByteStreamController): Promise<void> {
    // After a light reader's releaseLock(): its read in flight delivers first (see `pending`).
    if (this.pending !== undefined) await this.pending.then(NOTHING, NOTHING);
    if (this.cancelled || this.end !== undefined) {
      // That read ended or failed the body: the platform stream is closed or errored already.
      if (this.end === true) controller.byobRequest?.respond(0);
      return;
    }
    const request = controller.byobRequest;
    const reader = this.reader;
    let n: number;
    let chunk: Uint8Array | null = null;
    try {
      if (request !== null) {
        const view = request.view!;
        n = await reader.readInto(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      } else {
        chunk = await reader.chunk();
        n = chunk === null ? 0 : chunk.length;
      }
    } catch (error) {
      if (this.cancelled) return; // the consumer is gone; what the read says no longer matters
      this.end = { error };
      controller.error(error);
      this.#done(error);
      return;
    }
    if (this.cancelled) return;
    if (n === 0) {
      this.end = true;
      try {
        controller.close();
        // The BYOB read waiting now, not the one this pull began for: a pull begun for a default
        // read that was then released can end the body while a BYOB read waits, and a closed
        // byte stream answers a pending BYOB read only through its request (it hung forever).
        controller.byobRequest?.respond(0);
      } catch (error) {
        // A BYOB read of wider elements holds part of one: the platform errors the stream
        // (and throws); onDone still hears of it (the client frees the connection).
        this.end = { error };
        this.#done(error);
        return;
      }
      this.#done();
    } else if (request !== null) {
      request.respond(n);
    } else {
      controller.enqueue(chunk!);
    }
  }

  /** The platform's cancel (by any reader or the stream itself). */
  cancel(reason: unknown): void {
    this.cancelled = true;
    this.#done(reason ?? new Error('body cancelled'), true);
  }
}

const NOTHING = (): void => undefined;

/** Every body stream's queuing strategy: nothing read ahead of the consumer. */
const PULL_ONLY: QueuingStrategy<Uint8Array> = Object.freeze({ highWaterMark: 0 });

let sourceOf: (stream: BodyStream) => BodySource;

/** Returns its argument as the object under construction: how {@link SourceSlot} stamps a field on a stream. */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/**
 * The stream's state, as a private field stamped on the stream object (by either way of
 * making one, see {@link BodyStream}): reachable only through `sourceOf`, and a brand check
 * (`sourceOf` throws a TypeError for anything that is not a body stream).
 */
class SourceSlot extends Stamp {
  readonly #source: BodySource;

  constructor(stream: ReadableStream<Uint8Array>, source: BodySource) {
    super(stream);
    this.#source = source;
  }

  static {
    sourceOf = (stream) => (stream as unknown as SourceSlot).#source;
  }
}

/** The request or response body as a Web byte stream; see the file comment. */
export class BodyStream extends Unlinked {
  constructor(reader: BodyReader, onDone: OnDone) {
    const twin = twinOf === null ? linkPlatform() : twinOf;
    const source = new BodySource(reader, onDone);
    // Node 20: the platform's transferable stream, made without its generic copy (see twinOf).
    if (twin !== undefined) return new SourceSlot(twin(source), source) as unknown as BodyStream;
    super(source, PULL_ONLY);
    new SourceSlot(this, source);
  }

  override getReader(options: { mode: 'byob' }): ReadableStreamBYOBReader;
  override getReader(): ReadableStreamDefaultReader<Uint8Array>;
  override getReader(options?: ReadableStreamGetReaderOptions): ReadableStreamReader<Uint8Array>;
  override getReader(options?: ReadableStreamGetReaderOptions): ReadableStreamReader<Uint8Array> {
    const source = sourceOf(this);
    // Not a BYOB reader, or a stream already closed, errored, cancelled or read by the platform
    // (its controller may hold bytes): the platform's reader.
    if (options?.mode !== 'byob' || source.end !== undefined || source.cancelled || isDisturbed(this)) return super.getReader(options);
    // The platform's default reader holds the lock (and throws as the platform's does when the
    // stream is locked already).
    const inner = super.getReader();
    return new BodyByobReader(source, inner) as unknown as ReadableStreamBYOBReader;
  }

  /**
   * The body's chunks (`for await (const chunk of request.body)`), each a new `Uint8Array` the
   * caller owns (never written again), as the platform's iterator gives; see {@link BodyIterator}.
   */
  override values(options?: { preventCancel?: boolean }): ReadableStreamAsyncIterator<Uint8Array> {
    const source = sourceOf(this);
    // A stream already closed, errored, cancelled or read by the platform (its controller may
    // hold bytes), or options the platform must judge: the platform's iterator.
    if ((options !== undefined && (options === null || typeof options !== 'object')) || source.end !== undefined || source.cancelled || isDisturbed(this)) {
      return super.values(options);
    }
    // The platform's default reader holds the lock (and throws as the platform's does when the
    // stream is locked already).
    return new BodyIterator(source, super.getReader(), options?.preventCancel === true) as unknown as ReadableStreamAsyncIterator<Uint8Array>;
  }

  override [Symbol.asyncIterator](options?: { preventCancel?: boolean }): ReadableStreamAsyncIterator<Uint8Array> {
    return this.values(options);
  }
}

/**
 * Node 20's platform `ReadableStream` constructor ends with `makeTransferable(this)`:
 * it builds a C++-backed `JSTransferable` object (what `postMessage`/`structuredClone` can
 * transfer) and copies the stream's own properties onto it with
 * `Object.getOwnPropertyDescriptors` and `Object.defineProperties`, generic C++ paths that
 * cost ~25k of the constructor's ~37k instructions per stream (a fifth of a whole 1 MiB upload's
 * instructions in the BYOB benchmark row; see the package README). `makeTransferable` returns an object that is already a `JSTransferable` as
 * it is; so this builds the same result the platform would, with plain stores:
 *
 * 1. the platform constructor runs on an object whose prototype chain has
 *    `JSTransferable.prototype` ({@link PlatformShape}), so `makeTransferable` returns it
 *    untouched: it is the stream's controller-side object, as the one `makeTransferable` copies
 *    from is on the platform's way;
 * 2. a real `JSTransferable` is constructed with `BodyStream.prototype` as its prototype and
 *    gets that object's own properties (the stream's internal state: four symbol-keyed plain
 *    data properties, each copied by a store: the same values, attributes and order as the
 *    platform's copy): the stream the caller gets, transferable as the platform's. The two
 *    objects share the state objects, as the platform's two do.
 *
 * `JSTransferable` is the superclass of `net.BlockList` on these versions. Used only when a
 * probe at the first body stream finds all of it so (the constructor calls `makeTransferable`, the shortcut
 * holds, the state is plain data properties that no prototype intercepts); else, and on Node 22
 * and later (which mark streams transferable without a copy), the platform constructor as is.
 */
/**
 * Whether the platform constructor reads `this.constructor` while it builds a `Shape` (Node 20's
 * `makeTransferable` does exactly when it makes its copy). Leaves `Shape.prototype.constructor`
 * a data property again, as the class made it.
 */
function readsConstructor(Shape: ByteStream, source: UnderlyingByteSource): boolean {
  let read = false;
  const own = Object.getOwnPropertyDescriptor(Shape.prototype, 'constructor')!;
  Object.defineProperty(Shape.prototype, 'constructor', {
    get: () => {
      read = true;
      return Shape;
    },
    configurable: true,
  });
  try {
    new Shape(source, PULL_ONLY);
  } finally {
    Object.defineProperty(Shape.prototype, 'constructor', own);
  }
  return read;
}

/** Node 20's way of making a body stream (see above), undefined where it does not hold, null until {@link linkPlatform}. */
let twinOf: ((source: BodySource) => ReadableStream<Uint8Array>) | undefined | null = null;

/** Makes BodyStream extend the platform's ReadableStream (on the first body stream); probes for and returns {@link twinOf}. */
function linkPlatform(): ((source: BodySource) => ReadableStream<Uint8Array>) | undefined {
  // The platform's class, not whatever the global holds by now (another library may have put its
  // own there since this module loaded, when reading the global would have given the platform's).
  const Platform = (process.getBuiltinModule('node:stream/web') as typeof import('node:stream/web')).ReadableStream as unknown as ByteStream;
  Object.setPrototypeOf(BodyStream, Platform);
  Object.setPrototypeOf(BodyStream.prototype, Platform.prototype);
  twinOf = probeTwin(Platform);
  return twinOf;
}

function probeTwin(ByteStream: ByteStream): ((source: BodySource) => ReadableStream<Uint8Array>) | undefined {
  // Does the platform constructor make the stream transferable by a copy? It reads
  // `this.constructor` for the copy's construction (Node 22 and later do not), and only then.
  const probeSource: UnderlyingByteSource = { type: 'bytes' };
  class Probe extends ByteStream {}
  if (!readsConstructor(Probe, probeSource)) return undefined;
  // Only then node:net's BlockList, read here and not at load: the getter loads its module
  // (17-22 kB of a server's heap that Node 22 and later never need; @rt/http README, "What a
  // server loads").
  const JSTransferable = Object.getPrototypeOf(process.getBuiltinModule('node:net').BlockList) as (abstract new () => object) | null;
  if (typeof JSTransferable !== 'function' || JSTransferable.name !== 'JSTransferable' || typeof JSTransferable.prototype !== 'object') return undefined;
  class PlatformShape extends ByteStream {}
  Object.setPrototypeOf(PlatformShape.prototype, JSTransferable.prototype);
  // The shortcut holds: on an object that is already a JSTransferable, no copy (no read).
  if (readsConstructor(PlatformShape, probeSource)) return undefined;
  const shaped = new PlatformShape(probeSource, PULL_ONLY);
  // The stream's state: four plain data properties (on Node 20), copied by a store each.
  const keys = Reflect.ownKeys(shaped);
  if (keys.length !== 4) return undefined;
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(shaped, key)!;
    if (!('value' in descriptor) || !descriptor.writable || !descriptor.enumerable || !descriptor.configurable || key in BodyStream.prototype) return undefined;
  }
  const [k0, k1, k2, k3] = keys as [PropertyKey, PropertyKey, PropertyKey, PropertyKey];
  const none: [] = [];
  return (source) => {
    const from = new PlatformShape(source, PULL_ONLY) as unknown as Record<PropertyKey, unknown>;
    // The copy's constructor target is BodyStream: its prototype is the stream's, and on this
    // path nothing else constructs with it (BodyStream's constructor returns the copy before
    // `super`), so V8 keeps one object layout (map) for every copy on it.
    const twin = Reflect.construct(JSTransferable, none, BodyStream) as Record<PropertyKey, unknown>;
    twin[k0] = from[k0];
    twin[k1] = from[k1];
    twin[k2] = from[k2];
    twin[k3] = from[k3];
    return twin as unknown as ReadableStream<Uint8Array>;
  };
}

/** A read of the light reader: its view and its promise's resolvers. */
interface LightRead {
  view: ArrayBufferView;
  /** The view's bytes per element, and the least elements the read waits for (`options.min`). */
  element: number;
  min: number;
  resolve: (result: ReadableStreamReadResult<ArrayBufferView>) => void;
  reject: (error: unknown) => void;
  /** Resolved or rejected already (by cancel or releaseLock while its socket read was in flight). */
  settled: boolean;
}

/**
 * The light BYOB reader of a BodyStream (see the file comment): `read(view)` fills `view` from
 * the body and resolves `{ value, done }` with `value` a view of the same type over the same
 * memory; `releaseLock()`, `cancel()` and `closed` as `ReadableStreamBYOBReader`'s.
 */
class BodyByobReader {
  readonly #source: BodySource;
  readonly #inner: ReadableStreamDefaultReader<Uint8Array>;
  #attached = true;
  /** The read whose body read is in flight (one at a time), and those waiting behind it. */
  #inFlight: LightRead | undefined;
  readonly #queue: LightRead[] = [];

  constructor(source: BodySource, inner: ReadableStreamDefaultReader<Uint8Array>) {
    this.#source = source;
    this.#inner = inner;
  }

  /** Resolves when the stream closes; rejects when it errors or this reader is released (the platform reader's `closed`). */
  get closed(): Promise<void> {
    return this.#inner.closed;
  }

  /**
   * Reads up to `view.byteLength` body bytes into `view`; resolves `{ done: false, value }`
   * with `value` a view of `view`'s type over the bytes read (same memory: `view` itself when
   * the read filled it), or `{ done: true, value }` (an empty view) at the end of the body.
   *
   * A read whose bytes are there at once (buffered, or a socket read that completes now:
   * `TcpStream.readNow`) returns a settled promise: `releaseLock()` or `cancel()` after it does
   * not take them back (as the platform's reader with queued bytes).
   *
   * **Cancellation:** `cancel()` resolves a pending read `{ done: true, value: undefined }`
   * (what the socket read in flight then takes is dropped with the rest of the body);
   * `releaseLock()` rejects it, and the bytes the socket read in flight still takes go to the
   * next reader. Either way the socket read in flight may still write into `view` after the
   * promise settled (the platform detaches the buffer; this reader does not): do not reuse its
   * memory until the next reader's first read has settled (that read waits for it).
   *
   * **Errors:** `TypeError` for a value that is not a view, an empty or detached view, or a
   * released reader; the body's error (`HttpError` 413, 400, the connection's) when it fails.
   *
   * **Example**
   * ```ts
   * const reader = request.body!.getReader({ mode: 'byob' });
   * let view = new Uint8Array(64 * 1024);
   * for (let r = await reader.read(view); !r.done; r = await reader.read(view)) use(r.value);
   * ```
   */
  read<T extends ArrayBufferView>(view: T, options?: { min?: number }): Promise<ReadableStreamReadResult<T>> {
    if (!ArrayBuffer.isView(view)) {
      return Promise.reject(Object.assign(new TypeError('The "view" argument must be an instance of Buffer, TypedArray, or DataView.'), { code: 'ERR_INVALID_ARG_TYPE' }));
    }
    // A Uint8Array with bytes has a buffer with bytes (a detached one's views are empty): the
    // `buffer` getter (a call into C++ on Node 20) only for the other kinds of view.
    if (view.byteLength === 0 || (!(view instanceof Uint8Array) && view.buffer.byteLength === 0)) return Promise.reject(invalidState('View or Viewed ArrayBuffer is zero-length or detached'));
    const element = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const min = options?.min ?? 1;
    if (min !== 1) {
      if (!Number.isInteger(min) || min <= 0) return Promise.reject(Object.assign(new TypeError(`The "options.min" property must be a positive integer. Received ${String(min)}`), { code: 'ERR_OUT_OF_RANGE' }));
      if (min > view.byteLength / element) return Promise.reject(Object.assign(new RangeError(`options.min (${min}) is larger than the view (${view.byteLength / element} elements)`), { code: 'ERR_OUT_OF_RANGE' }));
    }
    if (!this.#attached) return Promise.reject(invalidState('The reader is not attached to a stream'));
    const source = this.#source;
    if (element === 1 && min === 1 && this.#inFlight === undefined && this.#queue.length === 0 && source.pending === undefined && source.end === undefined && !source.cancelled) {
      // The bytes are there now (buffered, or the socket read completes at once: readNow): a
      // settled promise, with no read record, socket promise or reaction.
      let n: number;
      try {
        n = source.reader.readNow(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      } catch (error) {
        source.fail(error);
        return Promise.reject(error);
      }
      if (n > 0) {
        source.touched = true;
        return Promise.resolve({ done: false, value: viewOf(view, n) as T });
      }
      if (source.reader.done) {
        // Every byte handed out: the end, as a read that found it through the body would say.
        source.touched = true;
        source.close();
        return Promise.resolve({ done: true, value: viewOf(view, 0) as T });
      }
    }
    return new Promise((resolve, reject) => {
      const read: LightRead = { view, element, min, resolve: resolve as LightRead['resolve'], reject, settled: false };
      if (this.#inFlight === undefined) this.#start(read);
      else this.#queue.push(read);
    });
  }

  #start(read: LightRead): void {
    const source = this.#source;
    const pending = source.pending;
    if (pending !== undefined) {
      // A released reader's read is still in flight: it delivers first.
      this.#inFlight = read;
      const resume = (): void => {
        this.#inFlight = undefined;
        if (read.settled) this.#next();
        else this.#start(read);
      };
      pending.then(resume, resume);
      return;
    }
    const end = source.end;
    if (end !== undefined || source.cancelled) {
      read.settled = true;
      if (end === undefined || end === true) read.resolve({ done: true, value: viewOf(read.view, 0) as never });
      else read.reject(end.error);
      return;
    }
    this.#inFlight = read;
    const view = read.view;
    const direct = read.element === 1 && read.min <= 1 ? source.reader.startDirect(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength)) : undefined;
    if (direct !== undefined) {
      // The socket read itself, settled here (see BodyReader.startDirect).
      source.touched = true;
      source.pending = direct;
      direct.then(this.#onDirect, this.#onDirectError);
    } else {
      source.read(view, read.element, read.min).then(this.#onRead, this.#onError);
    }
  }

  readonly #onDirect = (n: number): void => {
    let count: number;
    try {
      count = this.#source.reader.endDirect(n);
    } catch (error) {
      this.#onError(error);
      return;
    }
    this.#onRead(count);
  };

  readonly #onDirectError = (error: unknown): void => {
    this.#source.reader.failDirect();
    this.#onError(error);
  };

  readonly #onRead = (n: number): void => {
    const read = this.#inFlight!;
    this.#inFlight = undefined;
    this.#source.pending = undefined;
    const cutShort = this.#source.cutShort;
    this.#source.cutShort = false;
    if (!read.settled) {
      if (n === 0 || cutShort) this.#source.close();
      read.settled = true;
      // done with bytes: a `min` read the body's end cut short (the platform's answer too).
      read.resolve({ done: n === 0 || this.#source.end === true, value: viewOf(read.view, n) });
    } else if (!this.#attached && n > 0) {
      // Released while the read was in flight: its bytes belong to the next reader (before the
      // end, when the body ended during the read: the next reader closes the stream after them).
      this.#source.reader.unread(Buffer.from(read.view.buffer, read.view.byteOffset, n));
    } else if (n === 0 || cutShort) {
      this.#source.close();
    }
    this.#next();
  };

  readonly #onError = (error: unknown): void => {
    const read = this.#inFlight!;
    this.#inFlight = undefined;
    this.#source.pending = undefined;
    this.#source.fail(error);
    if (!read.settled) {
      read.settled = true;
      read.reject(error);
    }
    this.#next();
  };

  #next(): void {
    const read = this.#queue.shift();
    if (read !== undefined) this.#start(read);
  }

  /**
   * Cancels the stream (the rest of the body is not read); a read in flight or queued resolves
   * `{ done: true, value: undefined }`, as the platform's.
   *
   * **Cancellation:** not applicable (it settles at once; the connection drains or closes).
   *
   * **Errors:** `TypeError` on a released reader.
   *
   * **Example**
   * ```ts
   * await reader.cancel('not needed');
   * ```
   */
  cancel(reason?: unknown): Promise<void> {
    if (!this.#attached) return Promise.reject(invalidState('The reader is not attached to a stream'));
    this.#settleAll((read) => read.resolve({ done: true, value: undefined }));
    return this.#inner.cancel(reason);
  }

  /**
   * Unlocks the stream. Reads in flight or queued reject with a TypeError, as the platform's;
   * bytes a read in flight still takes from the socket are kept for the next reader.
   */
  releaseLock(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#settleAll((read) => read.reject(invalidState('Releasing reader')));
    this.#inner.releaseLock();
  }

  #settleAll(settle: (read: LightRead) => void): void {
    const inFlight = this.#inFlight;
    if (inFlight !== undefined && !inFlight.settled) {
      inFlight.settled = true;
      settle(inFlight);
    }
    for (let read = this.#queue.shift(); read !== undefined; read = this.#queue.shift()) {
      read.settled = true;
      settle(read);
    }
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The async iterator of a fresh BodyStream (`values()`, `for await`): each `next()` takes the
 * next chunk from the BodyReader directly (`chunk()`: a settled promise when the bytes are there
 * now) instead of through the platform's default reader and byte-stream controller (on Node 20
 * a pull promise, the pull's async frames, an ArrayBuffer transfer and a read request per chunk).
 * Behaves as the platform's iterator: `next()` calls run in order; the end or an error releases
 * the lock (the stream is then closed or errored, as the platform's); `return(value)` (a `break`
 * out of `for await`, or a throw in its body) cancels the stream with `value` unless
 * `preventCancel`, and releases the lock.
 */
class BodyIterator implements AsyncIterableIterator<Uint8Array> {
  readonly #source: BodySource;
  readonly #inner: ReadableStreamDefaultReader<Uint8Array>;
  readonly #preventCancel: boolean;
  #done = false;
  /** `next()` calls not settled yet, and the last one's promise (a call made meanwhile waits for it). */
  #unsettled = 0;
  #last: Promise<IteratorResult<Uint8Array, undefined>> | undefined;

  constructor(source: BodySource, inner: ReadableStreamDefaultReader<Uint8Array>, preventCancel: boolean) {
    this.#source = source;
    this.#inner = inner;
    this.#preventCancel = preventCancel;
  }

  /**
   * The next chunk, `{ done: true }` at the end of the body.
   *
   * **Cancellation:** `return()` waits for a pending `next()`; a connection that fails meanwhile
   * rejects it (and the stream errors).
   *
   * **Errors:** the body's error (`HttpError` 413, 400, the connection's).
   *
   * **Example**
   * ```ts
   * for await (const chunk of request.body!) hash.update(chunk);
   * ```
   */
  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    return this.#unsettled === 0 ? this.#step() : this.#after(this.#step);
  }

  /** Runs `then` once the last `next()` has settled (a call made while one is pending, or a read a released BYOB reader left in flight). */
  #after(then: () => Promise<IteratorResult<Uint8Array, undefined>>, last: Promise<unknown> = this.#last!): Promise<IteratorResult<Uint8Array, undefined>> {
    this.#unsettled++;
    const resume = (): Promise<IteratorResult<Uint8Array, undefined>> => {
      this.#unsettled--;
      return then();
    };
    return (this.#last = last.then(resume, resume));
  }

  readonly #step = (): Promise<IteratorResult<Uint8Array, undefined>> => {
    if (this.#done) return Promise.resolve(DONE);
    const source = this.#source;
    if (source.pending !== undefined) return this.#after(this.#step, source.pending);
    const end = source.end;
    if (end !== undefined || source.cancelled) {
      this.#release();
      return end === undefined || end === true ? Promise.resolve(DONE) : Promise.reject(end.error);
    }
    source.touched = true;
    let chunk: Uint8Array | null | Promise<Uint8Array | null>;
    try {
      chunk = source.reader.chunk();
    } catch (error) {
      return Promise.reject(this.#fail(error));
    }
    if (chunk === null) return Promise.resolve(this.#end());
    if (chunk instanceof Uint8Array) return Promise.resolve({ done: false, value: chunk });
    this.#unsettled++;
    return (this.#last = chunk.then(this.#onChunk, this.#onError));
  };

  readonly #onChunk = (chunk: Uint8Array | null): IteratorResult<Uint8Array, undefined> => {
    this.#unsettled--;
    return chunk === null ? this.#end() : { done: false, value: chunk };
  };

  readonly #onError = (error: unknown): never => {
    this.#unsettled--;
    throw this.#fail(error);
  };

  #end(): IteratorReturnResult<undefined> {
    this.#source.close();
    this.#release();
    return DONE;
  }

  #fail(error: unknown): unknown {
    this.#source.fail(error);
    this.#release();
    return error;
  }

  #release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#inner.releaseLock();
  }

  /**
   * Stops the iteration (a `break`): cancels the stream with `value` (unless `preventCancel`)
   * and releases the lock, once a pending `next()` has settled.
   *
   * **Cancellation:** not applicable (the rest of the body is drained or the connection closed).
   *
   * **Errors:** the stream's error, when it had failed before (as the platform's cancel).
   *
   * **Example**
   * ```ts
   * for await (const chunk of request.body!) if (chunk.includes(0)) break;
   * ```
   */
  return(value?: unknown): Promise<IteratorResult<Uint8Array, undefined>> {
    return this.#unsettled === 0 ? this.#return(value) : this.#after(() => this.#return(value));
  }

  #return(value: unknown): Promise<IteratorResult<Uint8Array, undefined>> {
    const result = { done: true, value } as IteratorReturnResult<undefined>;
    if (this.#done) return Promise.resolve(result);
    this.#done = true;
    if (this.#preventCancel) {
      this.#inner.releaseLock();
      return Promise.resolve(result);
    }
    const cancelled = this.#inner.cancel(value);
    this.#inner.releaseLock();
    return cancelled.then(() => result);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
// The platform's iterators inherit from %AsyncIteratorPrototype%; so does this one.
Object.setPrototypeOf(BodyIterator.prototype, Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})).prototype) as object);

/**
 * A view of the same type as `view` over its first `bytes` bytes: `view` itself when the read
 * filled it (the usual read of a large body: no view made, no `buffer` getter, a call into C++
 * on Node 20).
 */
function viewOf(view: ArrayBufferView, bytes: number): ArrayBufferView {
  if (bytes === view.byteLength) return view;
  const Type = view.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;
  if (Type === Uint8Array) return new Uint8Array(view.buffer, view.byteOffset, bytes);
  if (Buffer.isBuffer(view)) return Buffer.from(view.buffer, view.byteOffset, bytes); // not `new Buffer` (deprecated)
  const element = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  return new Type(view.buffer, view.byteOffset, bytes / element);
}

/**
 * `onDone` is called once: with nothing at the end of the body, with the error when a read
 * failed, or with the reason and `cancelled` true when the consumer cancelled the stream (the
 * rest of the body is unread; a read may still be in flight: `reader.reading`).
 */
export function bodyStream(reader: BodyReader, onDone: OnDone): BodyStream {
  return new BodyStream(reader, onDone);
}

/** Whether a body stream has been read from (by any reader, the light BYOB reader included). */
export function bodyDisturbed(stream: ReadableStream<Uint8Array>): boolean {
  return isDisturbed(stream) || (stream instanceof BodyStream && sourceOf(stream).touched);
}
