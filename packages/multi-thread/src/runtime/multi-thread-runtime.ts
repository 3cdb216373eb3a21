// The supervisor: the main thread's half of a multi-thread runtime.
//
// How and why. Closures cannot move between threads, so a worker is started from a file
// (dist/internal/worker-main.js) and told what to run as data: `run` posts the entry's URL,
// export name and (encoded) args to every worker. Each worker is a complete current-thread
// runtime; the supervisor only starts, watches and stops them, answers their services' calls,
// and reads the counters they keep in shared memory.
//
// A worker's life: spawned → `ready` (its services started) → runs entries → asked to stop
// (`shutdown` post) → exits by itself with code 0 once nothing of it is left open. Anything
// else is a crash: an `'error'` event (an exception escaped), an exit the supervisor did not
// ask for (`process.exit()` inside), or an entry that threw. Every crash is reported (stderr
// or the `onError` callback) and then, by policy, the runtime shuts down or a fresh worker
// with the same index replaces the crashed one (restarts are counted in metrics). A crash
// before a worker was ready, or an entry that cannot be loaded, always shuts the runtime down:
// a replacement would fail the same way, forever.
//
// Shutdown: the services stop accepting, every worker is asked to stop (it aborts its tasks,
// waits up to `timeout` ms for them to unwind, shuts its services and runtime down and lets
// its thread end); a worker still running `timeout` + 1 s later is terminated — and that is
// reported, with what it still had open.
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { RtError, RuntimeShutdown, type RuntimeHistograms, type TaskDump } from '@rt/scheduler';
import { decodeTransferables, encodeTransferables } from '../channels/transfer.js';
import type { JobHandle } from '../jobs/job-handle.js';
import type { JobTarget, JobsClient, SpawnOnOptions } from '../jobs/types.js';
import type { MultiThreadConfig, SupervisorHost, SupervisorService } from '../internal/contract.js';
import {
  RUNTIME_SERVICE,
  describeValue,
  isError,
  reviveError,
  serializeError,
  type ControlMessage,
  type RuntimePost,
  type RuntimeSend,
  type WorkerBoot,
} from '../internal/control.js';
import { createSupervisorServices, type ExtraService } from '../internal/services.js';
import paths from '../internal/worker-path.cjs';
import { MultiThreadDump, type WorkerDump } from './multi-thread-dump.js';
import type { MultiThreadMetrics, WorkerMetrics, WorkerStats } from './multi-thread-metrics.js';
import { clearHistograms, histogramBuffer, readHistograms } from '../internal/worker-histograms.js';
import { WorkerCrashed } from './worker-crashed.js';

/** Extra time a stopping worker gets, after the shutdown timeout, before it is terminated. */
const TERMINATE_GRACE_MS = 1000;

/** One worker thread (a replacement is a new Slot with the same index). */
interface Slot {
  readonly index: number;
  readonly worker: Worker;
  ready: boolean;
  stopRequested: boolean;
  terminated: boolean;
  exited: boolean;
  exitCode: number | undefined;
  /** Why it crashed (undefined: it did not). */
  crash: Error | undefined;
  /** A crash that a replacement would repeat (before ready, or the entry cannot load). */
  fatal: boolean;
  /** An exception escaped in the worker (its 'error' event); judged fatal or not at 'exit'. */
  errored: boolean;
  reported: boolean;
  /** Replace it with a fresh worker once it has exited. */
  replace: boolean;
  killTimer: NodeJS.Timeout | undefined;
  /** What the worker still had open when it said it stopped (for the terminate report). */
  resources: readonly string[] | undefined;
  elu: EventLoopUtilization | undefined;
  readonly exited$: Promise<void>;
  markExited: () => void;
}

type RunPost = RuntimePost & { op: 'run' };

/** One `run()`. */
interface Run {
  readonly id: number;
  /** The message for worker `index` (called again for a replacement). */
  readonly post: (index: number) => RunPost;
  readonly results: unknown[];
  readonly done: boolean[];
  remaining: number;
  settled: boolean;
  failure: Error | undefined;
  readonly resolve: (results: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingCall {
  readonly slot: Slot;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

function checkArgs(args: unknown, what: string): void {
  if (!Array.isArray(args)) throw new TypeError(`MultiThreadRuntime.run: ${what} must be an array, got ${describeValue(args)}`);
  args.forEach((arg: unknown, i) => {
    if (typeof arg === 'function') throw new TypeError(`MultiThreadRuntime.run: ${what}[${i}] is ${describeValue(arg)}; functions cannot cross threads`);
  });
}

function entryUrl(entry: unknown): string {
  if (entry instanceof URL) return entry.href;
  if (typeof entry === 'string' && /^(file|data):/.test(entry)) return entry;
  if (typeof entry === 'string' && isAbsolute(entry)) return pathToFileURL(entry).href;
  if (typeof entry === 'function') {
    throw new TypeError(
      'MultiThreadRuntime.run(entry): entry is a module, not a function: closures cannot cross threads. ' +
        "Put the function in a module and pass e.g. run(new URL('./server.js', import.meta.url), 'main').",
    );
  }
  throw new TypeError(`MultiThreadRuntime.run: entry must be a URL (file: or data:) or an absolute path, got ${describeValue(entry)}`);
}

/**
 * A multi-thread runtime: N worker threads, each a complete current-thread rt runtime (its own
 * reactor and timer wheel), that all run the same entry module's export, supervised by the
 * main thread. Build one with `Builder.multiThread()`.
 *
 * Work moves between workers only as data: `spawnOn` jobs named by module and export, channel
 * ends of `@rt/multi-thread`'s channels, shared listeners. No thread starts before the first
 * `run()` or `spawnOn()`; after a `run()` settles the workers stay up (serving jobs, running
 * what the entries spawned) until `shutdown()`. The runtime installs no signal handlers:
 * `main(entry, { flavor: 'multi_thread' })` of `@rt/macros` forwards SIGINT/SIGTERM to
 * `shutdown()`.
 *
 * **Cancellation:** `shutdown()` aborts every worker's tasks (see there).
 *
 * **Errors:** `run`/`spawnOn`/`dump` after shutdown throw `RuntimeShutdown`; a worker crash
 * is a `WorkerCrashed` (see `run`).
 *
 * **Example**
 * ```ts
 * await using runtime = Builder.multiThread().workerThreads(2).build();
 * const indices = await runtime.run(new URL('./worker.js', import.meta.url), 'main');
 * console.log(indices, runtime.metrics().workers.map((w) => w.busyRatio));
 * ```
 */
export class MultiThreadRuntime {
  /** The configuration it was built with. */
  readonly config: Readonly<MultiThreadConfig>;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #services: readonly SupervisorService[];
  readonly #byName: ReadonlyMap<string, SupervisorService>;
  readonly #jobs: JobsClient | undefined;
  readonly #slots: (Slot | undefined)[];
  readonly #restarts: number[];
  readonly #restartTimes: number[][] = [];
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #run: Run | undefined = undefined;
  #runs = 0;
  #nextCall = 1;
  readonly #calls = new Map<number, PendingCall>();
  #shutdown: Promise<void> | undefined = undefined;
  /** The crash that shut the runtime down, if one did. */
  #crash: WorkerCrashed | undefined = undefined;
  readonly #host: SupervisorHost;
  readonly #extraWorkers: WorkerBoot['extraServices'];
  /** Each worker's histogram summaries (instrumented workers publish into it). */
  readonly #histograms: SharedArrayBuffer;

  /** @internal Use `Builder.multiThread()…build()`. */
  constructor(config: Readonly<MultiThreadConfig>, onError?: (error: Error) => void, extra: readonly ExtraService[] = []) {
    this.config = config;
    this.#onError = onError;
    const { services, jobs } = createSupervisorServices(config, extra);
    this.#extraWorkers = extra.flatMap((service) => (service.worker === undefined ? [] : [{ name: service.supervisor.name, ...service.worker }]));
    this.#services = services;
    this.#jobs = jobs;
    const byName = new Map<string, SupervisorService>();
    for (const service of services) byName.set(service.name, service);
    this.#byName = byName;
    this.#slots = new Array<Slot | undefined>(config.workerThreads).fill(undefined);
    this.#restarts = new Array<number>(config.workerThreads).fill(0);
    this.#histograms = histogramBuffer(config.workerThreads);
    this.#host = {
      config,
      post: (workerIndex, service, payload, transfer) => this.#post(workerIndex, service, payload, transfer),
      liveWorkers: () => this.#liveWorkers(),
    };
  }

  /**
   * Runs `exportName` of the module `entry` in every worker, as each worker runtime's main
   * task, and resolves with the values they returned (structured-cloned, by worker index)
   * once every worker's entry has returned.
   *
   * Each worker imports `entry` and calls `module[exportName]({ index, count, signal }, ...args)`
   * (see {@link WorkerStart}). `args` is an array structured-cloned to every worker, or a
   * function `(index) => array` called on the main thread for each worker (and again for a
   * replacement), to give each worker its own values — channel ends of this package inside
   * args move to the worker, and an end can be rebuilt by one worker only, so hand each worker
   * its own (`(index) => [tx.clone()]`). Starts the workers if they are not running yet. One
   * run at a time; the workers stay up after it settles.
   *
   * A worker whose entry throws has crashed: with `onWorkerCrash('shutdown')` the runtime shuts
   * down and `run` rejects with a `WorkerCrashed` naming the worker, once every worker has
   * exited; with `'replace'` a fresh worker with the same index runs the entry again and its
   * value counts. An entry that cannot be loaded (no such module or export, args that cannot be
   * rebuilt) shuts the runtime down under either policy.
   *
   * **Cancellation:** not cancellable itself; `shutdown()` ends it: the entries' `signal`
   * aborts, their tasks are aborted, and `run` rejects with `RuntimeShutdown` unless every
   * entry had returned a value (entries that return when their signal aborts make `run`
   * resolve).
   *
   * **Errors:** TypeError at once for a bad `entry`, `exportName` or `args` (or what an `args`
   * function returned), or when a run is already in progress; `WorkerCrashed`;
   * `RuntimeShutdown` after shutdown; a DataCloneError for args that cannot be cloned.
   *
   * **Example**
   * ```ts
   * // worker.js: export async function main({ index }, greeting) { return `${greeting} from ${index}`; }
   * const replies = await runtime.run(new URL('./worker.js', import.meta.url), 'main', ['hello']);
   * const perWorker = await runtime.run(url, 'main', (index) => [`hello ${index}`]);
   * ```
   */
  run<T = unknown>(entry: URL | string, exportName = 'main', args: readonly unknown[] | ((index: number) => readonly unknown[]) = []): Promise<T[]> {
    const url = entryUrl(entry);
    if (typeof exportName !== 'string' || exportName === '') {
      throw new TypeError(`MultiThreadRuntime.run: exportName must be a non-empty string, got ${describeValue(exportName)}`);
    }
    if (typeof args !== 'function') checkArgs(args, 'args');
    if (this.#state === 'stopping' || this.#state === 'stopped') return Promise.reject(this.#shutdownError());
    if (this.#run !== undefined && !this.#run.settled) {
      throw new TypeError(`MultiThreadRuntime.run: a run is already in progress on runtime ${JSON.stringify(this.config.name)}`);
    }
    const id = this.#runs + 1;
    const shared = typeof args === 'function' ? undefined : encodeTransferables(args);
    const post = (index: number): RunPost => {
      if (shared !== undefined || typeof args !== 'function') return { op: 'run', run: id, entry: url, exportName, args: shared };
      const own = args(index);
      checkArgs(own, `args(${index})`);
      return { op: 'run', run: id, entry: url, exportName, args: encodeTransferables(own) };
    };
    // Every worker's message is made (and cloned) before the first thread starts, so bad
    // args fail here, with nothing started.
    const posts = Array.from({ length: this.config.workerThreads }, (_, index) => post(index));
    for (const message of shared === undefined ? posts : posts.slice(0, 1)) structuredClone(message.args);
    this.#runs = id;
    this.#start();
    return new Promise<T[]>((resolve, reject) => {
      const count = this.config.workerThreads;
      const run: Run = {
        id,
        post,
        results: new Array<unknown>(count).fill(undefined),
        done: new Array<boolean>(count).fill(false),
        remaining: count,
        settled: false,
        failure: undefined,
        resolve: resolve as (results: unknown[]) => void,
        reject,
      };
      this.#run = run;
      for (const slot of this.#slots) {
        if (slot !== undefined && !slot.stopRequested && !slot.exited) this.#postRuntime(slot, posts[slot.index] ?? post(slot.index));
      }
    });
  }

  /**
   * Spawns a job described as data onto worker `target` (an index: only that worker runs it)
   * or `'any'` (the global injector; idle workers steal), through the jobs service; see the
   * top-level `spawnOn` for the semantics. Starts the workers if they are not running yet.
   *
   * **Cancellation:** see `JobHandle.abort`.
   *
   * **Errors:** what the jobs service's `spawnOn` throws (TypeError/RangeError for bad
   * arguments); `RuntimeShutdown` after shutdown.
   *
   * **Example**
   * ```ts
   * const square = await runtime.spawnOn<number>('any', new URL('./math.js', import.meta.url), 'square', [7]);
   * ```
   */
  spawnOn<T = unknown>(target: JobTarget, module: URL | string, exportName: string, args?: readonly unknown[], options?: SpawnOnOptions): JobHandle<T> {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw this.#shutdownError();
    if (this.#jobs === undefined) {
      throw new RtError('ERR_RT_JOBS_UNAVAILABLE', `MultiThreadRuntime.spawnOn: runtime ${JSON.stringify(this.config.name)} has no jobs service`);
    }
    this.#start();
    return this.#jobs.spawnOn<T>(target, module, exportName, args, options);
  }

  /**
   * A synchronous snapshot of the runtime's figures: per worker whether it is alive, its
   * event-loop busy ratio since the previous call, its restarts and each service's figures;
   * runtime-wide service totals. See {@link MultiThreadMetrics}.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** never throws (a service whose figures cannot be read is left out and reported).
   *
   * **Example**
   * ```ts
   * const { workers } = runtime.metrics();
   * console.log(workers.map((w) => `${w.index}: ${(w.busyRatio * 100).toFixed(0)}%`).join(' '));
   * ```
   */
  metrics(): MultiThreadMetrics {
    const workers: WorkerMetrics[] = [];
    let alive = 0;
    const started = this.#state !== 'idle';
    for (let index = 0; index < this.config.workerThreads; index++) {
      const slot = this.#slots[index];
      const isAlive = slot !== undefined && !slot.exited;
      if (isAlive) alive++;
      const figures: Record<string, number | boolean> = {};
      if (started) {
        for (const service of this.#services) {
          if (service.metrics === undefined) continue;
          try {
            Object.assign(figures, service.metrics(index));
          } catch (error) {
            this.#report(new RtError('ERR_RT_SERVICE_FAILED', `service ${service.name}: metrics(${index}) threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
          }
        }
      }
      figures.index = index;
      figures.alive = isAlive;
      figures.busyRatio = slot === undefined || slot.exited ? 0 : this.#busyRatio(slot);
      figures.restarts = this.#restarts[index] ?? 0;
      workers.push(figures as WorkerMetrics);
    }
    const totals: Record<string, unknown> = {};
    if (started) {
      for (const service of this.#services) {
        if (service.totals === undefined) continue;
        try {
          Object.assign(totals, service.totals());
        } catch (error) {
          this.#report(new RtError('ERR_RT_SERVICE_FAILED', `service ${service.name}: totals() threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        }
      }
    }
    const histograms: (RuntimeHistograms | undefined)[] = [];
    for (let index = 0; index < this.config.workerThreads; index++) histograms.push(readHistograms(this.#histograms, index));
    return {
      ...totals,
      name: this.config.name,
      workerThreads: this.config.workerThreads,
      aliveWorkers: alive,
      restarts: this.#restarts.reduce((sum, n) => sum + n, 0),
      workers,
      histograms,
    };
  }

  /**
   * Asks every running worker for its runtime's accounting: live tasks with their busy time,
   * polls and wakes (`TaskStats` of `@rt/scheduler`), the blocking and lost-wake warnings, and
   * the histograms (undefined on a worker that is not instrumented: see
   * {@link MultiThreadBuilder.instrument}). A worker that exits meanwhile is left out.
   *
   * **Cancellation:** not cancellable; shutdown rejects a request in progress with `RuntimeShutdown`.
   *
   * **Errors:** `RuntimeShutdown` once the runtime is shutting down.
   *
   * **Example**
   * ```ts
   * for (const w of await runtime.workerStats()) console.log(w.index, w.tasks.length, w.histograms?.pollMs.p99);
   * ```
   */
  async workerStats(): Promise<WorkerStats[]> {
    const answers = await this.#askWorkers('stats');
    return answers.map(([index, value]) => ({ index, ...(value as Omit<WorkerStats, 'index'>) }));
  }

  /** Sends the runtime request `op` to every running worker: `[index, reply]` of those that answered. */
  async #askWorkers(op: 'dump' | 'stats'): Promise<[number, unknown][]> {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw this.#shutdownError();
    const slots = this.#slots.filter((slot): slot is Slot => slot !== undefined && !slot.exited && !slot.stopRequested);
    const answers = await Promise.allSettled(slots.map((slot) => this.#call(slot, { op })));
    if (this.#stopping()) throw this.#shutdownError();
    const replies: [number, unknown][] = [];
    answers.forEach((answer, i) => {
      const slot = slots[i];
      if (answer.status === 'fulfilled' && slot !== undefined) replies.push([slot.index, answer.value]);
    });
    return replies;
  }

  /**
   * Asks every running worker for its runtime's task dump and gathers them into one
   * {@link MultiThreadDump} (a worker that exits meanwhile is left out).
   *
   * **Cancellation:** not cancellable; shutdown rejects a dump in progress with `RuntimeShutdown`.
   *
   * **Errors:** `RuntimeShutdown` once the runtime is shutting down.
   *
   * **Example**
   * ```ts
   * const dump = await runtime.dump();
   * console.log(String(dump), dump.tasks.filter((t) => t.worker === 0).length);
   * ```
   */
  async dump(): Promise<MultiThreadDump> {
    const workers: WorkerDump[] = (await this.#askWorkers('dump')).map(([index, value]) => {
      const { runtime, tasks } = value as { runtime: string; tasks: readonly TaskDump[] };
      return { index, runtime, tasks };
    });
    return new MultiThreadDump(this.config.name, workers);
  }

  /**
   * Shuts the runtime down: the services stop accepting (pending jobs fail), every worker's
   * entry `signal` aborts and its tasks are aborted, each worker waits up to `timeout` ms
   * (default: the builder's `shutdownTimeout`) for them to unwind through their `finally`
   * blocks, closes its sockets and services, and its thread ends by itself. A worker still
   * running `timeout` + 1 s later is terminated, and that is reported (with the handles it
   * still had open). Resolves when every worker thread has exited; calling it again returns the
   * same promise. Afterwards nothing of the runtime keeps the process alive.
   *
   * **Cancellation:** not cancellable.
   *
   * **Errors:** RangeError for a negative or non-numeric timeout; never rejects.
   *
   * **Example**
   * ```ts
   * process.once('SIGTERM', () => void runtime.shutdown({ timeout: 5000 }));
   * ```
   */
  shutdown(options?: { readonly timeout?: number }): Promise<void> {
    const timeout = options?.timeout ?? this.config.shutdownTimeout;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw new RangeError(`MultiThreadRuntime.shutdown: timeout must be a finite number of milliseconds \u2265 0, got ${describeValue(timeout)}`);
    }
    if (this.#shutdown === undefined) {
      const wasStarted = this.#state !== 'idle';
      this.#state = 'stopping';
      this.#shutdown = this.#stopAll(timeout, wasStarted);
    }
    return this.#shutdown;
  }

  /** `await using runtime = Builder.multiThread().build()` shuts it down at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  // ---------------------------------------------------------------- start and stop

  #start(): void {
    if (this.#state !== 'idle') return;
    if (!existsSync(paths.workerMainPath)) {
      throw new RtError(
        'ERR_RT_WORKER_BOOTSTRAP_MISSING',
        `@rt/multi-thread: the worker bootstrap ${paths.workerMainPath} does not exist; build the package first (tsc -b packages/multi-thread)`,
      );
    }
    // A service whose start throws leaves the runtime unstarted (run/spawnOn throw its error).
    for (const service of this.#services) service.start?.(this.#host);
    this.#state = 'running';
    for (let index = 0; index < this.config.workerThreads; index++) this.#slots[index] = this.#spawn(index);
  }

  #spawn(index: number): Slot {
    const services: Record<string, unknown> = {};
    for (const service of this.#services) services[service.name] = service.workerData?.(index);
    const boot: WorkerBoot = {
      index,
      count: this.config.workerThreads,
      runtimeName: `${this.config.name}-worker-${index}`,
      config: this.config,
      services,
      extraServices: this.#extraWorkers,
      histograms: this.#histograms,
    };
    clearHistograms(this.#histograms, index);
    const worker = new Worker(paths.workerMainPath, { workerData: boot });
    let markExited!: () => void;
    const exited$ = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    const slot: Slot = {
      index,
      worker,
      ready: false,
      stopRequested: false,
      terminated: false,
      exited: false,
      exitCode: undefined,
      crash: undefined,
      fatal: false,
      errored: false,
      reported: false,
      replace: false,
      killTimer: undefined,
      resources: undefined,
      elu: undefined,
      exited$,
      markExited,
    };
    worker.on('message', (message: ControlMessage) => this.#onMessage(slot, message));
    worker.on('error', (error: unknown) => {
      // Whether this was before 'ready' (fatal: a replacement would repeat it) is decided at
      // 'exit': the worker's 'ready' message may still be queued behind this event, and
      // every message the worker posted is delivered before 'exit'.
      slot.crash ??= isError(error) ? error : reviveError(serializeError(error));
      slot.errored = true;
    });
    worker.on('exit', (code: number) => this.#onExit(slot, code));
    worker.on('messageerror', (error: unknown) => {
      this.#report(new RtError('ERR_RT_SERVICE_FAILED', `a message from worker ${index} could not be deserialized; dropped`, { cause: error }));
    });
    return slot;
  }

  #stopWorker(slot: Slot, timeout: number): void {
    if (slot.exited || slot.stopRequested) return;
    slot.stopRequested = true;
    this.#postRuntime(slot, { op: 'shutdown', timeout });
    slot.killTimer = setTimeout(() => {
      slot.killTimer = undefined;
      if (slot.exited) return;
      slot.terminated = true;
      const open = slot.resources === undefined ? 'it never finished stopping' : `still open: ${slot.resources.join(', ') || 'nothing rt knows of'}`;
      this.#report(
        new RtError(
          'ERR_RT_WORKER_TERMINATED',
          `worker ${slot.index} of runtime ${JSON.stringify(this.config.name)} did not exit within ${timeout + TERMINATE_GRACE_MS} ms of being asked to stop; terminated it (${open})`,
        ),
      );
      void slot.worker.terminate();
    }, timeout + TERMINATE_GRACE_MS);
  }

  async #stopAll(timeout: number, wasStarted: boolean): Promise<void> {
    if (wasStarted) {
      for (const service of [...this.#services].reverse()) {
        try {
          await service.shutdown?.();
        } catch (error) {
          this.#report(new RtError('ERR_RT_SERVICE_FAILED', `service ${service.name}: shutdown() threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        }
      }
    }
    const slots = this.#slots.filter((slot): slot is Slot => slot !== undefined);
    for (const slot of slots) this.#stopWorker(slot, timeout);
    await Promise.all(slots.map((slot) => slot.exited$));
    this.#state = 'stopped';
    for (const [id, call] of this.#calls) {
      this.#calls.delete(id);
      call.reject(this.#shutdownError());
    }
    const run = this.#run;
    if (run !== undefined && !run.settled) {
      run.settled = true;
      if (run.failure !== undefined) run.reject(run.failure);
      else if (run.remaining === 0) run.resolve(run.results);
      else {
        const missing = run.done.flatMap((done, index) => (done ? [] : [index]));
        run.reject(new RuntimeShutdown(`runtime ${JSON.stringify(this.config.name)} shut down before the entry returned in worker(s) ${missing.join(', ')}`));
      }
    }
  }

  #stopping(): boolean {
    return this.#state === 'stopping' || this.#state === 'stopped';
  }

  #shutdownError(): RuntimeShutdown {
    const message = `runtime ${JSON.stringify(this.config.name)} has shut down`;
    return this.#crash === undefined ? new RuntimeShutdown(message) : new RuntimeShutdown(`${message} (${this.#crash.message})`, { cause: this.#crash });
  }

  // ---------------------------------------------------------------- crashes

  #onExit(slot: Slot, code: number): void {
    slot.exited = true;
    slot.exitCode = code;
    if (slot.killTimer !== undefined) clearTimeout(slot.killTimer);
    slot.killTimer = undefined;
    if (slot.crash === undefined && !slot.terminated && (code !== 0 || !slot.stopRequested)) {
      slot.crash = new Error(
        code === 0
          ? 'the worker thread ended before the runtime asked it to stop'
          : `the worker thread exited with code ${code}${slot.stopRequested ? ' while stopping' : ''}`,
      );
      if (!slot.ready) slot.fatal = true;
    }
    if (slot.errored && !slot.ready) slot.fatal = true;
    for (const [id, call] of this.#calls) {
      if (call.slot !== slot) continue;
      this.#calls.delete(id);
      call.reject(new RuntimeShutdown(`worker ${slot.index} of runtime ${JSON.stringify(this.config.name)} exited`));
    }
    const crashed = slot.crash !== undefined;
    if (crashed) this.#crashed(slot);
    for (const service of this.#services) {
      try {
        service.workerExited?.(slot.index, crashed);
      } catch (error) {
        this.#report(new RtError('ERR_RT_SERVICE_FAILED', `service ${service.name}: workerExited(${slot.index}) threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
      }
    }
    slot.markExited();
    if (slot.replace && this.#state === 'running' && this.#slots[slot.index] === slot) this.#replace(slot.index);
  }

  /** Reports a crash once and applies the policy. */
  #crashed(slot: Slot): void {
    if (slot.reported) return;
    slot.reported = true;
    const error = new WorkerCrashed(slot.index, this.config.name, slot.crash, slot.exitCode);
    this.#report(error);
    if (this.#state !== 'running') return;
    if (this.config.onWorkerCrash === 'replace' && !slot.fatal && this.#mayRestart(slot.index)) {
      slot.replace = true;
      this.#stopWorker(slot, this.config.shutdownTimeout);
      return;
    }
    this.#crash = error;
    if (this.#run !== undefined && !this.#run.settled) this.#run.failure ??= error;
    void this.shutdown();
  }

  /** Whether worker `index` is still under `maxRestarts` replacements in the last minute. */
  #mayRestart(index: number): boolean {
    const now = performance.now();
    const recent = (this.#restartTimes[index] ?? []).filter((at) => now - at < 60_000);
    this.#restartTimes[index] = recent;
    if (recent.length >= this.config.maxRestarts) {
      this.#report(new RtError('ERR_RT_WORKER_RESTART_LIMIT', `worker ${index} of runtime ${JSON.stringify(this.config.name)} crashed again after ${recent.length} replacement(s) within a minute (maxRestarts ${this.config.maxRestarts}): shutting down`));
      return false;
    }
    recent.push(now);
    return true;
  }

  #replace(index: number): void {
    this.#restarts[index] = (this.#restarts[index] ?? 0) + 1;
    const slot = this.#spawn(index);
    this.#slots[index] = slot;
    const run = this.#run;
    if (run === undefined) return;
    try {
      this.#postRuntime(slot, run.post(index));
    } catch (error) {
      slot.crash = isError(error) ? error : reviveError(serializeError(error));
      slot.fatal = true;
      this.#crashed(slot);
    }
  }

  #report(error: Error): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(error);
        return;
      } catch (thrown) {
        process.stderr.write(`rt multi-thread ${JSON.stringify(this.config.name)}: error: the onError callback threw: ${(thrown as Error)?.stack ?? String(thrown)}\n`);
      }
    }
    const cause = (error as { cause?: unknown }).cause;
    const detail = isError(cause) ? `\n  cause: ${cause.stack ?? cause.message}` : '';
    process.stderr.write(`rt multi-thread ${JSON.stringify(this.config.name)}: error: ${error.message}${detail}\n`);
  }

  // ---------------------------------------------------------------- the control channel

  #liveWorkers(): number[] {
    const live: number[] = [];
    for (const slot of this.#slots) {
      if (slot !== undefined && slot.ready && !slot.stopRequested && !slot.exited && slot.crash === undefined) live.push(slot.index);
    }
    return live;
  }

  #post(workerIndex: number, service: string, payload: unknown, transfer?: readonly TransferListItem[]): void {
    const slot = this.#slots[workerIndex];
    if (slot === undefined || slot.exited) return;
    const message: ControlMessage = { service, kind: 'post', payload };
    slot.worker.postMessage(message, transfer);
  }

  #postRuntime(slot: Slot, payload: RuntimePost): void {
    const message: ControlMessage = { service: RUNTIME_SERVICE, kind: 'post', payload };
    slot.worker.postMessage(message);
  }

  #call(slot: Slot, payload: unknown): Promise<unknown> {
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { slot, resolve, reject });
      const message: ControlMessage = { service: RUNTIME_SERVICE, kind: 'call', id, payload };
      slot.worker.postMessage(message);
    });
  }

  #onMessage(slot: Slot, message: ControlMessage): void {
    if (message.kind === 'reply') {
      const call = message.id === undefined ? undefined : this.#calls.get(message.id);
      if (call === undefined || message.id === undefined) return;
      this.#calls.delete(message.id);
      if (message.error !== undefined) call.reject(reviveError(message.error));
      else call.resolve(message.payload);
      return;
    }
    if (message.service === RUNTIME_SERVICE) {
      if (message.kind === 'send') this.#onRuntimeMessage(slot, message.payload as RuntimeSend);
      return;
    }
    const service = this.#byName.get(message.service);
    if (message.kind === 'call') {
      void this.#answer(slot, service, message);
      return;
    }
    if (message.kind !== 'send') return;
    if (service?.message === undefined) {
      this.#report(new RtError('ERR_RT_SERVICE_FAILED', `worker ${slot.index} sent a message to service ${JSON.stringify(message.service)}, which takes none; dropped`));
      return;
    }
    try {
      service.message(slot.index, message.payload);
    } catch (error) {
      this.#report(new RtError('ERR_RT_SERVICE_FAILED', `service ${service.name}: message() from worker ${slot.index} threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    }
  }

  async #answer(slot: Slot, service: SupervisorService | undefined, message: ControlMessage): Promise<void> {
    let reply: ControlMessage;
    try {
      if (service?.request === undefined) {
        throw new RtError('ERR_RT_SERVICE_FAILED', `service ${JSON.stringify(message.service)} takes no calls (worker ${slot.index})`);
      }
      const value = await service.request(slot.index, message.payload);
      reply = { service: message.service, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), payload: value };
    } catch (error) {
      reply = { service: message.service, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), error: serializeError(error) };
    }
    if (slot.exited) return;
    try {
      slot.worker.postMessage(reply);
    } catch (error) {
      const failed: ControlMessage = { service: message.service, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), error: serializeError(error) };
      slot.worker.postMessage(failed);
    }
  }

  #onRuntimeMessage(slot: Slot, message: RuntimeSend): void {
    switch (message.op) {
      case 'ready':
        slot.ready = true;
        return;
      case 'stopped':
        slot.resources = message.resources;
        return;
      case 'failed':
        slot.crash ??= reviveError(message.error);
        this.#crashed(slot);
        return;
      case 'error':
        this.#report(new RtError('ERR_RT_SERVICE_FAILED', `worker ${slot.index}: ${message.what}: ${message.error.message}`, { cause: reviveError(message.error) }));
        return;
      case 'finished':
        break;
    }
    const run = this.#run;
    if (run === undefined || message.run !== run.id) return;
    if (message.ok) {
      if (run.done[slot.index] === true) return;
      run.done[slot.index] = true;
      run.results[slot.index] = decodeTransferables(message.value);
      run.remaining--;
      if (run.remaining === 0 && !run.settled && run.failure === undefined) {
        run.settled = true;
        run.resolve(run.results);
      }
      return;
    }
    if (message.cancelled) return; // the worker is stopping: not a failure of the entry
    slot.crash ??= reviveError(message.error);
    if (message.phase === 'load') slot.fatal = true;
    this.#crashed(slot);
  }

  #busyRatio(slot: Slot): number {
    const performance = slot.worker.performance;
    const now = performance.eventLoopUtilization();
    const delta = slot.elu === undefined ? now : performance.eventLoopUtilization(now, slot.elu);
    slot.elu = now;
    return Number.isFinite(delta.utilization) ? delta.utilization : 0;
  }
}
