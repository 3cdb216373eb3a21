import type { Handle } from './handle.js';
import { RtError } from './errors.js';
import { frameStore } from './internal/context.js';

/**
 * What a task can learn about itself: see {@link currentTask}.
 *
 * **Cancellation:** `signal` aborts when the task is aborted; pass it to non-rt APIs
 * (`fetch`, `fs.promises`, `events.once`) so they stop too.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const response = await fetch(url, { signal: currentTask().signal });
 * ```
 */
export interface CurrentTask {
  readonly id: number;
  readonly name: string | undefined;
  /** Aborts (with the abort reason) when the task is aborted; created on first use. */
  readonly signal: AbortSignal;
  /** The runtime the task runs on. */
  readonly handle: Handle;
}

class TaskView implements CurrentTask {
  constructor(private readonly task: NonNullable<ReturnType<typeof currentTaskRecord>>) {}
  get id(): number {
    return this.task.id;
  }
  get name(): string | undefined {
    return this.task.name;
  }
  get signal(): AbortSignal {
    return this.task.signal;
  }
  get handle(): Handle {
    return this.task.core.handle;
  }
}

/** The task's one view (made on first demand: a hot loop asking for it allocates nothing). */
function viewOf(task: NonNullable<ReturnType<typeof currentTaskRecord>>): TaskView {
  const extra = task.more();
  return (extra.view ??= new TaskView(task)) as TaskView;
}

function currentTaskRecord() {
  return frameStore()?.task;
}

function noTask(what: string): RtError {
  return new RtError('ERR_RT_NO_TASK', `${what} was called outside of any rt task (use spawn or runtime.run)`);
}

/**
 * The current task: its id, name, runtime and AbortSignal.
 *
 * **Cancellation:** never waits.
 *
 * **Errors:** `RtError` with code `ERR_RT_NO_TASK` outside a task (see {@link tryCurrentTask}).
 *
 * **Example**
 * ```ts
 * spawn(async () => { await once(emitter, 'ready', { signal: currentTask().signal }); });
 * ```
 */
export function currentTask(): CurrentTask {
  const task = currentTaskRecord();
  if (task === undefined) throw noTask('currentTask()');
  return viewOf(task);
}

/**
 * The current task, or undefined outside any task. Never waits.
 *
 * **Cancellation:** never waits.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const signal = tryCurrentTask()?.signal;
 * ```
 */
export function tryCurrentTask(): CurrentTask | undefined {
  const task = currentTaskRecord();
  return task === undefined ? undefined : viewOf(task);
}

/**
 * The id of the current task (Tokio's `task::id()`), unique in the process.
 *
 * **Cancellation:** never waits.
 *
 * **Errors:** `RtError` `ERR_RT_NO_TASK` outside a task.
 *
 * **Example**
 * ```ts
 * spawn(async () => console.log('task', taskId()));
 * ```
 */
export function taskId(): number {
  const task = currentTaskRecord();
  if (task === undefined) throw noTask('taskId()');
  return task.id;
}
