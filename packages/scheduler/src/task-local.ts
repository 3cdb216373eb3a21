import { RtError } from './errors.js';
import { storage, type Frame } from './internal/context.js';

/**
 * A value scoped to a piece of async code and everything it awaits (Tokio's `task_local!`):
 * `local.scope(value, fn)` makes `local.get()` return `value` anywhere inside `fn`, across
 * awaits, until `fn`'s promise settles.
 *
 * Scopes nest (the innermost wins) and are per-call, not per-task: two concurrent scopes in
 * the same task each see their own value. Tasks spawned inside a scope do not inherit it.
 *
 * **Cancellation:** `scope` adds no await point; cancellation is `fn`'s.
 *
 * **Errors:** `get()` outside any scope throws `RtError` `ERR_RT_TASK_LOCAL_UNSET`;
 * `tryGet()` returns undefined instead.
 *
 * **Example**
 * ```ts
 * const requestId = new TaskLocal<string>('requestId');
 * await requestId.scope('r-1', async () => { await yieldNow(); log(requestId.get()); });
 * ```
 */
export class TaskLocal<T> {
  /** @param name shown in error messages. */
  constructor(readonly name = 'TaskLocal') {}

  /** Runs `fn` with this local set to `value`; returns what `fn` returns. */
  scope<R>(value: T, fn: () => R): R {
    if (typeof fn !== 'function') throw new TypeError(`${this.name}.scope(value, fn): fn must be a function, got ${String(fn)}`);
    const parent = storage.getStore();
    const frame: Frame = {
      task: parent?.task,
      localKey: this,
      localValue: value,
      parent,
      unconstrained: parent?.unconstrained ?? false,
    };
    return storage.run(frame, fn);
  }

  /** The value of the innermost enclosing scope. */
  get(): T {
    for (let frame = storage.getStore(); frame !== undefined; frame = frame.parent) {
      if (frame.localKey === this) return frame.localValue as T;
    }
    throw new RtError('ERR_RT_TASK_LOCAL_UNSET', `${this.name}.get() was called outside of ${this.name}.scope()`);
  }

  /** The value of the innermost enclosing scope, or undefined outside any scope. */
  tryGet(): T | undefined {
    for (let frame = storage.getStore(); frame !== undefined; frame = frame.parent) {
      if (frame.localKey === this) return frame.localValue as T;
    }
    return undefined;
  }
}
