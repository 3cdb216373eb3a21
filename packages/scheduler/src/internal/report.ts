/**
 * Reports `error` as an uncaught exception on a microtask, as an event listener's throw would
 * be: the one way rt's machinery reports an exception it must not let into its caller (a
 * throwing finish watcher or turn-end callback, a wait callback, a timer's fire, a socket's
 * release hook) or that comes second (a reactor batch's later errors, after the first is
 * rethrown), so none is swallowed and the rest of the bookkeeping still runs.
 */
export function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
