import type { RuntimeConfig } from './builder.js';
import { Handle, type SpawnBlockingOptions, type SpawnOptions } from './handle.js';
import type { JoinHandle } from './join-handle.js';
import type { RuntimeMetrics } from './runtime-metrics.js';
import type { RuntimeDump } from './runtime-dump.js';
import type { Core } from './internal/core.js';
import { describe } from './internal/describe.js';
import { JoinError } from './errors.js';

/**
 * An explicit runtime (build one with `Builder`): run a main task on it, spawn onto it, shut
 * it down. Code that needs no configuration can use the default runtime through the top-level
 * `spawn` instead.
 *
 * **Cancellation:** `shutdown()` aborts every live task; see there.
 *
 * **Errors:** `spawn`/`run` after shutdown throw `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * const runtime = Builder.currentThread().name('app').build();
 * const answer = await runtime.run(async () => 42);
 * await runtime.shutdown();
 * ```
 */
export class Runtime {
  /** The runtime's handle (also `Handle.current()` inside its tasks). */
  readonly handle: Handle;
  readonly #core: Core;

  /** @internal Use `Builder.currentThread().build()`. */
  constructor(config: Readonly<RuntimeConfig>) {
    this.handle = Handle.create(config);
    this.#core = Handle.coreOf(this.handle);
  }

  /**
   * Runs `fn` as this runtime's main task and resolves with its value (Tokio's `block_on`).
   *
   * Inside, `Handle.current()` is this runtime and `spawn` spawns onto it. Unlike awaiting a
   * JoinHandle, the promise rejects with what `fn` threw (not a JoinError); if the task is
   * cancelled it rejects with the cancellation's JoinError, or, when the runtime shut down
   * because of an unhandled task error (`unhandledError('shutdown')`), with that task's
   * JoinError.
   *
   * **Cancellation:** `runtime.shutdown()` aborts the main task like any other.
   *
   * **Errors:** what `fn` throws; TypeError if `fn` is not a function; `RuntimeShutdown`.
   *
   * **Example**
   * ```ts
   * await runtime.run(async () => { spawn(background); await serve(); });
   * ```
   */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    if (typeof fn !== 'function') throw new TypeError(`run(fn): fn must be a function, got ${describe(fn)}`);
    const handle = this.handle.spawn(fn, { name: 'main' });
    try {
      return await handle;
    } catch (error) {
      if (error instanceof JoinError && error.isPanic()) throw error.cause;
      if (this.#core.shutdownCause !== undefined) throw this.#core.shutdownCause;
      throw error;
    }
  }

  /** `handle.spawn`: spawns a task on this runtime (see `Handle.spawn`). */
  spawn<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
    return this.handle.spawn(fn, options);
  }

  /** `handle.spawnBlocking` (see the top-level `spawnBlocking`). */
  spawnBlocking<T>(moduleUrl: string | URL, exportName: string, args?: readonly unknown[], options?: SpawnBlockingOptions): JoinHandle<Awaited<T>> {
    return this.handle.spawnBlocking<T>(moduleUrl, exportName, args, options);
  }

  /** `handle.metrics()`. */
  metrics(): RuntimeMetrics {
    return this.handle.metrics();
  }

  /** `handle.dump()`. */
  dump(): RuntimeDump {
    return this.handle.dump();
  }

  /**
   * Shuts the runtime down: aborts every live task, terminates the blocking pool (its jobs end
   * cancelled), waits up to `timeout` ms (default 0: one event-loop turn) for the aborted tasks
   * to unwind through their `finally` blocks, then shuts the driver extensions down. Afterwards
   * nothing of the runtime keeps the process alive and `spawn` throws `RuntimeShutdown`.
   * Calling it again returns the same promise.
   *
   * **Cancellation:** not cancellable.
   *
   * **Errors:** RangeError for a negative or non-numeric timeout; never rejects.
   *
   * **Example**
   * ```ts
   * await runtime.shutdown({ timeout: 1000 });
   * ```
   */
  shutdown(options?: { timeout?: number }): Promise<void> {
    const timeout = options?.timeout ?? 0;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
      throw new RangeError(`shutdown: timeout must be a number of milliseconds \u2265 0, got ${describe(timeout)}`);
    }
    return this.#core.shutdown(timeout);
  }

  /** `await using runtime = builder.build()` shuts it down at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
