/**
 * Leaves `then` (with `constructor` and the `kept` keys) alone on a thenable class's prototype and
 * moves its other own properties, descriptors unchanged, into one object put between it and its
 * old prototype. Every `await x` (and `Promise.resolve(x)`, a resolve with `x`, `return x` in an
 * async function) looks `then` up with the engine's uncached, generic `GetProperty` (called from
 * `ResolvePromise`), which scans a prototype of at most eight properties from its first and
 * binary-searches a larger one: on Node 24.22 a `then` among ten properties cost ~33 instructions
 * more per await than among two (issue 16, pass sj29, for `JoinHandle`; pass pp30 for the oneshot
 * `Receiver` and `Sleep`). Nothing else changes: `instanceof`, `Object.getPrototypeOf(x) ===
 * Class.prototype`, every method, accessor and symbol marker found through the chain. Keep a
 * method here whose `super` calls need its home object's place (`JoinHandle`'s `abort`). Call it
 * once per class, at module load, after every property of the prototype is defined.
 */
export function keepThenAlone(prototype: object, ...kept: PropertyKey[]): void {
  const methods: object = Object.create(Object.getPrototypeOf(prototype) as object | null) as object;
  for (const key of Reflect.ownKeys(prototype)) {
    if (key === 'constructor' || key === 'then' || kept.includes(key)) continue;
    Object.defineProperty(methods, key, Object.getOwnPropertyDescriptor(prototype, key)!);
    Reflect.deleteProperty(prototype, key);
  }
  Object.setPrototypeOf(prototype, methods);
}
