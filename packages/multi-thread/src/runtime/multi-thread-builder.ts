import { availableParallelism } from 'node:os';
import { Builder as CurrentThreadBuilder } from '@rt/scheduler';
import type { InstrumentOptions, MultiThreadConfig } from '../internal/contract.js';
import type { SupervisorService } from '../internal/contract.js';
import { describeValue } from '../internal/control.js';
import { addService, type ExtraService } from '../internal/services.js';
import { MultiThreadRuntime } from './multi-thread-runtime.js';

/** Defaults of {@link MultiThreadBuilder} (Tokio's numbers where Tokio has one). */
function defaultConfig(): MultiThreadConfig {
  return {
    name: 'rt',
    workerThreads: availableParallelism(),
    onWorkerCrash: 'shutdown',
    maxRestarts: 5,
    localQueueCapacity: 256,
    globalQueueInterval: 61,
    unhandledError: 'log',
    eventInterval: 61,
    shutdownTimeout: 1000,
    instrument: undefined,
  };
}

/** Largest local queue accepted (a ring buffer of job slots in shared memory per worker). */
const MAX_LOCAL_QUEUE = 32_768; // the local queue packs two 16-bit indices in its head

function integer(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw new TypeError(`MultiThreadBuilder.${what}: expected an integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`MultiThreadBuilder.${what}: expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Configures and builds a {@link MultiThreadRuntime} (Tokio's `Builder::new_multi_thread()`):
 * `Builder.multiThread().workerThreads(4).name('server').build()`.
 *
 * Setters validate at once (TypeError for a value of the wrong type, RangeError for one out of
 * range, both naming it) and return the builder. The defaults: `workerThreads` =
 * `os.availableParallelism()`, `onWorkerCrash('shutdown')`, `localQueueCapacity(256)`,
 * `globalQueueInterval(61)` (Tokio's numbers), `unhandledError('log')`, `eventInterval(61)`,
 * `shutdownTimeout(1000)`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** setters throw TypeError/RangeError naming a bad value.
 *
 * **Example**
 * ```ts
 * await using runtime = Builder.multiThread().workerThreads(2).onWorkerCrash('replace').build();
 * const results = await runtime.run(new URL('./worker.js', import.meta.url), 'main');
 * ```
 */
export class MultiThreadBuilder {
  #config: MultiThreadConfig = defaultConfig();
  #onError: ((error: Error) => void) | undefined = undefined;
  #extra: ExtraService[] = [];

  /** @internal Use `Builder.multiThread()`. */
  constructor() {}

  #set<K extends keyof MultiThreadConfig>(key: K, value: MultiThreadConfig[K]): this {
    this.#config = { ...this.#config, [key]: value };
    return this;
  }

  /** Number of worker threads, each a complete current-thread runtime (≥ 1; default `os.availableParallelism()`). */
  workerThreads(count: number): this {
    return this.#set('workerThreads', integer(count, 'workerThreads', 1, 1024));
  }

  /** The runtime's name, shown in metrics, dumps and error reports; worker i's runtime is `${name}-worker-${i}`. */
  name(name: string): this {
    if (typeof name !== 'string' || name === '') throw new TypeError(`MultiThreadBuilder.name: expected a non-empty string, got ${describeValue(name)}`);
    return this.#set('name', name);
  }

  /**
   * Instruments every worker's runtime as `Builder.currentThread().instrument(options)` does
   * (per-task accounting, the blocking detector, histograms): read it with
   * `runtime.metrics().histograms` (per worker, synchronous) and `await runtime.workerStats()`
   * (tasks, warnings and histograms per worker), or serve it with `@rt/console`'s
   * `serveConsole(runtime)`.
   *
   * **Errors:** the same as `Builder.instrument()` (RangeError for a bad threshold, TypeError
   * for bad options or `spawnLocations`).
   *
   * **Example**
   * ```ts
   * const runtime = Builder.multiThread().workerThreads(2).instrument({ blockingThreshold: 20 }).build();
   * ```
   */
  instrument(options: InstrumentOptions = {}): this {
    // The scheduler's Builder checks the options (one validation, the same errors).
    CurrentThreadBuilder.currentThread().instrument(options);
    const { blockingThreshold, spawnLocations } = options;
    return this.#set('instrument', {
      ...(blockingThreshold === undefined ? {} : { blockingThreshold }),
      ...(spawnLocations === undefined ? {} : { spawnLocations }),
    });
  }

  /**
   * What a worker crash does: `'shutdown'` (default) shuts the whole runtime down and
   * `run()` rejects with `WorkerCrashed`; `'replace'` starts a fresh worker with the same
   * index (which runs the entry again). Either way the crash is reported.
   */
  onWorkerCrash(policy: 'shutdown' | 'replace'): this {
    if (policy !== 'shutdown' && policy !== 'replace') {
      throw new TypeError(`MultiThreadBuilder.onWorkerCrash: expected 'shutdown' or 'replace', got ${describeValue(policy)}`);
    }
    return this.#set('onWorkerCrash', policy);
  }

  /**
   * With `onWorkerCrash('replace')`: how many times one worker index may be replaced within
   * a minute (≥ 0; default 5, like systemd's start limit). A crash past it is treated as
   * one a replacement would only repeat: the runtime shuts down and `run()` rejects with
   * `WorkerCrashed` — an entry that always throws is not restarted forever.
   */
  maxRestarts(count: number): this {
    return this.#set('maxRestarts', integer(count, 'maxRestarts', 0, 1_000_000));
  }

  /** Capacity of each worker's local job queue: a power of two from 2 to 32768 (default 256, Tokio's). */
  localQueueCapacity(capacity: number): this {
    const value = integer(capacity, 'localQueueCapacity', 2, MAX_LOCAL_QUEUE);
    if ((value & (value - 1)) !== 0) {
      throw new RangeError(`MultiThreadBuilder.localQueueCapacity: expected a power of two, got ${value}`);
    }
    return this.#set('localQueueCapacity', value);
  }

  /** A worker takes a job from the global injector every this many jobs, for fairness (≥ 1; default 61, Tokio's). */
  globalQueueInterval(ticks: number): this {
    return this.#set('globalQueueInterval', integer(ticks, 'globalQueueInterval', 1));
  }

  /** What a worker runtime does with an error of a task nobody awaits: `'log'` (default), `'ignore'` or `'shutdown'` (that worker's runtime shuts down, which ends its entry: a crash). */
  unhandledError(mode: 'log' | 'ignore' | 'shutdown'): this {
    if (mode !== 'log' && mode !== 'ignore' && mode !== 'shutdown') {
      throw new TypeError(`MultiThreadBuilder.unhandledError: expected 'log', 'ignore' or 'shutdown', got ${describeValue(mode)}`);
    }
    return this.#set('unhandledError', mode);
  }

  /** Each worker runtime's scheduling ticks per event-loop turn before it yields to I/O (≥ 1; default 61). */
  eventInterval(ticks: number): this {
    return this.#set('eventInterval', integer(ticks, 'eventInterval', 1));
  }

  /** Milliseconds shutdown lets aborted tasks unwind in each worker before the thread is terminated (default 1000). */
  shutdownTimeout(milliseconds: number): this {
    if (typeof milliseconds !== 'number') {
      throw new TypeError(`MultiThreadBuilder.shutdownTimeout: expected a number of milliseconds, got ${describeValue(milliseconds)}`);
    }
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(`MultiThreadBuilder.shutdownTimeout: expected a finite number of milliseconds \u2265 0, got ${describeValue(milliseconds)}`);
    }
    return this.#set('shutdownTimeout', milliseconds);
  }

  /**
   * Where crash and supervision reports go (a `WorkerCrashed`, a worker that had to be
   * terminated, a service error) instead of an `'error'` line on stderr.
   */
  onError(handler: (error: Error) => void): this {
    if (typeof handler !== 'function') throw new TypeError(`MultiThreadBuilder.onError: expected a function, got ${describeValue(handler)}`);
    this.#onError = handler;
    return this;
  }

  /**
   * Adds a service to the runtimes this builder builds: `supervisor` on the main thread and,
   * in every worker, the WorkerServiceStarter `module[exportName]`. @internal
   */
  [addService](supervisor: SupervisorService, worker?: { readonly module: URL | string; readonly exportName: string }): this {
    if (typeof supervisor?.name !== 'string' || supervisor.name === '') {
      throw new TypeError(`MultiThreadBuilder[addService]: the service needs a non-empty name, got ${describeValue(supervisor?.name)}`);
    }
    const module = worker === undefined ? undefined : worker.module instanceof URL ? worker.module.href : worker.module;
    this.#extra = [...this.#extra, { supervisor, worker: module === undefined || worker === undefined ? undefined : { module, exportName: worker.exportName } }];
    return this;
  }

  /** The configuration recorded so far (a frozen copy). */
  get config(): Readonly<MultiThreadConfig> {
    return Object.freeze({ ...this.#config });
  }

  /** Builds the runtime; no thread starts until `run()` or `spawnOn()`. The builder can build again. */
  build(): MultiThreadRuntime {
    return new MultiThreadRuntime(Object.freeze({ ...this.#config }), this.#onError, this.#extra);
  }
}
