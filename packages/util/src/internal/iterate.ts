// The async iterator of a type whose `next()` resolves `undefined` at the end (FramedRead,
// DelayQueue, StreamMap): one way to turn such a `next` into `for await`.

export function toResult<T>(value: T | undefined): IteratorResult<T> {
  return value === undefined ? { done: true, value: undefined } : { done: false, value };
}

export function iterateUntilUndefined<T>(next: () => Promise<T | undefined>): AsyncIterator<T> {
  return {
    next: (): Promise<IteratorResult<T>> => next().then(toResult),
    return: (): Promise<IteratorResult<T>> => Promise.resolve({ done: true, value: undefined }),
  };
}
