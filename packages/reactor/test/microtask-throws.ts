// A helper shared by ready-callback.test.ts and dispatch-errors.test.ts (an exception the reactor
// must not let into its caller is rethrown on a microtask: this records it).

/**
 * Runs `body` with `queueMicrotask` wrapped so that an exception thrown by a queued callback is
 * recorded instead of becoming an uncaught exception. (A process 'uncaughtException' listener
 * cannot be used here: jest's sandbox `process` is not the process jest listens on.)
 */
export async function catchingMicrotaskThrows(body: () => void): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (callback) =>
    original(() => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    });
  try {
    body();
    expect(uncaught).toEqual([]); // never synchronously, never into the dispatch
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    globalThis.queueMicrotask = original;
  }
  return uncaught;
}
