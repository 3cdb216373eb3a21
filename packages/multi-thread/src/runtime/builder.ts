import { Builder as CurrentThreadBuilder } from '@rt/scheduler';
import { MultiThreadBuilder } from './multi-thread-builder.js';

/**
 * Picks a runtime flavor, as Tokio's `runtime::Builder` does: `Builder.currentThread()` (the
 * scheduler's builder: one thread, the default for most programs) or `Builder.multiThread()`
 * (worker threads, each a current-thread runtime, supervised by the main thread).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none (the builders' setters validate).
 *
 * **Example**
 * ```ts
 * const single = Builder.currentThread().enableAll().build();
 * const multi = Builder.multiThread().workerThreads(2).build();
 * ```
 */
export class Builder {
  private constructor() {}

  /** The current-thread builder of `@rt/scheduler` (`Builder.currentThread()` there). */
  static currentThread(): CurrentThreadBuilder {
    return CurrentThreadBuilder.currentThread();
  }

  /** A builder for a multi-thread runtime. */
  static multiThread(): MultiThreadBuilder {
    return new MultiThreadBuilder();
  }
}
