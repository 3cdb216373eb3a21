// A helper shared by dispatch-errors.test.ts, release-throws.test.ts and token-table-epoll.test.ts.

/** A signal whose removeEventListener (called when its wait is released) throws `error`. */
export function throwingSignal(error: Error): AbortSignal {
  const signal = new AbortController().signal;
  Object.defineProperty(signal, 'removeEventListener', {
    value: () => {
      throw error;
    },
  });
  return signal;
}
