import { Runtime } from './runtime.js';
import { defaultConfig } from './internal/config.js';
import { describe } from './internal/describe.js';

/**
 * A runtime's configuration, as `Builder` records it; read it with `handle.config`.
 *
 * `enableIo`/`enableTime`/`startPaused`/`autoAdvance` are recorded for the packages that
 * attach the drivers (`@rt/net`'s I/O driver, `@rt/time`'s timer wheel) as extensions.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * if (Handle.current().config.startPaused) { … }
 * ```
 */
export interface RuntimeConfig {
  /** Shown in metrics, dumps and error reports. Default `'rt'` (`'default'` for the default runtime). */
  name: string;
  enableIo: boolean;
  enableTime: boolean;
  /** The clock of `@rt/time` starts paused (tests). */
  startPaused: boolean;
  /** A paused clock jumps to the next timer when every task is idle. Default true. */
  autoAdvance: boolean;
  /** Cap on worker threads of the blocking pool. Default max(4, available parallelism). */
  maxBlockingThreads: number;
  /** Milliseconds an idle blocking thread lives before it exits. Default 10 000. */
  threadKeepAlive: number;
  /** Scheduling ticks (task starts, yield rounds) per event-loop turn before yielding to I/O. Default 61. */
  eventInterval: number;
  /** What happens to an error of a task nobody awaits. Default `'log'`. */
  unhandledError: 'log' | 'ignore' | 'shutdown';
  /** Record where each task was spawned, for `dump()` (costs a stack trace per spawn). Default false. */
  captureSpawnLocations: boolean;
  /** Per-task accounting and the blocking detector (`Builder.instrument()`, `RT_INSTRUMENT=1`). Default false. */
  instrument: boolean;
  /** A task segment at least this many ms long is reported as blocking (instrumented runtimes). Default 50. */
  blockingThreshold: number;
  /**
   * Instrumented runtimes record spawn locations (a stack capture per spawn): `true` for the
   * first 32 spawns of each event-loop turn, `'all'` for every spawn, `false` for none. Default true.
   */
  instrumentLocations: boolean | 'all';
  /** Where `@rt/console` serves (`Builder.console()`, `RT_CONSOLE=127.0.0.1:6669`); undefined: no console. */
  console: string | undefined;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Builder.${what}: expected an integer \u2265 1, got ${describe(value)}`);
  }
  return value;
}

function flag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Builder.${what}: expected a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Configures and builds a {@link Runtime} (Tokio's `runtime::Builder`).
 *
 * Only the current-thread flavor exists: Node runs JavaScript on one thread; CPU-bound work
 * goes to the blocking pool (`spawnBlocking`). Setters validate at once and return the builder.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** setters throw TypeError/RangeError naming a bad value.
 *
 * **Example**
 * ```ts
 * const runtime = Builder.currentThread().enableAll().name('server').unhandledError('shutdown').build();
 * await runtime.run(async () => { … });
 * await runtime.shutdown();
 * ```
 */
export class Builder {
  readonly #config = defaultConfig();

  private constructor() {}

  /** A builder for a current-thread runtime (the only flavor). */
  static currentThread(): Builder {
    return new Builder();
  }

  /** Records that the I/O driver is wanted (attached by `@rt/net` as an extension). */
  enableIo(): this {
    this.#config.enableIo = true;
    return this;
  }

  /** Records that the timer wheel is wanted (attached by `@rt/time` as an extension). */
  enableTime(): this {
    this.#config.enableTime = true;
    return this;
  }

  /** `enableIo()` and `enableTime()`. */
  enableAll(): this {
    return this.enableIo().enableTime();
  }

  /** The runtime's name, shown in metrics, dumps and error reports. */
  name(name: string): this {
    if (typeof name !== 'string' || name === '') throw new TypeError(`Builder.name: expected a non-empty string, got ${describe(name)}`);
    this.#config.name = name;
    return this;
  }

  /** Cap on the blocking pool's worker threads (≥ 1). */
  maxBlockingThreads(count: number): this {
    this.#config.maxBlockingThreads = positiveInteger(count, 'maxBlockingThreads');
    return this;
  }

  /** Milliseconds an idle blocking thread waits for work before exiting (≥ 0). */
  threadKeepAlive(milliseconds: number): this {
    if (typeof milliseconds !== 'number' || !(milliseconds >= 0) || !Number.isFinite(milliseconds)) {
      throw new RangeError(`Builder.threadKeepAlive: expected a finite number of milliseconds \u2265 0, got ${describe(milliseconds)}`);
    }
    this.#config.threadKeepAlive = milliseconds;
    return this;
  }

  /** Scheduling ticks per event-loop turn before the scheduler yields to timers and I/O (≥ 1). */
  eventInterval(ticks: number): this {
    this.#config.eventInterval = positiveInteger(ticks, 'eventInterval');
    return this;
  }

  /** What to do with an error of a task nobody awaits: log it (default), ignore it, or shut the runtime down. */
  unhandledError(mode: 'log' | 'ignore' | 'shutdown'): this {
    if (mode !== 'log' && mode !== 'ignore' && mode !== 'shutdown') {
      throw new TypeError(`Builder.unhandledError: expected 'log', 'ignore' or 'shutdown', got ${describe(mode)}`);
    }
    this.#config.unhandledError = mode;
    return this;
  }

  /** Start `@rt/time`'s clock paused (for tests). */
  startPaused(paused = true): this {
    this.#config.startPaused = flag(paused, 'startPaused');
    return this;
  }

  /** Whether a paused clock auto-advances when every task is idle (read by `@rt/time`). */
  autoAdvance(enabled: boolean): this {
    this.#config.autoAdvance = flag(enabled, 'autoAdvance');
    return this;
  }

  /** Record each task's spawn location for `dump()` (a stack trace per spawn). */
  captureSpawnLocations(enabled = true): this {
    this.#config.captureSpawnLocations = flag(enabled, 'captureSpawnLocations');
    return this;
  }

  /**
   * Turns on per-task accounting (busy time, polls, wakes, time scheduled but not running,
   * spawn location: `Handle.taskStats()`) and the blocking detector: a task segment at least
   * `blockingThreshold` ms long (default 50) is reported once per spawn location as an
   * `rt:warning` diagnostics_channel message and in `Handle.warnings()`. `RT_INSTRUMENT=1`
   * turns it on for every runtime. Costs V8 promise hooks while an instrumented runtime lives,
   * and a stack capture per spawn for the spawn location, for at most 32 spawns per
   * event-loop turn (`spawnLocations: 'all'` captures every one, several times the cost of a
   * spawn; `false` none: the detector then reports once per task name). Accounts for up to
   * ~2.4 million tasks alive at once per runtime; a task spawned while that many are accounted
   * is not (its counters read 0, as for a task spawned after the probe closed).
   */
  instrument(options: { blockingThreshold?: number; spawnLocations?: boolean | 'all' } = {}): this {
    if (options === null || typeof options !== 'object') throw new TypeError(`Builder.instrument: options must be an object, got ${describe(options)}`);
    const threshold = options.blockingThreshold;
    if (threshold !== undefined && (typeof threshold !== 'number' || !(threshold > 0) || !Number.isFinite(threshold))) {
      throw new RangeError(`Builder.instrument: blockingThreshold must be a finite number of ms > 0, got ${describe(threshold)}`);
    }
    const locations = options.spawnLocations;
    if (locations !== undefined && locations !== true && locations !== false && locations !== 'all') {
      throw new TypeError(`Builder.instrument: spawnLocations must be true, false or 'all', got ${describe(locations)}`);
    }
    if (locations !== undefined) this.#config.instrumentLocations = locations;
    this.#config.instrument = true;
    if (threshold !== undefined) this.#config.blockingThreshold = threshold;
    return this;
  }

  /**
   * Records where `@rt/console` serves this runtime's live state (`host:port`, loopback unless
   * `allowRemote`), and turns instrumentation on. The server is started by `main()` of
   * `@rt/macros`, or by `serveConsole(handle)` of `@rt/console`. `RT_CONSOLE=127.0.0.1:6669`
   * does the same for every runtime.
   */
  console(options: { addr: string }): this {
    if (options === null || typeof options !== 'object') throw new TypeError(`Builder.console: options must be an object, got ${describe(options)}`);
    if (typeof options.addr !== 'string' || !/^[^\s]+:\d{1,5}$/.test(options.addr)) {
      throw new TypeError(`Builder.console: addr must be 'host:port', got ${describe(options.addr)}`);
    }
    this.#config.console = options.addr;
    return this.instrument();
  }

  /** Builds the runtime. The builder can build again (each runtime gets a copy of the config). */
  build(): Runtime {
    return new Runtime(Object.freeze({ ...this.#config }));
  }
}
