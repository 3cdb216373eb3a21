// The async iterator of a type whose `next()` resolves `undefined` at the end (FramedRead,
// DelayQueue, StreamMap): one way to turn such a `next` into `for await`.

export function iterateUntilUndefined<T>(next: () => Promise<T | undefined>): AsyncIterator<T> {
  return {
    next: async (): Promise<IteratorResult<T>> => {
      const value = await next();
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
    return: (): Promise<IteratorResult<T>> => Promise.resolve({ done: true, value: undefined }),
  };
}
