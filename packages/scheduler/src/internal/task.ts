// A task: the record behind a JoinHandle, and the root Frame of its own async context.
//
// Life cycle: SCHEDULED (in the runtime's run queue) → RUNNING (its function has been called;
// it is somewhere in its async body) → FINISHED (value or JoinError recorded). An abort sets
// `cancelRequested` and cancels every waiter the task has parked, so the task's current rt
// await point rejects with Cancelled; a task aborted while SCHEDULED never runs.
//
// Joining: code outside a task gets the task's completion promise (created on first demand);
// code inside a task parks a waiter in `joiners`, so aborting *that* task cancels the join.
import { Cancelled, JoinError, isCancelled } from '../errors.js';
import { BUDGET, type Frame } from './context.js';
import type { ParkedWaiter } from './waiter.js';
import type { Core } from './core.js';

export const SCHEDULED = 0;
export const RUNNING = 1;
export const FINISHED = 2;

let nextTaskId = 1;

export class Task implements Frame {
  // Frame: a task is its own root frame.
  readonly task: Task = this;
  readonly localKey: undefined = undefined;
  readonly localValue: undefined = undefined;
  readonly parent: undefined = undefined;
  readonly unconstrained: boolean = false;

  readonly id: number = nextTaskId++;
  state = SCHEDULED;
  /** What runs: the task's function, or (blocking tasks) undefined. */
  fn: (() => unknown) | undefined;
  /** 'task' for async tasks, 'blocking' for spawnBlocking jobs. */
  readonly kind: 'task' | 'blocking';
  readonly spawnedAt: number;
  readonly location: string | undefined;

  cancelRequested = false;
  cancelReason: unknown = undefined;
  controller: AbortController | undefined = undefined;

  budget = BUDGET;
  budgetEpoch = -1;

  /** Head of the list of waiters this task has parked (what dump() shows). */
  waitHead: ParkedWaiter<unknown> | undefined = undefined;

  ok = false;
  value: unknown = undefined;
  error: JoinError | undefined = undefined;
  /** Someone asked for the result (then/join/JoinSet): errors are not "unhandled". */
  observed = false;
  completion: Promise<unknown> | undefined = undefined;
  resolveCompletion: ((value: unknown) => void) | undefined = undefined;
  rejectCompletion: ((error: unknown) => void) | undefined = undefined;
  joiners: ParkedWaiter<unknown>[] | undefined = undefined;
  /** Called once at finish (JoinSet bookkeeping). */
  onFinish: ((task: Task) => void) | undefined = undefined;
  /** A blocking task: called on abort while still queued (the pool removes the job). */
  onAbort: ((task: Task) => void) | undefined = undefined;

  constructor(
    readonly core: Core,
    fn: (() => unknown) | undefined,
    readonly name: string | undefined,
    kind: 'task' | 'blocking',
    location: string | undefined,
  ) {
    this.fn = fn;
    this.kind = kind;
    this.location = location;
    this.spawnedAt = performance.now();
  }

  /** The task's AbortSignal, created on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelRequested) this.controller.abort(this.cancelReason);
    }
    return this.controller.signal;
  }

  get isFinished(): boolean {
    return this.state === FINISHED;
  }

  linkWaiter(waiter: ParkedWaiter<unknown>): void {
    waiter.next = this.waitHead;
    if (this.waitHead !== undefined) this.waitHead.prev = waiter;
    this.waitHead = waiter;
  }

  unlinkWaiter(waiter: ParkedWaiter<unknown>): void {
    if (waiter.prev !== undefined) waiter.prev.next = waiter.next;
    else if (this.waitHead === waiter) this.waitHead = waiter.next;
    if (waiter.next !== undefined) waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
  }

  /** The labels of the rt primitives this task is parked on, most recent first. */
  waitingOn(): string[] {
    const labels: string[] = [];
    for (let w = this.waitHead; w !== undefined; w = w.next) labels.push(w.label);
    return labels;
  }

  /** Requests cancellation: the next (or current) rt await point of the task rejects. */
  abort(reason: unknown): void {
    if (this.state === FINISHED || this.cancelRequested) return;
    this.cancelRequested = true;
    this.cancelReason = reason ?? new Cancelled(`task ${this.id} was aborted`);
    this.controller?.abort(this.cancelReason);
    for (let w = this.waitHead; w !== undefined; w = this.waitHead) w.cancel(this.cancelReason);
    if (this.state === SCHEDULED) this.core.abortScheduled(this);
  }

  /** Runs the task's function (called by the run queue inside the task's context). */
  start(): void {
    const fn = this.fn;
    this.fn = undefined;
    this.state = RUNNING;
    let result: unknown;
    try {
      result = fn!();
    } catch (error) {
      this.finishError(error);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => this.finishValue(value),
        (error: unknown) => this.finishError(error),
      );
    } else {
      this.finishValue(result);
    }
  }

  finishValue(value: unknown): void {
    if (this.state === FINISHED) return;
    this.ok = true;
    this.value = value;
    this.finish();
  }

  /** Ends the task with a thrown value: a Cancelled escaping means cancelled, else a panic. */
  finishError(error: unknown): void {
    if (this.state === FINISHED) return;
    this.error = isCancelled(error)
      ? new JoinError('cancelled', this.id, this.cancelRequested ? this.cancelReason : error, this.name)
      : new JoinError('panic', this.id, error, this.name);
    this.finish();
  }

  finishCancelled(): void {
    if (this.state === FINISHED) return;
    this.error = new JoinError('cancelled', this.id, this.cancelReason, this.name);
    this.finish();
  }

  private finish(): void {
    this.state = FINISHED;
    this.fn = undefined;
    this.core.taskFinished(this);
    if (this.ok) {
      this.resolveCompletion?.(this.value);
      if (this.joiners !== undefined) for (const w of this.joiners) w.wake(this.value);
    } else {
      this.rejectCompletion?.(this.error);
      if (this.joiners !== undefined) for (const w of this.joiners) w.fail(this.error);
    }
    this.joiners = undefined;
    this.resolveCompletion = this.rejectCompletion = undefined;
    const onFinish = this.onFinish;
    this.onFinish = undefined;
    onFinish?.(this);
    if (!this.ok && !this.observed && this.error!.isPanic()) this.core.maybeUnhandled(this);
  }

  /** The completion promise for joins from outside any task. */
  completionPromise(): Promise<unknown> {
    this.observed = true;
    if (this.state === FINISHED) return this.ok ? Promise.resolve(this.value) : Promise.reject(this.error);
    if (this.completion === undefined) {
      this.completion = new Promise((resolve, reject) => {
        this.resolveCompletion = resolve;
        this.rejectCompletion = reject;
      });
    }
    return this.completion;
  }
}
