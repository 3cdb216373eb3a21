import { SocketAddr, SocketClosed, TcpListener, lookupHost } from '@rt/net';
import type { TcpStream, ToSocketAddrs } from '@rt/net';
import type { WaitOptions } from '@rt/scheduler';
import { HELD, closeFd } from './fd-table.js';
import { LISTEN_SERVICE } from './protocol.js';
import type { ListenRequest, PortAnswer, SubscribeAnswer } from './protocol.js';
import { currentListenWorker } from './worker.js';
import type { HandoffQueue, ListenWorker } from './worker.js';
import { describe } from '@rt/scheduler/primitives';

/**
 * How a {@link SharedListener} spreads connections over the workers.
 *
 * - `'reusePort'`: every worker binds its own SO_REUSEPORT socket on the address and the
 *   kernel spreads connections by a hash of their addresses. No cross-thread step per
 *   connection; the spread is even on average but does not follow load.
 * - `'handoff'`: one accept loop on the main thread accepts every connection and hands its
 *   fd to the worker holding the fewest connections (ties round-robin). Follows load, at the
 *   cost of one message per connection.
 *
 * **Cancellation:** not applicable (a type). **Errors:** `SharedListener.bind` throws
 * `TypeError` for any other value.
 *
 * **Example**
 * ```ts
 * await SharedListener.bind('0.0.0.0:8080', { mode: 'handoff' });
 * ```
 */
export type SharedListenerMode = 'reusePort' | 'handoff';

/**
 * Options of {@link SharedListener.bind}.
 *
 * **Cancellation:** `signal` aborts the name resolution and, in a worker, the wait for the
 * supervisor's answer.
 *
 * **Errors:** `TypeError`/`RangeError` from `bind` for a bad mode, backlog or ipv6Only.
 *
 * **Example**
 * ```ts
 * await SharedListener.bind(':8080', { mode: 'reusePort', backlog: 4096 });
 * ```
 */
export interface SharedListenerOptions extends WaitOptions {
  /** `'reusePort'` (default) or `'handoff'`. See {@link SharedListenerMode}. */
  mode?: SharedListenerMode;
  /** `listen(2)` backlog of each socket (default 1024). */
  backlog?: number;
  /** When binding `::`, accept IPv6 only (default false). */
  ipv6Only?: boolean;
}

/** Listeners default to every interface, as `TcpListener.bind` does. */
function withDefaultHost(addr: ToSocketAddrs): ToSocketAddrs {
  if (typeof addr === 'object' && addr !== null && !(addr instanceof SocketAddr) && addr.host === undefined) {
    return { host: '0.0.0.0', port: addr.port };
  }
  return addr;
}

async function call<T>(worker: ListenWorker, request: ListenRequest): Promise<T> {
  return (await worker.context.call(LISTEN_SERVICE, request)) as T;
}

/**
 * A TCP listener shared by every worker of a multi-thread runtime: each worker's entry calls
 * `SharedListener.bind(addr, { mode })` with the same address and accepts from it like a
 * `TcpListener`, and connections spread across the workers — by the kernel
 * (`mode: 'reusePort'`, the default) or by a main-thread accept loop that hands each
 * connection's fd to the least-loaded worker (`mode: 'handoff'`). See
 * {@link SharedListenerMode}.
 *
 * Every worker's n-th `bind` of one address (and mode) joins the same shared listener.
 * With port 0 all workers get the same port: the first to bind picks it
 * (`localAddr().port`). Outside a multi-thread runtime (the main thread, a current-thread
 * runtime) it is a plain `TcpListener` on the address, so the same server code runs both
 * ways.
 *
 * The runtime's `metrics()` shows per worker `connectionsAccepted` and
 * `connectionsActive` (connections its streams hold now), and `handoffs` in total. A worker
 * that exits has the connections it still held closed; a hand-off that no worker took is
 * closed, never leaked.
 *
 * **Cancellation:** `accept` is cancel safe: an abort never loses a connection.
 *
 * **Errors:** `bind` rejects with the bind error (`NetError` `EADDRINUSE`, …; in
 * handoff mode the supervisor's, re-created with its `code`); `accept` rejects with
 * `SocketClosed` once the listener is closed or the worker is stopping, `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * // server.js, run by every worker: runtime.run(new URL('./server.js', import.meta.url), 'serve')
 * export async function serve() {
 *   await using listener = await SharedListener.bind('0.0.0.0:8080', { mode: 'handoff' });
 *   for await (const stream of listener) {
 *     spawn(async () => { await using s = stream; await copy(s, s); });
 *   }
 * }
 * ```
 */
export class SharedListener implements AsyncIterable<TcpStream>, AsyncDisposable {
  readonly #mode: SharedListenerMode;
  readonly #worker: ListenWorker | undefined;
  readonly #listener: TcpListener | undefined;
  readonly #queue: HandoffQueue | undefined;
  readonly #group: string;
  readonly #local: SocketAddr;
  /** The fd-table entry of this worker's own listening socket (reusePort), or -1. */
  readonly #slot: number;
  #closed = false;

  private constructor(
    mode: SharedListenerMode,
    worker: ListenWorker | undefined,
    listener: TcpListener | undefined,
    queue: HandoffQueue | undefined,
    group: string,
    local: SocketAddr,
    slot = -1,
  ) {
    this.#mode = mode;
    this.#worker = worker;
    this.#listener = listener;
    this.#queue = queue;
    this.#group = group;
    this.#local = local;
    this.#slot = slot;
    worker?.track(this);
  }

  /**
   * Binds (in this worker) this worker's share of the listener on `addr` (`'host:port'`,
   * `{ host, port }` — host defaults to `'0.0.0.0'` — or a SocketAddr). Call it from every
   * worker's entry with the same address.
   *
   * **Cancellation:** cancel safe before the socket is bound.
   *
   * **Errors:** `TypeError` for an unknown `mode`; `TypeError`/`RangeError` for a malformed
   * address, backlog or ipv6Only; the bind's `NetError`; in handoff mode on the fallback
   * driver, the supervisor cannot hand fds off and `bind` rejects with its `ENOTSUP`.
   *
   * **Example**
   * ```ts
   * const listener = await SharedListener.bind('127.0.0.1:0', { mode: 'reusePort' });
   * console.log(`worker ${currentWorker()?.index} on ${listener.localAddr()}`);
   * ```
   */
  static async bind(addr: ToSocketAddrs, options?: SharedListenerOptions): Promise<SharedListener> {
    const mode = options?.mode ?? 'reusePort';
    if (mode !== 'reusePort' && mode !== 'handoff') {
      throw new TypeError(`SharedListener.bind: mode must be 'reusePort' or 'handoff', got ${describe(mode)}`);
    }
    const backlog = options?.backlog ?? 1024;
    if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(`SharedListener.bind: backlog must be an integer >= 1, got ${describe(backlog)}`);
    }
    const ipv6Only = options?.ipv6Only ?? false;
    if (typeof ipv6Only !== 'boolean') throw new TypeError(`SharedListener.bind: ipv6Only must be a boolean, got ${describe(ipv6Only)}`);
    const wait: WaitOptions | undefined = options?.signal === undefined ? undefined : { signal: options.signal };
    const worker = currentListenWorker();
    const target = withDefaultHost(addr);
    if (worker === undefined || worker.stopped) {
      const listener = await TcpListener.bind(target, { backlog, ipv6Only, ...wait });
      return new SharedListener(mode, undefined, listener, undefined, '', listener.localAddr());
    }
    const [first] = await lookupHost(target, wait);
    if (first === undefined) throw new TypeError(`SharedListener.bind: ${describe(addr)} resolved to no address`);
    const address = first.toString();
    const group = `${mode}|${address}|${worker.nextSeq(`${mode}|${address}`)}`;
    if (mode === 'reusePort') {
      const bound = await bindReusePort(worker, group, first, backlog, ipv6Only);
      const { listener, slot } = await enterListener(worker, bound);
      return new SharedListener(mode, worker, listener, undefined, group, listener.localAddr(), slot);
    }
    const queue = worker.openQueue(group);
    try {
      const answer = await call<SubscribeAnswer>(worker, { op: 'subscribe', group, host: first.ip, port: first.port, backlog, ipv6Only });
      return new SharedListener(mode, worker, undefined, queue, group, new SocketAddr(answer.ip, answer.port));
    } catch (error) {
      worker.closeQueue(group);
      throw error;
    }
  }

  /** `'reusePort'` or `'handoff'`. */
  get mode(): SharedListenerMode {
    return this.#mode;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The address the shared listener is bound to (the same in every worker; with port 0,
   * the port the first worker got).
   *
   * **Cancellation:** not applicable. **Errors:** `SocketClosed` once closed.
   *
   * **Example**
   * ```ts
   * console.log(listener.localAddr().port);
   * ```
   */
  localAddr(): SocketAddr {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    return this.#local;
  }

  /**
   * Waits for this worker's next connection and resolves with its stream, registered with
   * this worker's runtime.
   *
   * **Cancellation:** cancel safe: an abort never loses a connection (it stays queued).
   *
   * **Errors:** `SocketClosed` once the listener is closed or the worker is stopping;
   * `NetError` for a listener-level failure; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const stream = await listener.accept({ signal });
   * ```
   */
  async accept(options?: WaitOptions): Promise<TcpStream> {
    const worker = this.#worker;
    const queue = this.#queue;
    if (queue !== undefined && worker !== undefined) {
      for (;;) {
        if (this.#closed || queue.closed) throw new SocketClosed('the listener is closed');
        const slot = queue.slots.shift();
        if (slot !== undefined) {
          const stream = worker.takeSlot(slot);
          if (stream !== undefined) return stream;
          continue;
        }
        await queue.arrived.notified(options);
      }
    }
    const listener = this.#listener!;
    for (;;) {
      const stream = await listener.accept(options);
      if (worker === undefined) return stream;
      if (worker.stopped) {
        stream.close();
        throw new SocketClosed('the worker is stopping');
      }
      let fd: number;
      try {
        fd = stream.intoRawFd();
      } catch {
        // The fallback driver cannot give up fds: the connection stays untracked.
        worker.countUntracked();
        return stream;
      }
      const adopted = worker.adopt(fd, worker.table.claim(fd, worker.context.index, HELD));
      if (adopted !== undefined) return adopted;
    }
  }

  /**
   * Stops this worker's share of the listener (idempotent): parked `accept` calls reject
   * with `SocketClosed`; connections handed to this worker but not accepted are closed. In
   * handoff mode the main thread stops handing connections to this worker; other workers
   * keep theirs. Accepted streams are not affected.
   *
   * **Cancellation:** not applicable. **Errors:** none.
   *
   * **Example**
   * ```ts
   * listener.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    worker?.untrack(this);
    // Free the fd-table entry before the fd is closed (its number may be reused at once).
    if (this.#slot >= 0) worker?.table.release(this.#slot);
    this.#listener?.close();
    if (this.#queue !== undefined && worker !== undefined) {
      worker.closeQueue(this.#group);
      if (!worker.stopped) {
        worker.context.call(LISTEN_SERVICE, { op: 'unsubscribe', group: this.#group } satisfies ListenRequest).catch(() => {});
      }
    }
  }

  /** `await using listener = await SharedListener.bind(…)`: closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Accepts in a loop; ends when the listener is closed. Breaking out does not close it. */
  async *[Symbol.asyncIterator](): AsyncIterator<TcpStream> {
    for (;;) {
      let stream: TcpStream;
      try {
        stream = await this.accept();
      } catch (error) {
        if (error instanceof SocketClosed && this.#closed) return;
        throw error;
      }
      yield stream;
    }
  }
}

/**
 * Enters this worker's listening socket in the fd table (HELD), so that the supervisor
 * closes it if the worker dies: an orphaned SO_REUSEPORT socket would keep receiving its
 * share of the connections with nobody accepting them. On the fallback driver (no fds)
 * the listener stays untracked.
 */
async function enterListener(worker: ListenWorker, bound: TcpListener): Promise<{ listener: TcpListener; slot: number }> {
  let fd: number;
  try {
    fd = bound.intoRawFd();
  } catch {
    return { listener: bound, slot: -1 };
  }
  const slot = worker.table.claim(fd, worker.context.index, HELD);
  try {
    return { listener: await TcpListener.fromRawFd(fd), slot };
  } catch (error) {
    if (slot >= 0) worker.table.release(slot);
    closeFd(fd);
    throw error;
  }
}

async function bindReusePort(worker: ListenWorker, group: string, address: SocketAddr, backlog: number, ipv6Only: boolean): Promise<TcpListener> {
  const options = { backlog, ipv6Only, reusePort: true };
  if (address.port !== 0) return TcpListener.bind(address, options);
  const answer = await call<PortAnswer>(worker, { op: 'port', group });
  if (answer.port !== null) return TcpListener.bind(new SocketAddr(address.ip, answer.port), options);
  let listener: TcpListener;
  try {
    listener = await TcpListener.bind(address, options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    await call(worker, { op: 'portFailed', group, message: String((error as Error).message), code: typeof code === 'string' ? code : undefined });
    throw error;
  }
  await call(worker, { op: 'portBound', group, port: listener.localAddr().port });
  return listener;
}
