// Test double: one write of a fake writer that completes a timer later, so an abort can land
// while it waits. An aborted write writes nothing (as rt's cancel-safe writes).
import { Cancelled } from '@rt/scheduler';

/**
 * A write that, a timer later, calls `complete()` (which records what it accepts and returns
 * the count) and resolves with that count; `complete()` returning `undefined` leaves the
 * write waiting until aborted. An abort rejects with `Cancelled` and calls nothing.
 */
export function timerWrite(complete: () => number | undefined, options?: { signal?: AbortSignal }): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const n = complete();
      if (n === undefined) return;
      options?.signal?.removeEventListener('abort', onAbort);
      resolve(n);
    }, 1);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Cancelled('aborted'));
    };
    if (options?.signal?.aborted) onAbort();
    else options?.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
