import type { TaskDump } from '@rt/scheduler';

/**
 * One worker's part of a {@link MultiThreadDump}: the live tasks of its runtime (the
 * scheduler's `RuntimeDump`, re-created on the main thread).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const worker of (await runtime.dump()).workers) console.log(worker.index, worker.tasks.length);
 * ```
 */
export interface WorkerDump {
  /** The worker's index. */
  readonly index: number;
  /** The worker runtime's name (`${name}-worker-${index}`). */
  readonly runtime: string;
  /** Its live tasks. */
  readonly tasks: readonly TaskDump[];
}

/**
 * A task dump across every worker of a multi-thread runtime; `toString()` formats one block
 * per worker, one line per task (the scheduler's format).
 *
 * Workers that were not running when the dump was taken are missing from `workers`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * console.log(String(await runtime.dump()));
 * ```
 */
export class MultiThreadDump {
  /** @internal Made by `MultiThreadRuntime.dump()`. */
  constructor(
    /** The runtime's name. */
    readonly runtime: string,
    /** One entry per worker that answered, by index. */
    readonly workers: readonly WorkerDump[],
  ) {}

  /** Every live task of every worker, with the worker's index. */
  get tasks(): readonly (TaskDump & { readonly worker: number })[] {
    return this.workers.flatMap((worker) => worker.tasks.map((task) => ({ ...task, worker: worker.index })));
  }

  toString(): string {
    const lines = [`multi-thread runtime ${JSON.stringify(this.runtime)}: ${this.workers.length} worker(s)`];
    for (const worker of this.workers) {
      lines.push(`  worker ${worker.index}: runtime ${JSON.stringify(worker.runtime)}, ${worker.tasks.length} live task(s)`);
      for (const t of worker.tasks) {
        let line = `    task ${t.id}${t.name === undefined ? '' : ` ${JSON.stringify(t.name)}`} ${t.state}`;
        if (t.waitingOn.length > 0) line += ` on ${t.waitingOn.join(', ')}`;
        if (t.cancelRequested) line += ' (aborted)';
        line += ` age ${t.ageMs.toFixed(1)}ms`;
        if (t.spawnedAt !== undefined) line += ` spawned at ${t.spawnedAt}`;
        lines.push(line);
      }
    }
    return lines.join('\n');
  }
}
