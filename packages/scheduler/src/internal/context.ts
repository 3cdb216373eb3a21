// How rt knows "the current task", and what an event-loop turn is.
//
// The current task must survive `await` of any promise (a `fetch`, a Node API), so it lives in
// one AsyncLocalStorage whose store is a `Frame`: the task itself (a task is its own root
// frame), or a frame pushed by `TaskLocal.scope()` / `unconstrained()` on top of it. Frames
// form a parent chain, so task locals are a short linked-list walk and a spawned task starts
// from a fresh root frame (locals are not inherited, as in Tokio).
//
// Event-loop turns: the cooperative budget and the event interval count "per turn". Node has
// no cheap "new turn" hook, so a turn is an epoch number bumped by one unref'd setImmediate,
// armed the first time anything looks at the epoch in a turn. Counters remember the epoch they
// were filled in; a counter from an older epoch is stale and resets on next use.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from './task.js';

/** What the AsyncLocalStorage holds. */
export interface Frame {
  /** The task this code runs in, or undefined outside any task (a scope in plain code). */
  readonly task: Task | undefined;
  /** The TaskLocal this frame binds (undefined for a task's root frame). */
  readonly localKey: object | undefined;
  readonly localValue: unknown;
  readonly parent: Frame | undefined;
  /** Inside `unconstrained()`: the cooperative budget does not apply. */
  readonly unconstrained: boolean;
}

export const storage = new AsyncLocalStorage<Frame>();

export function currentFrame(): Frame | undefined {
  return storage.getStore();
}

export function currentTask(): Task | undefined {
  return storage.getStore()?.task;
}

let epoch = 0;
let epochArmed = false;

function bumpEpoch(): void {
  epochArmed = false;
  epoch++;
}

/** The current event-loop turn's number; arms the (unref'd) turn counter. */
export function currentEpoch(): number {
  if (!epochArmed) {
    epochArmed = true;
    setImmediate(bumpEpoch).unref();
  }
  return epoch;
}

/** Tokio's per-task budget of rt operations before a forced yield. */
export const BUDGET = 128;

/** A budget: a task's, or the one shared by code outside tasks in the current turn. */
export interface Budget {
  budget: number;
  budgetEpoch: number;
}

/** The budget of code running outside any task. */
export const outsideBudget: Budget = { budget: BUDGET, budgetEpoch: -1 };

/** Forced yields of code outside any task (counted in the default runtime's metrics). */
export const outsideCounters = { forcedYields: 0 };

const clockOrigin = Date.now();
let clockEpoch = -1;
let clockValue = 0;

/**
 * Whole milliseconds since rt was loaded, read once per event-loop turn: a small integer, so a
 * task's spawn time costs no heap number and no clock read per spawn (dump() ages need no more).
 */
export function coarseNow(): number {
  const epoch = currentEpoch();
  if (epoch !== clockEpoch) {
    clockEpoch = epoch;
    clockValue = Date.now() - clockOrigin;
  }
  return clockValue;
}

/** Milliseconds since rt was loaded, precise (for ages in dumps). */
export function preciseNow(): number {
  return Date.now() - clockOrigin;
}
