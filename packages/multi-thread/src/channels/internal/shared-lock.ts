// A futex-style mutex on one Int32 word of shared memory (Drepper, "Futexes are tricky",
// mutex 2): 0 unlocked, 1 locked, 2 locked with waiters. Critical sections in this package
// are a few loads/stores and one memcpy, so contention is short; a contended locker sleeps
// in `Atomics.wait` (allowed on Node's main thread too) instead of spinning.

export function lock(words: Int32Array, index: number): void {
  let c = Atomics.compareExchange(words, index, 0, 1);
  if (c === 0) return;
  // A few spins first: the holder is usually done within a microsecond.
  for (let spin = 0; spin < 64; spin++) {
    c = Atomics.compareExchange(words, index, 0, 1);
    if (c === 0) return;
  }
  if (c !== 2) c = Atomics.exchange(words, index, 2);
  while (c !== 0) {
    Atomics.wait(words, index, 2);
    c = Atomics.exchange(words, index, 2);
  }
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.sub(words, index, 1) !== 1) {
    Atomics.store(words, index, 0);
    Atomics.notify(words, index, 1);
  }
}
