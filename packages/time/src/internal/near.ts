// The near layer: 4,096 one-millisecond buckets in front of the wheel (issue 16).
//
// Why: the wheel's level 0 spans only 64 ms, so a timer due in 64–4,095 ms waits on level 1
// and is moved ("cascaded") to level 0 when its 64-ms slot comes up: one more visit to a cold
// object per timer, and the whole slot (at a million timers a second, ~64,000 of them) moved
// in the one turn that fires the slot's first millisecond. Timers due within the next ~4 s
// (most sleeps and timeouts) go here instead, straight into the bucket of their own tick, and
// are visited once, when they fire.
//
// Why 4,096 and not 1,024: the horizon counts from the last tick fired (the cursor), not from
// the clock, and the cursor stands still while a long synchronous stretch runs. A loop that
// schedules a million sleeps of 0–1,000 ms runs for 1–5 s of wall time on a loaded machine,
// so with 1,024 buckets most of its timers overflowed to the wheel and were moved once more
// before firing (`benchmarks/time.bench.mjs`, Node 20, alternating builds: firing
// 738–989 → 470–586 ms of CPU, median lateness 848–2,125 → 360–819 ms; total CPU equal within
// noise, as inserting into 4,096 buckets touches colder list tails). The cost is memory: two
// arrays of 4,096 slots (64 KiB) per runtime that uses timers.
//
// How: bucket `tick & (NEAR - 1)` holds the entries due at exactly `tick`, for ticks in
// (cursor, cursor + NEAR): an intrusive FIFO list through the entries' wheel links (so insert
// and remove are O(1) and equal deadlines fire in insertion order), an occupancy bitmap finds
// the next occupied bucket. An entry here has `slot` = NEAR_SLOT + bucket, which the wheel
// never uses; the driver routes `remove` by it. The driver merges this layer with the wheel
// in deadline order; at equal deadlines the wheel's entries fire first, which is insertion
// order: an entry goes to the wheel only when its deadline was further than the horizon, so
// any entry due at the same tick that came here was inserted later (the cursor only moves on).
import { WheelEntry, appendEntry as appendEntryOf, eachEntry, unlinkEntry as unlinkEntryOf } from './wheel.js';

// Module-local copies of the imports read at every insert and removal (an imported binding is read
// through its module cell with a TDZ check each time: @rt/net's README, pass eu30).
const appendEntry = appendEntryOf;
const unlinkEntry = unlinkEntryOf;

// Read inside this module through its own constants: an exported binding is a module cell even in
// its own module, read with a TDZ check each time, where TurboFan folds a module's own `const`
// (issue 16: @rt/net's README, pass eu30; this package's README, pass lc31).
const HORIZON = 4096;
const FIRST_SLOT = 1024;
/** Buckets (one per millisecond): the horizon of the layer. */
export const NEAR = HORIZON;
const MASK = HORIZON - 1;
/** `slot` of an entry in bucket b is NEAR_SLOT + b, up to NEAR_SLOT + NEAR - 1 (the wheel's slots are 0–384). */
export const NEAR_SLOT = FIRST_SLOT;

export class NearLayer<E extends WheelEntry = WheelEntry> {
  /** Every tick up to the cursor has been fired. */
  private cursor: number;
  private count = 0;
  private readonly heads: (WheelEntry | null)[] = new Array<WheelEntry | null>(HORIZON).fill(null);
  private readonly tails: (WheelEntry | null)[] = new Array<WheelEntry | null>(HORIZON).fill(null);
  private readonly occupied = new Uint32Array(HORIZON / 32);

  constructor(start: number) {
    this.cursor = start;
  }

  /** Entries in the layer. */
  get size(): number {
    return this.count;
  }

  /** True when `entry` is in this layer. */
  static holds(entry: WheelEntry): boolean {
    return entry.slot >= FIRST_SLOT;
  }

  /**
   * Takes `entry`, due at tick `when`, if `when` is within the horizon (after the cursor and
   * less than NEAR ticks ahead of it); returns false, linking nothing, otherwise. `now` (a
   * whole tick) lets an empty layer catch up with the clock first.
   */
  tryInsert(entry: E, when: number, now: number): boolean {
    if (this.count === 0 && now > this.cursor) this.cursor = now;
    const ahead = when - this.cursor;
    if (ahead <= 0 || ahead >= HORIZON) return false;
    const bucket = when & MASK;
    entry.when = when;
    if (appendEntry(this.heads, this.tails, bucket, entry, FIRST_SLOT + bucket)) {
      this.occupied[bucket >>> 5] = (this.occupied[bucket >>> 5] ?? 0) | (1 << (bucket & 31));
    }
    this.count++;
    return true;
  }

  /** Unlinks `entry` (which must be in this layer). */
  remove(entry: E): void {
    const bucket = entry.slot - FIRST_SLOT;
    this.count--;
    if (unlinkEntry(this.heads, this.tails, bucket, entry)) {
      this.occupied[bucket >>> 5] = (this.occupied[bucket >>> 5] ?? 0) & ~(1 << (bucket & 31));
    }
  }

  /** The tick of the next occupied bucket, or undefined when the layer is empty. */
  nextTick(): number | undefined {
    if (this.count === 0) return undefined;
    const start = (this.cursor + 1) & MASK;
    // Words from the start bucket's word on, wrapping round once (the start word twice: its
    // bits from the start, then, after wrapping, its bits before the start).
    for (let step = 0; step <= HORIZON / 32; step++) {
      const index = ((start >>> 5) + step) & (HORIZON / 32 - 1);
      let word = this.occupied[index] ?? 0;
      if (step === 0) word &= -1 << (start & 31);
      if (word === 0) continue;
      const bucket = index * 32 + (31 - Math.clz32(word & -word));
      return this.cursor + 1 + ((bucket - start) & MASK);
    }
    return undefined;
  }

  /** Fires every entry of tick `tick` (the next occupied one), in insertion order. */
  fire(tick: number, expire: (entry: E) => void): void {
    this.cursor = tick;
    const bucket = tick & MASK;
    for (let entry = this.heads[bucket] ?? null; entry !== null; entry = this.heads[bucket] ?? null) {
      this.remove(entry as E);
      expire(entry as E);
    }
  }

  /** Moves the cursor to `now` once nothing is due up to it. */
  advance(now: number): void {
    if (now > this.cursor) this.cursor = now;
  }

  /** Calls `visit` with every entry; it must not change the layer. */
  each(visit: (entry: E) => void): void {
    eachEntry(this.heads, visit as (entry: WheelEntry) => void);
  }

  /** Unlinks every entry and returns them, for shutdown. */
  drain(): E[] {
    const all: E[] = [];
    for (let bucket = 0; bucket < HORIZON; bucket++) {
      for (let entry = this.heads[bucket] ?? null; entry !== null; entry = this.heads[bucket] ?? null) {
        this.remove(entry as E);
        all.push(entry as E);
      }
    }
    return all;
  }
}
