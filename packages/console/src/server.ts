import { createServer, type Server, type Socket } from 'node:net';
import type { MultiThreadRuntime } from '@rt/multi-thread';
import { Handle, type TaskStats } from '@rt/scheduler';
import { LineSplitter, MAX_LINE, PROTOCOL_VERSION, isLoopback, parseAddr, parseRequest, type Hello, type Snapshot, type SnapshotResource } from './protocol.js';

/**
 * Options of {@link serveConsole}.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** see {@link serveConsole}.
 *
 * **Example**
 * ```ts
 * await serveConsole(Handle.current(), { addr: '127.0.0.1:6669' });
 * ```
 */
export interface ServeConsoleOptions {
  /** `host:port`; default the runtime's `config.console` (`Builder.console`, `RT_CONSOLE`), else `127.0.0.1:6669`. */
  readonly addr?: string;
  /** Accept a non-loopback address (the protocol has no authentication). Default false. */
  readonly allowRemote?: boolean;
}

const EXTENSION = Symbol('@rt/console server');

/** The resources `tasks` are parked on, with their waiters (tagged with `worker` when given). */
function resourcesOf(tasks: readonly TaskStats[], worker?: number): SnapshotResource[] {
  const byLabel = new Map<string, number[]>();
  for (const task of tasks) {
    for (const label of task.waitingOn) {
      let waiters = byLabel.get(label);
      if (waiters === undefined) byLabel.set(label, (waiters = []));
      waiters.push(task.id);
    }
  }
  return [...byLabel].map(([label, waiters]) => (worker === undefined ? { label, waiters } : { label, waiters, worker }));
}

/** Builds one snapshot of `handle`'s runtime (what the `snapshot` op returns). */
export function takeSnapshot(handle: Handle): Snapshot {
  const tasks = handle.taskStats();
  return {
    version: PROTOCOL_VERSION,
    runtime: handle.config.name,
    pid: process.pid,
    at: Date.now(),
    instrumented: handle.instrumented,
    tasks,
    resources: resourcesOf(tasks),
    warnings: handle.warnings(),
    metrics: handle.metrics() as unknown as Record<string, unknown>,
  };
}

/**
 * Builds one snapshot of a multi-thread runtime: every running worker's tasks, resources and
 * warnings (each tagged with its `worker` index: task ids are per worker), `workers` with each
 * one's histograms, and the runtime's `metrics()`. Asks the workers (one round trip each).
 *
 * **Cancellation:** not cancellable.
 *
 * **Errors:** rejects with `RuntimeShutdown` once the runtime is shutting down.
 *
 * **Example**
 * ```ts
 * const snapshot = await takeMultiThreadSnapshot(runtime);
 * console.log(snapshot.workers?.map((w) => w.histograms?.pollMs.p99));
 * ```
 */
export async function takeMultiThreadSnapshot(runtime: MultiThreadRuntime): Promise<Snapshot> {
  const stats = await runtime.workerStats();
  return {
    version: PROTOCOL_VERSION,
    runtime: runtime.config.name,
    pid: process.pid,
    at: Date.now(),
    instrumented: stats.some((w) => w.instrumented),
    tasks: stats.flatMap((w) => w.tasks.map((task) => ({ ...task, worker: w.index }))),
    resources: stats.flatMap((w) => resourcesOf(w.tasks, w.index)),
    warnings: stats.flatMap((w) => w.warnings.map((warning) => ({ ...warning, worker: w.index }))),
    metrics: runtime.metrics() as unknown as Record<string, unknown>,
    workers: stats.map((w) => ({
      index: w.index,
      runtime: w.runtime,
      instrumented: w.instrumented,
      tasks: w.tasks.length,
      warnings: w.warnings.length,
      histograms: w.histograms,
    })),
  };
}

/**
 * A running console server: the program side of rt-console for one runtime. Closed by
 * `close()` or when the runtime shuts down.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const server = await serveConsole(Handle.current(), { addr: '127.0.0.1:0' });
 * console.log(`rt-console ${server.addr}`);
 * ```
 */
/**
 * One reply line. A reply JSON cannot encode (a BigInt or a cycle in, say, an extension's
 * metrics) becomes an `{ ok: false, error }` reply instead of an exception: a throw here would
 * reject the connection's reply chain and silently drop every later reply on it.
 */
function encodeReply(reply: unknown): string {
  try {
    return `${JSON.stringify(reply)}\n`;
  } catch (error) {
    return `${JSON.stringify({ ok: false, error: `reply could not be encoded as JSON: ${error instanceof Error ? error.message : String(error)}` })}\n`;
  }
}

export class ConsoleServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** `host:port` actually bound (the port chosen when 0 was asked). */
  readonly addr: string;
  /** What is served: a runtime's handle, or a multi-thread runtime. */
  readonly target: Handle | MultiThreadRuntime;

  /** @internal */
  constructor(server: Server, target: Handle | MultiThreadRuntime) {
    this.#server = server;
    this.target = target;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('console server: no TCP address');
    this.addr = address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
    server.on('connection', (socket) => this.#serve(socket));
  }

  /** The served runtime's handle (undefined when a multi-thread runtime is served). */
  get handle(): Handle | undefined {
    return this.target instanceof Handle ? this.target : undefined;
  }

  get #hello(): Hello {
    return { protocol: 'rt-console', version: PROTOCOL_VERSION, runtime: this.target.config.name, pid: process.pid };
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.unref();
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.write(`${JSON.stringify(this.#hello)}\n`);
    const lines = new LineSplitter(MAX_LINE);
    // Replies go out in request order, also when a multi-thread snapshot takes a round trip.
    let replies: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        if (line.trim() === '') continue;
        const answer = this.#answer(line);
        replies = replies.then(async () => {
          const reply = encodeReply(await answer);
          if (!socket.destroyed) socket.write(reply);
        });
      }
      if (lines.overflow) {
        replies = replies.then(() => void socket.end(`${JSON.stringify({ ok: false, error: `request line longer than ${MAX_LINE} bytes` })}\n`));
      }
    });
  }

  async #answer(line: string): Promise<unknown> {
    const request = parseRequest(line);
    if ('error' in request) return { ok: false, error: request.error };
    if (request.op === 'hello') return { ok: true, hello: this.#hello };
    try {
      const target = this.target;
      return { ok: true, snapshot: target instanceof Handle ? takeSnapshot(target) : await takeMultiThreadSnapshot(target) };
    } catch (error) {
      return { ok: false, error: `snapshot failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Stops listening and closes every console connection. Idempotent. */
  close(): void {
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }
}

/**
 * Serves a runtime to rt-console on `addr` (loopback only unless `allowRemote`): the
 * versioned JSON-lines protocol of this package's README. `target` is a runtime's `Handle`, or
 * a `MultiThreadRuntime` of `@rt/multi-thread` (its snapshots hold every worker's tasks,
 * warnings and histograms: see {@link takeMultiThreadSnapshot}). The server does not keep the
 * process alive, survives clients that disconnect or send garbage, and closes when a
 * current-thread runtime shuts down (close the server of a multi-thread runtime yourself: after
 * its shutdown, snapshots answer `{ ok: false }`). One server per runtime: a second call
 * returns the first server.
 *
 * A runtime that is not instrumented (`Builder.instrument()`, `MultiThreadBuilder.instrument()`)
 * is served too, with zero counters: `Builder.console()` and `RT_CONSOLE` turn instrumentation on.
 *
 * **Cancellation:** not cancellable; `close()` the server instead.
 *
 * **Errors:** `TypeError` for a bad target or address, a non-loopback address without
 * `allowRemote`; rejects with Node's listen error (`EADDRINUSE`, …).
 *
 * **Example**
 * ```ts
 * const runtime = Builder.currentThread().enableAll().console({ addr: '127.0.0.1:6669' }).build();
 * await serveConsole(runtime.handle);
 * ```
 */
export async function serveConsole(target: Handle | MultiThreadRuntime, options: ServeConsoleOptions = {}): Promise<ConsoleServer> {
  const isHandle = target instanceof Handle;
  // A MultiThreadRuntime is recognised by shape: @rt/multi-thread (threads, native I/O) is not
  // loaded by serving a current-thread runtime.
  if (!isHandle && typeof (target as Partial<MultiThreadRuntime> | null)?.workerStats !== 'function') {
    throw new TypeError('serveConsole: expected a Handle or a MultiThreadRuntime');
  }
  if (options === null || typeof options !== 'object') throw new TypeError('serveConsole: options must be an object');
  const configured = isHandle ? target.config.console : undefined;
  const { host, port } = parseAddr(options.addr ?? configured ?? '127.0.0.1:6669', 'serveConsole');
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new TypeError(`serveConsole: ${host} is not a loopback address; pass allowRemote: true to serve it (the protocol has no authentication)`);
  }
  let slot: ServerSlot;
  if (isHandle) slot = target.extension(EXTENSION, () => new ServerSlot());
  else {
    let existing = multiThreadSlots.get(target);
    if (existing === undefined) multiThreadSlots.set(target, (existing = new ServerSlot()));
    slot = existing;
  }
  if (slot.starting === undefined) {
    slot.starting = listen(host, port, target).then(
      (server) => (slot.server = server),
      (error: unknown) => {
        slot.starting = undefined;
        throw error;
      },
    );
  }
  return slot.starting;
}

/** The runtime extension holding its console server (closed at runtime shutdown). */
class ServerSlot {
  starting: Promise<ConsoleServer> | undefined = undefined;
  server: ConsoleServer | undefined = undefined;
  shutdown(): void {
    this.server?.close();
  }
}

/** The console servers of multi-thread runtimes (which have no extension slots). */
const multiThreadSlots = new WeakMap<MultiThreadRuntime, ServerSlot>();

async function listen(host: string, port: number, target: Handle | MultiThreadRuntime): Promise<ConsoleServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  server.on('error', () => {});
  return new ConsoleServer(server, target);
}
