// mpsc.Sender.sendTimeout: a send raced against @rt/time's sleep. The send is the only
// place the value goes; the timer only aborts the send's wait, so the value is either
// delivered or handed back in the error, never both.
import { isCancelled, type WaitOptions } from '@rt/scheduler';
import { sleep } from '@rt/time';
import { SendError, SendTimeoutError } from '../errors.js';
import type { Chan } from './chan.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, checkCancelled } from '@rt/scheduler/primitives';

const LABEL = 'mpsc.Sender.sendTimeout';
const noop = (): void => {};

export function sendTimeout<T>(chan: Chan<T>, value: T, ms: number, options: WaitOptions | undefined): Promise<void> {
  if (chan.receiverClosed) return Promise.reject(new SendTimeoutError('Closed', value));
  if (chan.sendWaiters.length === 0 && chan.permits >= 1) {
    // Capacity now: no timer at all.
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    const y = budget();
    if (y !== undefined) return y.then(() => sendTimeout(chan, value, ms, options));
    chan.permits--;
    chan.deliver(value);
    return RESOLVED;
  }
  const timer = new AbortController();
  const userSignal = options?.signal;
  const signal = userSignal === undefined ? timer.signal : AbortSignal.any([userSignal, timer.signal]);
  let timedOut = false;
  const delay = sleep(ms);
  delay.then(() => {
    timedOut = true;
    timer.abort();
  }, noop);
  return chan.send(value, { signal }, LABEL).then(
    () => {
      delay[Symbol.dispose]();
    },
    (error: unknown) => {
      delay[Symbol.dispose]();
      if (error instanceof SendError) throw new SendTimeoutError('Closed', value);
      if (timedOut && isCancelled(error) && userSignal?.aborted !== true) throw new SendTimeoutError('Timeout', value);
      throw error;
    },
  );
}
