/**
 * One live task in a {@link RuntimeDump}.
 *
 * `state`: `'scheduled'` (spawned, not started), `'running'` (the code calling `dump()`),
 * `'waiting'` (parked on the rt primitives in `waitingOn`), `'idle'` (awaiting something rt
 * does not know, e.g. a Node API), `'blocking'` (a `spawnBlocking` job).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const task of runtime.dump().tasks) console.log(task.id, task.state, task.waitingOn);
 * ```
 */
export interface TaskDump {
  readonly id: number;
  readonly name: string | undefined;
  readonly kind: 'task' | 'blocking';
  readonly state: 'scheduled' | 'running' | 'waiting' | 'idle' | 'blocking';
  /** Milliseconds since spawn. */
  readonly ageMs: number;
  /** `file:line:column` of the spawn call when `Builder.captureSpawnLocations()` is on. */
  readonly spawnedAt: string | undefined;
  /** Labels of the rt primitives the task is parked on (`'Mutex.lock'`), most recent first. */
  readonly waitingOn: readonly string[];
  /** The task has been aborted and has not finished unwinding. */
  readonly cancelRequested: boolean;
}

/**
 * A task dump: every live task of a runtime; `toString()` formats one line per task.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * console.log(String(Handle.current().dump()));
 * ```
 */
export class RuntimeDump {
  /** @internal */
  constructor(
    readonly runtime: string,
    readonly tasks: readonly TaskDump[],
    /**
     * The drivers attached to the runtime and which implementation each runs, e.g.
     * `{ '@rt/net native driver': 'native' }` or `{ '@rt/net fallback driver': 'fallback' }`
     * (the same names as `metrics().drivers`).
     */
    readonly drivers: Readonly<Record<string, string>> = {},
  ) {}

  toString(): string {
    const lines = [`runtime ${JSON.stringify(this.runtime)}: ${this.tasks.length} live task(s)`];
    for (const [name, kind] of Object.entries(this.drivers)) lines.push(`  driver ${name}: ${kind}`);
    for (const t of this.tasks) {
      let line = `  task ${t.id}${t.name === undefined ? '' : ` ${JSON.stringify(t.name)}`} ${t.state}`;
      if (t.waitingOn.length > 0) line += ` on ${t.waitingOn.join(', ')}`;
      if (t.cancelRequested) line += ' (aborted)';
      line += ` age ${t.ageMs.toFixed(1)}ms`;
      if (t.spawnedAt !== undefined) line += ` spawned at ${t.spawnedAt}`;
      lines.push(line);
    }
    return lines.join('\n');
  }
}
