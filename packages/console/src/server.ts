import { createServer, type Server, type Socket } from 'node:net';
import { Handle } from '@rt/scheduler';
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

/** Builds one snapshot of `handle`'s runtime (what the `snapshot` op returns). */
export function takeSnapshot(handle: Handle): Snapshot {
  const tasks = handle.taskStats();
  const byLabel = new Map<string, number[]>();
  for (const task of tasks) {
    for (const label of task.waitingOn) {
      let waiters = byLabel.get(label);
      if (waiters === undefined) byLabel.set(label, (waiters = []));
      waiters.push(task.id);
    }
  }
  const resources: SnapshotResource[] = [...byLabel].map(([label, waiters]) => ({ label, waiters }));
  return {
    version: PROTOCOL_VERSION,
    runtime: handle.config.name,
    pid: process.pid,
    at: Date.now(),
    instrumented: handle.instrumented,
    tasks,
    resources,
    warnings: handle.warnings(),
    metrics: handle.metrics() as unknown as Record<string, unknown>,
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
export class ConsoleServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** `host:port` actually bound (the port chosen when 0 was asked). */
  readonly addr: string;

  /** @internal */
  constructor(server: Server, readonly handle: Handle) {
    this.#server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('console server: no TCP address');
    this.addr = address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
    server.on('connection', (socket) => this.#serve(socket));
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.unref();
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    const hello: Hello = { protocol: 'rt-console', version: PROTOCOL_VERSION, runtime: this.handle.config.name, pid: process.pid };
    socket.write(`${JSON.stringify(hello)}\n`);
    const lines = new LineSplitter(MAX_LINE);
    socket.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        if (line.trim() === '') continue;
        socket.write(`${JSON.stringify(this.#answer(line))}\n`);
      }
      if (lines.overflow) socket.end(`${JSON.stringify({ ok: false, error: `request line longer than ${MAX_LINE} bytes` })}\n`);
    });
  }

  #answer(line: string): unknown {
    const request = parseRequest(line);
    if ('error' in request) return { ok: false, error: request.error };
    if (request.op === 'hello') return { ok: true, hello: { protocol: 'rt-console', version: PROTOCOL_VERSION, runtime: this.handle.config.name, pid: process.pid } };
    try {
      return { ok: true, snapshot: takeSnapshot(this.handle) };
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
 * Serves `handle`'s runtime to rt-console on `addr` (loopback only unless `allowRemote`):
 * the versioned JSON-lines protocol of this package's README. The server does not keep the
 * process alive, survives clients that disconnect or send garbage, and closes when the runtime
 * shuts down. One server per runtime: a second call returns the first server.
 *
 * A runtime that is not instrumented (`Builder.instrument()`) is served too, with zero
 * counters: `Builder.console()` and `RT_CONSOLE` turn instrumentation on.
 *
 * **Cancellation:** not cancellable; `close()` the server instead.
 *
 * **Errors:** `TypeError` for a bad address, a non-loopback one without `allowRemote`;
 * rejects with Node's listen error (`EADDRINUSE`, …).
 *
 * **Example**
 * ```ts
 * const runtime = Builder.currentThread().enableAll().console({ addr: '127.0.0.1:6669' }).build();
 * await serveConsole(runtime.handle);
 * ```
 */
export async function serveConsole(handle: Handle, options: ServeConsoleOptions = {}): Promise<ConsoleServer> {
  if (!(handle instanceof Handle)) throw new TypeError('serveConsole: expected a Handle');
  if (options === null || typeof options !== 'object') throw new TypeError('serveConsole: options must be an object');
  const { host, port } = parseAddr(options.addr ?? handle.config.console ?? '127.0.0.1:6669', 'serveConsole');
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new TypeError(`serveConsole: ${host} is not a loopback address; pass allowRemote: true to serve it (the protocol has no authentication)`);
  }
  const slot = handle.extension(EXTENSION, () => new ServerSlot());
  if (slot.starting === undefined) {
    slot.starting = listen(host, port, handle).then(
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

async function listen(host: string, port: number, handle: Handle): Promise<ConsoleServer> {
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
  return new ConsoleServer(server, handle);
}
