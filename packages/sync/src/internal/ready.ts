// The check an operation that can complete at once makes first: the cooperative budget and
// the cancellation (of the current task or `options.signal`) in one look at the current task
// (`coopOrCancelled`). On Node 24 the current task is an AsyncLocalStorage read (a lookup in
// the async context frame): one read instead of two per message is ~12% of an mpsc
// send + recv between two tasks (benchmarks/sync.bench.mjs; Node 20 unchanged).
import type { WaitOptions } from '@rt/scheduler';
import { coopOrCancelled } from '@rt/scheduler';

/**
 * `undefined` when the operation may complete now; otherwise a promise to wait on before
 * trying again: the forced yield of a spent budget, or a rejected one (`Cancelled`) when the
 * task or the signal was aborted, so `ready.then(retry)` rejects without retrying.
 */
export function readyOrCancelled(options: WaitOptions | undefined): Promise<void> | undefined {
  try {
    return coopOrCancelled(options);
  } catch (error) {
    return Promise.reject(error);
  }
}
