// The async iterator of a type whose `next()` resolves `undefined` at the end (DelayQueue):
// one way to turn such a `next` into `for await`. FramedRead and StreamMap make the iterator
// result in the same step as the value (no `.then` per item) and use only `toResult`.

export function toResult<T>(value: T | undefined): IteratorResult<T> {
  return value === undefined ? { done: true, value: undefined } : { done: false, value };
}

export function iterateUntilUndefined<T>(next: () => Promise<T | undefined>): AsyncIterator<T> {
  return {
    next: (): Promise<IteratorResult<T>> => next().then(toResult),
    return: (): Promise<IteratorResult<T>> => Promise.resolve({ done: true, value: undefined }),
  };
}
