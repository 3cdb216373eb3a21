// The keyspace: binary-safe keys (latin1 strings, one char per byte) mapped to values
// (Buffers) with an optional deadline, on the runtime's clock so a paused test clock makes
// expiry deterministic.
//
// Expiry is Redis's: lazy (a read of an expired key deletes it and misses) plus an active
// sweep (`sweep`, called periodically by the server from an `@rt/time` interval) that walks
// the keys with a deadline round-robin, a bounded number per call, so memory held by keys
// nobody reads again is reclaimed without a stop-the-world scan.

/** A stored value and its deadline in runtime milliseconds (-1: none). */
interface Entry {
  value: Buffer;
  expiresAt: number;
}

/** Reply of `ttl`/`pttl`: -2 no such key, -1 no deadline, else the time left. */
export type TimeToLive = number;

/** The keyspace; see the file comment. */
export class Db {
  readonly #entries = new Map<string, Entry>();
  /** Keys that have a deadline, in sweep order. */
  readonly #volatile = new Set<string>();
  readonly #now: () => number;

  /** @param now the clock, in milliseconds (the runtime's `Instant.now()` in the server). */
  constructor(now: () => number) {
    if (typeof now !== 'function') throw new TypeError(`Db: now must be a function, got ${typeof now}`);
    this.#now = now;
  }

  /** Number of keys, expired ones not yet collected included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Number of keys with a deadline. */
  get volatileCount(): number {
    return this.#volatile.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt >= 0 && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      this.#volatile.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): Buffer | undefined {
    return this.#live(key)?.value;
  }

  has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  /**
   * Stores `value` (the Db keeps this Buffer: pass a copy). `expiresAt` is an absolute
   * deadline in clock milliseconds, or -1 for none; `keepTtl` keeps the current deadline.
   */
  set(key: string, value: Buffer, expiresAt: number, keepTtl = false): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      if (!keepTtl) this.#setDeadline(key, entry, expiresAt);
      return;
    }
    const created: Entry = { value, expiresAt: -1 };
    this.#entries.set(key, created);
    this.#setDeadline(key, created, expiresAt);
  }

  #setDeadline(key: string, entry: Entry, expiresAt: number): void {
    entry.expiresAt = expiresAt;
    if (expiresAt >= 0) this.#volatile.add(key);
    else if (this.#volatile.size !== 0) this.#volatile.delete(key);
  }

  delete(key: string): boolean {
    const live = this.#live(key) !== undefined;
    if (live) {
      this.#entries.delete(key);
      this.#volatile.delete(key);
    }
    return live;
  }

  /** Sets a deadline on an existing key; a deadline already passed deletes it. */
  expireAt(key: string, expiresAt: number): boolean {
    const entry = this.#live(key);
    if (entry === undefined) return false;
    if (expiresAt <= this.#now()) {
      this.#entries.delete(key);
      this.#volatile.delete(key);
    } else {
      this.#setDeadline(key, entry, expiresAt);
    }
    return true;
  }

  /** Milliseconds left: -2 when the key does not exist, -1 when it has no deadline. */
  pttl(key: string): TimeToLive {
    const entry = this.#live(key);
    if (entry === undefined) return -2;
    if (entry.expiresAt < 0) return -1;
    return Math.ceil(entry.expiresAt - this.#now());
  }

  /** The clock's current time in milliseconds. */
  now(): number {
    return this.#now();
  }

  /**
   * Active expiry: checks up to `budget` keys that have a deadline, deletes the expired ones,
   * and returns how many it deleted. Keys still alive move to the back of the queue.
   */
  sweep(budget: number): number {
    const now = this.#now();
    let removed = 0;
    let checked = 0;
    for (const key of this.#volatile) {
      if (checked++ >= budget) break;
      this.#volatile.delete(key);
      const entry = this.#entries.get(key);
      if (entry === undefined || entry.expiresAt < 0) continue;
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        removed++;
      } else {
        this.#volatile.add(key);
      }
    }
    return removed;
  }

  clear(): void {
    this.#entries.clear();
    this.#volatile.clear();
  }
}
