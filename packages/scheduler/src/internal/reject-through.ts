// Rejecting a promise through its resolve function, so a parked operation keeps one resolving
// function instead of two (issue 16: the reject function is 56 B per park on Node 24, which
// TurboFan does not allocate at all when the executor never reads it).
//
// A promise's resolve function called with an object first reads the object's `then`; if that
// read throws, the promise is rejected with what it threw, there and then (ECMA-262, Promise
// Resolve Functions, step 9: `RejectPromise(promise, then.[[Value]])`). So resolving with an
// object whose `then` getter throws `error` is `reject(error)`: the same promise rejected with
// the same value in the same microtask tick, with the same unhandled-rejection tracking. (A
// promise resolved with a *rejected promise* instead would reject two ticks later, which a
// caller can observe.) The costs: only a failure pays it, ~300 ns for the throw (Node 24.22),
// and a debugger told to pause on caught exceptions stops in the getter.

/** What the getter throws: set just before the resolve call, cleared right after. */
let pendingRejection: unknown;

/** The thenable whose `then` throws the pending rejection (no prototype: nothing else answers `then`). */
const REJECTING: object = Object.create(null, {
  then: {
    get(): never {
      const error = pendingRejection;
      pendingRejection = undefined;
      throw error;
    },
  },
});

/**
 * Rejects the promise `resolve` belongs to with `error`, synchronously, exactly as its reject
 * function would (see above). Does nothing if the promise is already resolved.
 */
export function rejectThrough(resolve: (value: never) => void, error: unknown): void {
  pendingRejection = error;
  try {
    resolve(REJECTING as never);
  } finally {
    pendingRejection = undefined;
  }
}
