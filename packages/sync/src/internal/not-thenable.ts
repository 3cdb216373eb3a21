/**
 * Defines `then` as `undefined` (read-only, not enumerable) on a class's prototype: what the
 * locks' acquire promises resolve with (a permit, a guard) is found not to be a thenable at its
 * first prototype, instead of by a miss through `Object.prototype`. Resolving a promise with an
 * object looks its `then` up (V8's generic `GetProperty`: ~240 of the ~1,250 instructions of an
 * uncontended `Semaphore(1)` acquire + release on Node 26 went to that miss). Nothing else
 * changes: `await` and `Promise.resolve` treat an object whose `then` is not callable as a plain
 * value, as before. Call it once per class, at module load.
 */
export function notThenable(prototype: object): void {
  Object.defineProperty(prototype, 'then', { value: undefined, writable: false, enumerable: false, configurable: false });
}
