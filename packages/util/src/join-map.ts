// A JoinSet whose tasks have keys (tokio-util's JoinMap), built on @rt/scheduler's JoinSet:
// the set joins the tasks in finish order; this map remembers which key each task id has.
// A task's success carries its id (read with taskId() inside the wrapper), a failure's
// JoinError carries `taskId`. A task replaced under its key is aborted and forgotten, so its
// outcome is dropped when the set hands it back.
import { JoinError, JoinSet, taskId, type AbortHandle, type SpawnOptions, type WaitOptions } from '@rt/scheduler';
import { checkFunction } from './internal/validate.js';

/**
 * What `JoinMap.joinNext()` returns: the key and either the task's value or its
 * `JoinError`.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const done = await map.joinNext();
 * if (done?.ok) console.log(done.key, done.value); else if (done) console.error(done.key, done.error);
 * ```
 */
export type JoinMapResult<K, T> = { readonly key: K; readonly ok: true; readonly value: T } | { readonly key: K; readonly ok: false; readonly error: JoinError };

interface Tagged<T> {
  readonly id: number;
  readonly value: T;
}

/**
 * Tasks spawned under keys, joined in the order they finish: tokio-util's `JoinMap`.
 * `spawn(key, fn)` starts a task (aborting and replacing a task already under that key),
 * `joinNext()` resolves with `{ key, ok, value | error }` of the next task to finish, or
 * `undefined` when the map is empty; `abort(key)` aborts one task. The map owns its tasks:
 * `shutdown()` and `await using` abort them all and wait.
 *
 * **Cancellation:** `joinNext()` is cancel safe: a finished task is never lost; the next
 * call returns it.
 *
 * **Errors:** `joinNext()` rejects only with `Cancelled` (a task's failure is a result with
 * `ok: false`); `spawn` throws TypeError for a non-function and `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * await using map = new JoinMap<string, number>();
 * map.spawn('a', async () => 1);
 * map.spawn('b', async () => 2);
 * for await (const done of map) console.log(done.key, done.ok && done.value);
 * ```
 */
export class JoinMap<K, T> implements AsyncIterable<JoinMapResult<K, T>>, AsyncDisposable {
  readonly #set = new JoinSet<Tagged<T>>();
  readonly #byKey = new Map<K, AbortHandle>();
  readonly #keyOf = new Map<number, K>();

  /** Tasks in the map: running, or finished and not yet joined. */
  get len(): number {
    return this.#byKey.size;
  }

  /** True when the map holds no task. */
  isEmpty(): boolean {
    return this.#byKey.size === 0;
  }

  /** True if a task is under `key`. */
  containsKey(key: K): boolean {
    return this.#byKey.has(key);
  }

  /** The keys of the tasks, in the order they were spawned. */
  keys(): K[] {
    return [...this.#byKey.keys()];
  }

  /**
   * Spawns `fn` on the current runtime under `key`. A task already under `key` is aborted
   * and its outcome will not be returned by `joinNext`.
   *
   * **Cancellation:** see `abort`.
   *
   * **Errors:** TypeError if `fn` is not a function; `RuntimeShutdown`.
   *
   * **Example**
   * ```ts
   * map.spawn(userId, () => refresh(userId), { name: `refresh ${userId}` });
   * ```
   */
  spawn(key: K, fn: () => T | PromiseLike<T>, options?: SpawnOptions): AbortHandle {
    checkFunction(fn, 'JoinMap.spawn(key, fn): fn');
    const handle = this.#set.spawn(async () => ({ id: taskId()!, value: await fn() }), options);
    this.#forget(key, true);
    this.#byKey.set(key, handle);
    this.#keyOf.set(handle.id, key);
    return handle;
  }

  #forget(key: K, abort: boolean): void {
    const previous = this.#byKey.get(key);
    if (previous === undefined) return;
    this.#byKey.delete(key);
    this.#keyOf.delete(previous.id);
    if (abort) previous.abort();
  }

  /**
   * Aborts the task under `key`; returns false if there is none. The task stays in the map
   * until it has finished: `joinNext` then returns it as cancelled.
   */
  abort(key: K): boolean {
    const handle = this.#byKey.get(key);
    if (handle === undefined) return false;
    handle.abort();
    return true;
  }

  /** Aborts every task (they stay in the map until joined). */
  abortAll(): void {
    this.#set.abortAll();
  }

  /**
   * Waits for the next task to finish and returns its key and outcome, or `undefined` when
   * the map is empty.
   *
   * **Cancellation:** cancel safe (a finished task is never lost).
   *
   * **Errors:** `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const done = await map.joinNext({ signal: AbortSignal.timeout(1_000) });
   * ```
   */
  async joinNext(options?: WaitOptions): Promise<JoinMapResult<K, T> | undefined> {
    for (;;) {
      let id: number;
      let outcome: { ok: true; value: T } | { ok: false; error: JoinError };
      try {
        const tagged = await this.#set.joinNext(options);
        if (tagged === undefined) return undefined;
        id = tagged.id;
        outcome = { ok: true, value: tagged.value };
      } catch (error) {
        if (!(error instanceof JoinError)) throw error;
        id = error.taskId;
        outcome = { ok: false, error };
      }
      const key = this.#keyOf.get(id);
      if (key === undefined) continue; // replaced under its key: dropped
      this.#keyOf.delete(id);
      this.#byKey.delete(key);
      return { key, ...outcome };
    }
  }

  /**
   * Aborts every task and waits until all have finished (their outcomes are dropped).
   *
   * **Cancellation:** not cancellable (works in the `finally` of an aborted task).
   *
   * **Errors:** never rejects.
   *
   * **Example**
   * ```ts
   * await map.shutdown();
   * ```
   */
  async shutdown(): Promise<void> {
    await this.#set.shutdown();
    this.#byKey.clear();
    this.#keyOf.clear();
  }

  /** `await using map = new JoinMap()` aborts and drains whatever is left at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JoinMapResult<K, T>> {
    for (let done; (done = await this.joinNext()) !== undefined; ) yield done;
  }
}
