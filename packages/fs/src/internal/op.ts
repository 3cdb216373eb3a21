// One libuv threadpool request, parked with the scheduler's waiter contract.
//
// Node's callback `fs` API already runs each call on libuv's threadpool, with no
// structured cloning and no worker startup, and reads into and writes from caller Buffers:
// that is the cheapest "blocking pool" a file system call can have in Node. `op()` starts
// one such call and parks the caller on it. A request that has started cannot be
// cancelled (the thread is in the syscall), so on abort the caller's promise rejects with
// `Cancelled` at once and the request finishes in the background: its result goes to
// `abandon` (e.g. an fd opened after its `open()` was cancelled gets closed, so nothing
// leaks) and is otherwise dropped.
//
// Each request counts as the runtime's external work (`Handle.beginExternalWork`) from
// start to completion — past an abort — so a paused clock does not auto-advance while a
// file operation is still on the threadpool, and tests can wait for background requests.
import { Handle, park } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { toFsError } from './errors.js';

export type Callback<T> = (error: NodeJS.ErrnoException | null, value?: T) => void;

function noop(): void {}

/**
 * Starts `start(callback)` and parks on its completion as `label`. `onCancel` runs (once,
 * synchronously) if the caller is aborted first; `abandon` receives a late success.
 */
export function op<T>(
  label: string,
  syscall: string,
  path: string | undefined,
  options: WaitOptions | undefined,
  start: (callback: Callback<T>) => void,
  abandon?: (value: T) => void,
  onCancel?: () => void,
): Promise<T> {
  const { waiter, promise } = park<T>(label, onCancel ?? noop, options);
  const end = Handle.current().beginExternalWork();
  const callback: Callback<T> = (error, value) => {
    end();
    settle(waiter, error, value as T, syscall, path, abandon);
  };
  try {
    start(callback);
  } catch (error) {
    end();
    waiter.fail(toFsError(error, syscall, path));
  }
  return promise;
}

function settle<T>(
  waiter: Waiter<T>,
  error: NodeJS.ErrnoException | null,
  value: T,
  syscall: string,
  path: string | undefined,
  abandon: ((value: T) => void) | undefined,
): void {
  if (error !== null && error !== undefined) {
    waiter.fail(toFsError(error, syscall, path));
  } else if (!waiter.wake(value) && abandon !== undefined) {
    abandon(value);
  }
}
