// Helpers of the specs of pass rw32 and review rv40 (a oneshot `recv()` in the window a
// `timeout(ms, rx)`'s receive holds the value in).
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, timeout } from '@rt/time';
import { oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './try-recv.js';

/** A promise and its settle functions; a rejection is marked handled (as a sender would keep it from being reported). */
export function deferred(): { promise: Promise<number>; fulfil: (value: number) => void; reject: (reason: unknown) => void } {
  let fulfil!: (value: number) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<number>((resolve, fail) => {
    fulfil = resolve;
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, fulfil, reject };
}

/** The receiver's count of unfinished timeouts (review rv36's KEEP, from 64 up in its `@internal` flags). */
export function keeps(rx: oneshot.Receiver<unknown>): number {
  return (rx as unknown as { flags: number }).flags >> 6;
}

/**
 * A `timeout(100, rx, { signal })` parked in a task of `runtime`, the value 7 sent to it; `inWindow`
 * runs in the send's synchronous run. Returns the timeout's outcome and `inWindow`'s result.
 */
export async function sendIntoTimeout<R>(runtime: Runtime, rx: oneshot.Receiver<number>, tx: oneshot.Sender<number>, inWindow: (controller: AbortController) => R): Promise<[string, R]> {
  const controller = new AbortController();
  const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
  await settle(2);
  tx.send(7);
  const result = inWindow(controller);
  return [await Promise.resolve(task), result];
}

/**
 * A channel whose sent (pending) promise `timeout(10, rx)` took ready before elapsing: the window
 * stays open while it is pending.
 */
export async function elapsedHoldingPending(runtime: Runtime): Promise<{ tx: oneshot.Sender<Promise<number>>; rx: oneshot.Receiver<Promise<number>>; sent: ReturnType<typeof deferred> }> {
  const [tx, rx] = oneshot.channel<Promise<number>>();
  const sent = deferred();
  tx.send(sent.promise);
  const task = runtime.spawn(() => outcomeOf(timeout(10, rx)));
  await settle(2);
  await runtime.run(() => advance(10));
  expect(await Promise.resolve(task)).toBe('error Elapsed');
  expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Empty', false, 1]);
  return { tx, rx, sent };
}

/** The channel's state (the receiver's `@internal` accessor): 'Empty', 'Value' (there) or 'Taken'. */
export function stateOf(rx: oneshot.Receiver<unknown>): string {
  return ['Empty', 'Value', 'Taken'][(rx as unknown as { state: number }).state]!;
}

/** Aborts `timeout(100, rx, { signal })` in the run that started it; its outcome. */
export function abortedTimeout(runtime: Runtime, rx: oneshot.Receiver<unknown>): Promise<string> {
  return runtime.run(() => {
    const controller = new AbortController();
    const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
    controller.abort();
    return wait;
  });
}
