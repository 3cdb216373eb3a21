import type { TransferListItem } from 'node:worker_threads';
import type { RuntimeConfig } from './builder.js';
import { JoinHandle } from './join-handle.js';
import { describe } from './internal/describe.js';
import { frameStore, preciseNow, storage, outsideCounters } from './internal/context.js';
import { Core, getDefaultCore, peekDefaultCore as getDefaultIfExists, type Extension } from './internal/core.js';
import { BlockingPool, type BlockingOptions } from './internal/blocking-pool.js';
import type { RuntimeMetrics } from './runtime-metrics.js';
import { RuntimeDump, type TaskDump } from './runtime-dump.js';
import type { RtWarning, TaskStats } from './instrumentation.js';
import { blockingChannel, traceBlocking } from './internal/instrument.js';

/**
 * Options of `spawn`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** a `name` that is not a string is a TypeError.
 *
 * **Example**
 * ```ts
 * spawn(serve, { name: 'http' });
 * ```
 */
export interface SpawnOptions {
  /** Shown by `dump()`, in unhandled-error reports and in `JoinError` messages. */
  name?: string;
}

/**
 * Options of `spawnBlocking`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** see `spawnBlocking`.
 *
 * **Example**
 * ```ts
 * spawnBlocking(url, 'hash', [buffer], { transferList: [buffer.buffer], name: 'hash' });
 * ```
 */
export interface SpawnBlockingOptions {
  /** Objects to transfer (not copy) to the worker, as in `postMessage`. */
  transferList?: readonly TransferListItem[];
  name?: string;
}

function validateName(options: SpawnOptions | undefined, what: string): string | undefined {
  // The checks out of line: this is inlined into every spawn, most of which pass no options.
  return options === undefined ? undefined : nameOf(options, what);
}

function nameOf(options: SpawnOptions, what: string): string | undefined {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  const name = options.name;
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${what}: options.name must be a string, got ${describe(name)}`);
  return name;
}

function attach(core: Core): void {
  core.handle = new Handle(core);
}

/**
 * A reference to a runtime: spawn onto it, inspect it, and attach the runtime-level drivers
 * other packages need (the timer wheel of `@rt/time`, the I/O driver of `@rt/net`).
 *
 * `Handle.current()` is the runtime of the current task, or the default runtime (created on
 * first use, and never keeping the process alive by itself). `runtime.handle` is the handle
 * of an explicit runtime.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `spawn` on a runtime that has shut down throws `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * const handle = Handle.current();
 * const task = handle.spawn(async () => 1);
 * console.log(handle.metrics().aliveTasks, await task);
 * ```
 */
export class Handle {
  readonly #core: Core;

  /** @internal Handles come from `Handle.current()` or `runtime.handle`. */
  constructor(core: Core) {
    this.#core = core;
  }

  /** The current task's runtime, else the lazily created default runtime. */
  static current(): Handle {
    const task = frameStore()?.task;
    if (task !== undefined) return task.core.handle;
    return getDefaultCore(attach).handle;
  }

  /** The current task's runtime; undefined outside any task (no default runtime is created). */
  static tryCurrent(): Handle | undefined {
    return storage.getStore()?.task?.core.handle;
  }

  /** The runtime's configuration (what `Builder` recorded). */
  get config(): Readonly<RuntimeConfig> {
    return this.#core.config;
  }

  /** True once `shutdown()` has begun. */
  get isShutdown(): boolean {
    return this.#core.isShutdown;
  }

  /**
   * Work the runtime knows is in flight outside the JS thread (blocking jobs running or
   * queued, plus what drivers report with `beginExternalWork`); the paused clock must not
   * auto-advance while it is above 0.
   */
  get pendingExternalWork(): number {
    return this.#core.pendingExternalWork;
  }

  /** Lets a driver report in-flight external work; the returned function ends it (idempotent). */
  beginExternalWork(): () => void {
    return this.#core.beginExternalWork();
  }

  /**
   * Gets or creates a per-runtime extension (the timer wheel, the I/O driver), keyed by a
   * symbol the owning package keeps; its `shutdown()` runs when the runtime shuts down, in
   * reverse order of creation, and its `metrics()` (if any) appear in `metrics().drivers`.
   */
  extension<T extends { shutdown?(): void }>(key: symbol, create: (handle: Handle) => T): T {
    if (typeof key !== 'symbol') throw new TypeError(`extension(key): key must be a symbol, got ${describe(key)}`);
    return this.#core.extension(key, create as (handle: Handle) => T & Extension);
  }

  /**
   * Spawns `fn` as a new task on this runtime and returns its JoinHandle.
   *
   * The task starts on a later microtask (spawn never runs user code synchronously), in FIFO
   * order with other spawned tasks, with a fresh async context (task locals are not inherited).
   *
   * **Cancellation:** see `JoinHandle.abort`.
   *
   * **Errors:** TypeError if `fn` is not a function; `RuntimeShutdown` after shutdown.
   *
   * **Example**
   * ```ts
   * const handle = Handle.current().spawn(async () => 'done', { name: 'worker' });
   * ```
   */
  spawn<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
    if (typeof fn !== 'function') throw new TypeError(`spawn(fn): fn must be a function, got ${describe(fn)}`);
    const name = validateName(options, 'spawn');
    return this.#core.spawn(fn, name) as JoinHandle<Awaited<T>>;
  }

  /** @internal `spawn` without queueing the task: see `spawnUnstarted` in `@rt/scheduler/primitives`. */
  spawnUnstarted<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
    if (typeof fn !== 'function') throw new TypeError(`spawnUnstarted(fn): fn must be a function, got ${describe(fn)}`);
    const name = validateName(options, 'spawnUnstarted');
    return this.#core.create(fn, name, 'task') as JoinHandle<Awaited<T>>;
  }

  /**
   * Runs `module[exportName](...args)` on the runtime's worker-thread pool; see the top-level
   * `spawnBlocking` for the full contract.
   */
  spawnBlocking<T>(
    moduleUrl: string | URL,
    exportName: string,
    args?: readonly unknown[],
    options?: SpawnBlockingOptions,
  ): JoinHandle<Awaited<T>> {
    const core = this.#core;
    const job = BlockingPool.validate(moduleUrl, exportName, args, options);
    const task = core.blockingTask(validateName(options, 'spawnBlocking'));
    const pool = (core.pool ??= new BlockingPool(core.config));
    if (blockingChannel.hasSubscribers) traceBlocking(task, String(moduleUrl), exportName, () => pool.submit(task, job as BlockingOptions));
    else pool.submit(task, job as BlockingOptions);
    return task as JoinHandle<Awaited<T>>;
  }

  /**
   * A snapshot of the runtime's counters: tasks alive and spawned, forced yields, the blocking
   * pool, and each driver extension's own counts (`drivers`).
   */
  metrics(): RuntimeMetrics {
    const core = this.#core;
    const pool = core.pool;
    const drivers: Record<string, Record<string, number | string | boolean>> = {};
    for (const [key, extension] of core.extensions) {
      const m = (extension as Extension).metrics;
      if (typeof m === 'function') drivers[key.description ?? key.toString()] = m.call(extension);
    }
    const isDefault = getDefaultIfExists() === core;
    return {
      name: core.config.name,
      aliveTasks: core.liveCount,
      spawnedTasks: core.spawnedTotal,
      forcedYields: core.forcedYields + (isDefault ? outsideCounters.forcedYields : 0),
      unhandledErrors: core.panics,
      blockingThreads: pool?.threads ?? 0,
      blockingThreadsBusy: pool?.busy ?? 0,
      blockingThreadsIdle: pool?.idle ?? 0,
      blockingQueueDepth: pool?.queued ?? 0,
      pendingExternalWork: core.pendingExternalWork,
      ioEnabled: core.config.enableIo,
      timeEnabled: core.config.enableTime,
      histograms: core.probe?.histograms(),
      drivers,
    };
  }

  /** Every live task: id, name, state, age, spawn location (if captured), what it waits on. */
  dump(): RuntimeDump {
    const core = this.#core;
    const now = preciseNow();
    const tasks: TaskDump[] = [];
    for (const task of core.liveTasks()) {
      tasks.push({
        id: task.id,
        name: task.name,
        kind: task.kind,
        state: core.stateOf(task) as TaskDump['state'],
        ageMs: Math.max(0, now - core.spawnedAt(task)),
        spawnedAt: task.location,
        waitingOn: task.waitingOn(),
        cancelRequested: task.cancelRequested,
      });
    }
    const drivers: Record<string, string> = {};
    for (const [key, extension] of core.extensions) {
      const m = (extension as Extension).metrics;
      const kind = typeof m === 'function' ? m.call(extension)['driver'] : undefined;
      if (typeof kind === 'string') drivers[key.description ?? key.toString()] = kind;
    }
    return new RuntimeDump(core.config.name, tasks, drivers);
  }

  /** Whether the runtime was built with `Builder.instrument()` (or `RT_INSTRUMENT=1`). */
  get instrumented(): boolean {
    return this.#core.probe !== undefined;
  }

  /**
   * Every live task with its accounting (busy time, polls, wakes, scheduled time): see
   * {@link TaskStats}. Counters are 0 on a runtime that is not instrumented.
   */
  taskStats(): TaskStats[] {
    const core = this.#core;
    const now = preciseNow();
    const stats: TaskStats[] = [];
    for (const task of core.liveTasks()) {
      const counters = core.probe?.counters(task);
      stats.push({
        id: task.id,
        name: task.name,
        kind: task.kind,
        state: core.stateOf(task) as TaskStats['state'],
        waitingOn: task.waitingOn(),
        ageMs: Math.max(0, now - core.spawnedAt(task)),
        location: counters === undefined ? task.location : counters.location,
        busyMs: counters?.busyMs ?? 0,
        polls: counters?.polls ?? 0,
        wakes: counters?.wakes ?? 0,
        lastWakerId: counters?.lastWakerId,
        scheduledMs: counters?.scheduledMs ?? 0,
        maxPollMs: counters?.maxSegmentMs ?? 0,
        cancelRequested: task.cancelRequested,
      });
    }
    return stats;
  }

  /** The blocking detector's warnings so far (the last 100), oldest first; empty when not instrumented. */
  warnings(): RtWarning[] {
    return [...(this.#core.probe?.warnings ?? [])];
  }

  /** @internal The core, for Runtime. */
  static coreOf(handle: Handle): Core {
    return handle.#core;
  }

  /** @internal Creates a runtime core with its handle. */
  static create(config: RuntimeConfig): Handle {
    const core = new Core(config);
    attach(core);
    return core.handle;
  }
}
