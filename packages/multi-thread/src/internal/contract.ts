// The seams between the parts of @rt/multi-thread, written down before the parts were.
//
// Main thread: a `MultiThreadRuntime` (src/runtime/) starts N worker threads. Each worker
// builds its own current-thread rt runtime (own reactor, own timer wheel) and runs the entry
// export. Pieces that need the main thread (the job injector, a hand-off accept loop)
// are *services*: one object on the main thread (`SupervisorService`) and one per worker
// (`WorkerService`), talking through the runtime's control channel (`WorkerContext.call`,
// `send`, `onMessage` ↔ `SupervisorHost.post`, `request`, `message`).
//
// Shared memory (SharedArrayBuffer) a service needs in every worker goes in
// `workerData(index)`; it is structured-cloned into the worker's `workerData`.
import type { TransferListItem } from 'node:worker_threads';

/** The multi-thread runtime's configuration (what `Builder.multiThread()` records). */
export interface MultiThreadConfig {
  /** Shown in metrics, dumps and errors; worker i's runtime is named `${name}-worker-${i}`. */
  readonly name: string;
  /** Number of worker threads (default: `os.availableParallelism()`). */
  readonly workerThreads: number;
  /** What a crashed worker does to the runtime: `'shutdown'` (default) or `'replace'`. */
  readonly onWorkerCrash: 'shutdown' | 'replace';
  /** With `'replace'`: at most this many replacements of one worker index per minute; one more crash shuts the runtime down (default 5). */
  readonly maxRestarts: number;
  /** Capacity of each worker's local job queue (Tokio: 256). */
  readonly localQueueCapacity: number;
  /** A worker checks the global injector every this many jobs (Tokio: 61). */
  readonly globalQueueInterval: number;
  /** Per-worker runtime settings. */
  readonly unhandledError: 'log' | 'ignore' | 'shutdown';
  readonly eventInterval: number;
  /** How long shutdown waits for workers to unwind before terminating them, in ms. */
  readonly shutdownTimeout: number;
  /** `Builder.instrument()` options for every worker's runtime; undefined: not instrumented (unless `RT_INSTRUMENT`). */
  readonly instrument: InstrumentOptions | undefined;
}

/** What `MultiThreadBuilder.instrument()` passes on to each worker's `Builder.instrument()`. */
export interface InstrumentOptions {
  readonly blockingThreshold?: number;
  readonly spawnLocations?: boolean | 'all';
}

/** What a service on the main thread can do. */
export interface SupervisorHost {
  readonly config: MultiThreadConfig;
  /** Posts a one-way message to worker `workerIndex`'s service of the same name. Dropped if that worker is gone. */
  post(workerIndex: number, service: string, payload: unknown, transfer?: readonly TransferListItem[]): void;
  /** Indices of the workers that are currently running their entry. */
  liveWorkers(): readonly number[];
}

/** The main-thread half of a service. Every method is optional except `name`. */
export interface SupervisorService {
  readonly name: string;
  /** Structured-cloneable data (SharedArrayBuffers welcome) handed to worker `index` at start. */
  workerData?(index: number): unknown;
  /** Called once, before any worker starts. */
  start?(host: SupervisorHost): void;
  /** A worker's `ctx.call(name, payload)`; the value (or thrown error) goes back to it. */
  request?(workerIndex: number, payload: unknown): unknown;
  /** A worker's `ctx.send(name, payload)`. */
  message?(workerIndex: number, payload: unknown): void;
  /** Worker `index` exited (`crashed` when it did not exit cleanly); reclaim what it held. A replacement, if any, gets the same index. */
  workerExited?(index: number, crashed: boolean): void;
  /** Per-worker figures merged into `runtime.metrics().workers[index]` (read shared counters; synchronous). */
  metrics?(index: number): Readonly<Record<string, number>>;
  /** Runtime-wide figures merged into `runtime.metrics()`. */
  totals?(): Readonly<Record<string, number>>;
  /** The runtime is shutting down: stop accepting, fail what is pending. */
  shutdown?(): void | Promise<void>;
}

/** What a worker-side service (and user code, through `currentWorker()`) can do. */
export interface WorkerContext {
  /** This worker's index, 0 … count-1 (stable across a replacement). */
  readonly index: number;
  readonly count: number;
  readonly runtimeName: string;
  readonly config: MultiThreadConfig;
  /** The `workerData(index)` of the named service. */
  data(service: string): unknown;
  /** Request/response with the supervisor's service. Rejects with the service's error (re-created with its message and code). */
  call(service: string, payload: unknown, transfer?: readonly TransferListItem[]): Promise<unknown>;
  /** One-way message to the supervisor's service. */
  send(service: string, payload: unknown, transfer?: readonly TransferListItem[]): void;
  /** Receives `host.post(index, service, …)` messages; one handler per service. */
  onMessage(service: string, handler: (payload: unknown) => void): void;
}

/** The worker-side half of a service, started by the worker bootstrap before the entry runs. */
export interface WorkerService {
  /** Stop: the worker is shutting down (after its runtime aborted the tasks). */
  shutdown?(): void | Promise<void>;
}

export type WorkerServiceStarter = (ctx: WorkerContext) => WorkerService;
