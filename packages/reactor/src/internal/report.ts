/**
 * Reports `error` as an uncaught exception on a microtask: what the reactor does with an
 * exception it must not let into its caller (a throwing wait callback or serve) or that comes
 * second (a batch's later errors, after the first is rethrown), so none is swallowed.
 */
export function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
