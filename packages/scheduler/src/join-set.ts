import { AbortHandle } from './abort-handle.js';
import { coop, coopOrCancelled } from './coop.js';
import { JoinError } from './errors.js';
import { Handle, type SpawnOptions } from './handle.js';
import { park, throwIfCancelled, type WaitOptions, type Waiter } from './park.js';
import { describe } from './internal/describe.js';
import { SetMembership, type Task } from './internal/task.js';

/** The set a member chunk belongs to: told when a member finishes. */
interface SetOwner {
  memberFinished(task: Task): void;
}

/** Entries per member chunk. */
const MEMBER_CHUNK = 256;

/**
 * A piece of a JoinSet's member list: up to MEMBER_CHUNK tasks in spawn order, and how many of
 * them are still members. It is its members' `member` (what a finishing task tells, passed on to
 * the set), so leaving the set finds the chunk to count down, and a chunk whose members have all
 * left is dropped whole, with no pass over the rest.
 */
class MemberChunk extends SetMembership {
  readonly entries: (Task | undefined)[] = new Array<Task | undefined>(MEMBER_CHUNK);
  /** Entries in use (the first `used`). */
  used = 0;
  /** How many of them are still members. */
  members = 0;
  prev: MemberChunk | undefined = undefined;
  next: MemberChunk | undefined = undefined;

  constructor(readonly owner: SetOwner) {
    super();
  }

  memberFinished(task: Task): void {
    this.owner.memberFinished(task);
  }
}

/**
 * A set of tasks spawned together, joined in the order they finish (Tokio's `JoinSet`).
 *
 * `joinNext()` resolves with the value of the next task to finish (or rejects with its
 * `JoinError`), or `undefined` when the set is empty. The set owns its tasks: `abortAll()`,
 * `shutdown()` (abort and wait) and `await using` disposal stop them all; `detachAll()` lets
 * them run on alone. Iterating with `for await` yields values until the set is empty.
 *
 * **Cancellation:** `joinNext()` is cancel-safe: if it is cancelled, no finished task is lost;
 * the next call returns it.
 *
 * **Errors:** `joinNext()`/`joinAll()`/iteration reject with the failed task's `JoinError`;
 * `Cancelled` when the awaiting task is aborted.
 *
 * **Example**
 * ```ts
 * await using set = new JoinSet<number>();
 * for (let i = 0; i < 3; i++) set.spawn(async () => i * 2);
 * for await (const value of set) console.log(value);
 * ```
 */
export class JoinSet<T> implements AsyncIterable<T>, AsyncDisposable {
  // Members, in spawn order, in a list of chunks (see MemberChunk): each member's `member` field
  // is its chunk; an entry whose task has left the set (joined, detached) stays until its chunk
  // has no member left (then the chunk is dropped) or the list is compacted. A Set of a million
  // tasks spent ~0.8 µs per spawn + join hashing and rehashing; a linked list through a record
  // per member kept 56 B per member; one array of members was copied on every growth and had
  // every store of a young task recorded for the scavenger once it was old; this keeps 8 B.
  #head: MemberChunk;
  #tail: MemberChunk;
  /** Entries in the chunks whose task has left the set. */
  #stale = 0;
  #count = 0;
  /**
   * Finished, not yet joined members in finish order: a queue linked through the tasks' `liveLink`
   * (a finished task is out of its runtime's array of linked live tasks: removed at its finish if it
   * was there, which clears its index, and never added again: the field is free from the finish on). An array of them cost a builtin `push` per
   * member, its growth and the copies that dropped its taken front (issue 16, eleventh pass).
   */
  #finishedHead: Task | undefined = undefined;
  #finishedTail: Task | undefined = undefined;
  readonly #waiters: Waiter<void>[] = [];
  readonly #owner: SetOwner = {
    memberFinished: (task: Task): void => {
      this.#queueFinished(task);
      if (this.#waiters.length > 0) this.#wakeOne();
    },
  };

  #queueFinished(task: Task): void {
    const tail = this.#finishedTail;
    if (tail === undefined) this.#finishedHead = task;
    else tail.liveLink = task;
    this.#finishedTail = task;
  }

  constructor() {
    this.#head = this.#tail = new MemberChunk(this.#owner);
  }

  /** Tasks in the set: running, or finished and not yet joined. */
  get size(): number {
    return this.#count;
  }

  /** True when the set holds no task. */
  isEmpty(): boolean {
    return this.#count === 0;
  }

  #add(task: Task): void {
    let chunk = this.#tail;
    if (chunk.used === MEMBER_CHUNK) {
      const next = new MemberChunk(this.#owner);
      next.prev = chunk;
      chunk = chunk.next = this.#tail = next;
    }
    task.member = chunk;
    chunk.entries[chunk.used++] = task;
    chunk.members++;
    this.#count++;
  }

  #has(task: Task): boolean {
    return (task.member as MemberChunk | undefined)?.owner === this.#owner;
  }

  /** Removes a member (its entry goes stale, or its chunk goes once it has no member left); its finish callback goes with it. */
  #delete(task: Task): void {
    const chunk = task.member as MemberChunk | undefined;
    if (chunk === undefined || chunk.owner !== this.#owner) return;
    task.member = undefined;
    this.#count--;
    this.#stale++;
    // A set that empties keeps its one chunk, emptied (every other chunk went when its last
    // member left, the tail is emptied in place): no new chunk per set that empties and refills.
    // (So an empty set has no stale entry either: the rebuild below never runs for one.)
    if (--chunk.members === 0) this.#drop(chunk);
    if (this.#stale > 1024 && this.#stale > this.#count) this.#rebuild(this.#live());
  }

  /** Unlinks a chunk whose entries are all stale (the tail is emptied instead, and kept). */
  #drop(chunk: MemberChunk): void {
    this.#stale -= chunk.used;
    if (chunk === this.#tail) {
      chunk.entries.fill(undefined, 0, chunk.used);
      chunk.used = 0;
      return;
    }
    const { prev, next } = chunk;
    next!.prev = prev;
    if (prev === undefined) this.#head = next!;
    else prev.next = next;
    chunk.prev = chunk.next = undefined;
  }

  /** Replaces the chunks by new ones holding `tasks` (the members, in spawn order), with no stale entry. */
  #rebuild(tasks: Task[]): void {
    this.#head = this.#tail = new MemberChunk(this.#owner);
    this.#stale = 0;
    this.#count = 0;
    for (const task of tasks) this.#add(task);
  }

  /** The members, in spawn order (a copy: callers may change the set while walking it). */
  #live(): Task[] {
    const tasks: Task[] = [];
    for (let chunk: MemberChunk | undefined = this.#head; chunk !== undefined; chunk = chunk.next) {
      const entries: (Task | undefined)[] = chunk.entries;
      for (let i = 0; i < chunk.used; i++) {
        const task: Task = entries[i]!;
        if (task.member === chunk) tasks.push(task);
      }
    }
    return tasks;
  }

  /**
   * Spawns `fn` on the current runtime as a member of the set and returns an AbortHandle.
   *
   * **Errors:** TypeError if `fn` is not a function; `RuntimeShutdown`.
   */
  spawn(fn: () => T | PromiseLike<T>, options?: SpawnOptions): AbortHandle {
    if (typeof fn !== 'function') throw new TypeError(`JoinSet.spawn(fn): fn must be a function, got ${describe(fn)}`);
    const name = options?.name;
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`JoinSet.spawn: options.name must be a string, got ${describe(name)}`);
    const task = Handle.coreOf(Handle.current()).spawn(fn, name);
    task.observed = true;
    this.#add(task);
    return new AbortHandle(task);
  }

  #wakeOne(): void {
    while (this.#waiters.length > 0) {
      if (this.#waiters.shift()!.wake(undefined)) return;
    }
  }

  #hasFinished(): boolean {
    return this.#finishedHead !== undefined;
  }

  /** Empties the queue of finished members, unlinking them (a member kept by its user must not keep the ones after it). */
  #clearFinished(): Task[] {
    const tasks: Task[] = [];
    let task = this.#finishedHead;
    this.#finishedHead = this.#finishedTail = undefined;
    while (task !== undefined) {
      const next = task.liveLink as Task | undefined;
      task.liveLink = undefined;
      tasks.push(task);
      task = next;
    }
    return tasks;
  }

  #take(): T {
    const task = this.#finishedHead!;
    const next = task.liveLink as Task | undefined;
    this.#finishedHead = next;
    if (next === undefined) this.#finishedTail = undefined;
    else task.liveLink = undefined;
    this.#delete(task);
    // Its entry in the member chunks may outlive this call (until its chunk goes): keep only the task.
    const result = task.takeResult();
    if (task.ok) return result as T;
    throw result;
  }

  /**
   * Waits for the next task of the set to finish and returns its value, or `undefined` if the
   * set is empty.
   *
   * **Cancellation:** cancel-safe (a finished task is never lost).
   *
   * **Errors:** the finished task's `JoinError`; `Cancelled`.
   */
  async joinNext(options?: WaitOptions): Promise<T | undefined> {
    for (;;) {
      const y = coop();
      if (y !== undefined) await y;
      try {
        throwIfCancelled(options);
      } catch (error) {
        // We may have been woken for a finished task: pass the wake on.
        if (this.#hasFinished()) this.#wakeOne();
        throw error;
      }
      if (this.#hasFinished()) return this.#take();
      if (this.#count === 0) return undefined;
      const { waiter, promise } = park<void>(
        'JoinSet.joinNext',
        (w) => {
          const index = this.#waiters.indexOf(w);
          if (index >= 0) this.#waiters.splice(index, 1);
        },
        options,
      );
      this.#waiters.push(waiter);
      await promise;
    }
  }

  /**
   * Returns the value of a task that has already finished, without waiting; `undefined` if
   * none has.
   *
   * **Errors:** the finished task's `JoinError`; `Cancelled` if the current task is aborted.
   */
  tryJoinNext(): T | undefined {
    throwIfCancelled();
    return this.#hasFinished() ? this.#take() : undefined;
  }

  /**
   * Waits for every task and returns their values in the order they finished. If one fails,
   * the others are aborted and its `JoinError` is thrown.
   *
   * **Cancellation:** if cancelled, the remaining tasks stay in the set (values joined so far
   * are lost to the caller).
   *
   * **Errors:** the first `JoinError`; `Cancelled`.
   */
  async joinAll(options?: WaitOptions): Promise<T[]> {
    const values: T[] = [];
    try {
      while (this.#count > 0) {
        // Take what has already finished without a promise per task; wait only when nothing has.
        // One look-up of the current task for the budget and the cancellation check.
        const y = coopOrCancelled(options);
        if (y !== undefined) {
          await y;
          continue;
        }
        // (An indexed store: `push` here was a call of the builtin per value, ~100 instructions.)
        const value = this.#hasFinished() ? this.#take() : ((await this.joinNext(options)) as T);
        values[values.length] = value;
      }
    } catch (error) {
      if (error instanceof JoinError) this.abortAll();
      throw error;
    }
    return values;
  }

  /** Aborts every task in the set (they stay in it until joined). */
  abortAll(reason?: unknown): void {
    for (const task of this.#live()) task.abort(reason);
  }

  /** Removes every task from the set without aborting it; their errors become unhandled. */
  detachAll(): void {
    for (const task of this.#live()) {
      task.observed = false;
      this.#delete(task);
    }
    this.#clearFinished();
  }

  /**
   * Aborts every task and waits until all have finished (their results are dropped). Not a
   * cancellation point, so it also works in the `finally` of an aborted task; an aborted task
   * finishes at its next rt await point.
   *
   * **Cancellation:** not cancellable.
   *
   * **Errors:** never rejects.
   */
  async shutdown(): Promise<void> {
    this.abortAll();
    const tasks = this.#live();
    await Promise.allSettled(tasks.map((task) => task.completionPromise()));
    for (const task of tasks) this.#delete(task);
    // Members that finished while it waited and are still in the set (spawned meanwhile) stay queued.
    for (const task of this.#clearFinished()) if (this.#has(task)) this.#queueFinished(task);
  }

  /** `await using set = new JoinSet()` aborts and drains whatever is left at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (this.#count > 0) yield (await this.joinNext()) as T;
  }
}
