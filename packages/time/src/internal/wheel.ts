// The hierarchical timer wheel: how and why.
//
// Operations, and what they cost:
//   insert(entry, when)  O(1): compute the level and slot from `when` and the wheel's
//                        `elapsed`, append the entry to that slot's list, set one bit.
//   remove(entry)        O(1): unlink from the slot's doubly-linked list; clear the bit if
//                        the slot became empty.
//   nextExpiration()     O(levels): per level, the next occupied slot is found from the
//                        occupancy bitmap (two 32-bit words, count-trailing-zeros), never by
//                        scanning slots.
//   poll(now, expire)    amortised O(1) per entry per level: the entries of every slot whose
//                        time has come are either expired (handed to `expire` in order, or
//                        moved to the pending list) or re-inserted lower ("cascading").
//
// Shape (Tokio's `runtime/time/wheel`): 6 levels of 64 slots, 1 ms resolution. A slot of
// level L spans 64^L ms, so level L covers 64^(L+1) ms and the whole wheel 2^36 ms (about
// 2.2 years). An entry sits at the lowest level L at which `when` and `elapsed` agree on
// every bit above level L (bits 6(L+1) and up); its slot is `when`'s 6-bit digit of level
// L. Hence, at any moment:
//   - every entry of level L expires before every entry of level L+1, so the next
//     expiration is the first occupied slot of the lowest non-empty level;
//   - a level-0 slot holds entries of exactly one deadline (one millisecond);
//   - when `elapsed` reaches the start of a level-L slot (L > 0), the slot's entries are
//     taken out and re-inserted, landing on lower levels (or expiring at once).
// Deadlines more than 2^36 - 1 ms ahead are clamped to the top level: their slot comes up
// early, they are found not yet due and re-inserted (re-cascaded) until they are.
//
// Order: lists are FIFO (append at the tail, take from the head), cascading takes a slot
// from its head, and an entry is always at the level that `elapsed` dictates, so entries
// with equal deadlines expire in insertion order.
//
// Entries are intrusive (the wheel links the caller's objects through their own
// `wheelPrev`/`wheelNext` fields and records the slot index in `slot`), so the wheel allocates
// nothing per timer. Slot heads and tails are flat arrays; index 384 is the pending list of
// expired entries waiting to be fired, so `remove` of an expired-but-not-yet-fired entry is
// the same O(1) unlink.
//
// Times are integer milliseconds (ticks) on the owning clock. 36-bit ticks do not fit JS
// bitwise operators (32-bit), so the top level is computed with division and the lower
// five levels (30 bits) with bitwise operators.

// Read inside this module through its own constants: an exported binding is a module cell even in
// its own module, read with a TDZ check each time, where TurboFan folds a module's own `const`
// (issue 16: @rt/net's README, pass eu30; this package's README, pass lc31).
const LEVEL_COUNT = 6;
const SLOT_COUNT = 64;
const MAX_TICKS = 2 ** 36 - 1;
/** Number of levels. */
export const LEVELS = LEVEL_COUNT;
/** Slots per level. */
export const SLOTS = SLOT_COUNT;
/** The furthest deadline (in ms from `elapsed`) the wheel places exactly; further ones are clamped to the top level. */
export const MAX_DURATION = MAX_TICKS;

const PENDING = LEVEL_COUNT * SLOT_COUNT; // 384: the index of the pending (expired) list
const NOT_LINKED = -1;
const LOW_BITS = 2 ** 30; // the five lower levels' worth of bits

/** A node the wheel links intrusively; subclass it to carry what firing needs. */
// The fields are assigned in the constructor, not declared with initializers: a class field is
// defined with [[DefineOwnProperty]] (TypeScript emits ES2022 fields), which V8 runs ~2× slower
// than a plain store, and an entry is made per timer (issue 16, "pass tm23"). Subclasses made per
// timer (Sleep) do the same.
export class WheelEntry {
  /** The tick at which the entry expires (valid while linked). */
  declare when: number;
  /** @internal list links, owned by the wheel. */
  declare wheelPrev: WheelEntry | null;
  /** @internal */
  declare wheelNext: WheelEntry | null;
  /**
   * @internal level * 64 + slot, 384 for the pending list; negative when not in the wheel
   * (-1; owners may use other negative values as their own state).
   */
  declare slot: number;

  constructor() {
    this.when = 0;
    this.wheelPrev = null;
    this.wheelNext = null;
    this.slot = NOT_LINKED;
  }

  /** True while the entry is in the wheel (waiting or expired-but-not-yet-taken). */
  get linked(): boolean {
    return this.slot >= 0;
  }
}

/**
 * Appends `entry` to the FIFO list `index` of `heads`/`tails`, linked through the entries'
 * wheel links, and sets its `slot`. Returns true when the list was empty (the wheel and the
 * near layer keep an occupancy bit per list).
 */
export function appendEntry(heads: (WheelEntry | null)[], tails: (WheelEntry | null)[], index: number, entry: WheelEntry, slot: number): boolean {
  const tail = tails[index] ?? null;
  entry.slot = slot;
  entry.wheelPrev = tail;
  entry.wheelNext = null;
  if (tail === null) heads[index] = entry;
  else tail.wheelNext = entry;
  tails[index] = entry;
  return tail === null;
}

/** Calls `visit` with every entry of the lists of `heads` (no list may change meanwhile). */
export function eachEntry(heads: (WheelEntry | null)[], visit: (entry: WheelEntry) => void): void {
  for (const head of heads) {
    for (let entry = head; entry !== null; entry = entry.wheelNext) visit(entry);
  }
}

/** Unlinks `entry` from the list `index` (O(1)); returns true when the list became empty. */
export function unlinkEntry(heads: (WheelEntry | null)[], tails: (WheelEntry | null)[], index: number, entry: WheelEntry): boolean {
  const prev = entry.wheelPrev;
  const next = entry.wheelNext;
  if (prev === null) heads[index] = next;
  else prev.wheelNext = next;
  if (next === null) tails[index] = prev;
  else next.wheelPrev = prev;
  entry.wheelPrev = entry.wheelNext = null;
  entry.slot = NOT_LINKED;
  return heads[index] === null;
}

/** Span in ticks of one slot of each level (64^level), a table: `**` is a call to `pow` per use. */
const SLOT_RANGES: readonly number[] = Array.from({ length: LEVEL_COUNT }, (_, level) => SLOT_COUNT ** level);
/** Span in ticks of the whole of each level (64^(level + 1)). */
const LEVEL_RANGES: readonly number[] = Array.from({ length: LEVEL_COUNT }, (_, level) => SLOT_COUNT ** (level + 1));

/** Span in ticks of one slot of `level`. */
function slotRange(level: number): number {
  return SLOT_RANGES[level] ?? SLOT_COUNT ** level;
}

/** Span in ticks of the whole of `level`. */
function levelRange(level: number): number {
  return LEVEL_RANGES[level] ?? SLOT_COUNT ** (level + 1);
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * The level at which an entry due at `when` sits while the wheel is at `elapsed`
 * (`when > elapsed`).
 */
export function levelFor(elapsed: number, when: number): number {
  // Fast path: both fit 30 bits (the first ~12 days of a clock), so the top digit agrees.
  if (when < LOW_BITS && elapsed < LOW_BITS) return ((31 - Math.clz32((when ^ elapsed) | (SLOT_COUNT - 1))) / 6) | 0;
  if (when - elapsed > MAX_TICKS) return LEVEL_COUNT - 1;
  const highWhen = Math.floor(when / LOW_BITS);
  const highElapsed = Math.floor(elapsed / LOW_BITS);
  if (highWhen !== highElapsed) return LEVEL_COUNT - 1;
  // `| 63` so that a difference in the level-0 digit alone still gives level 0.
  const masked = ((when % LOW_BITS) ^ (elapsed % LOW_BITS)) | (SLOT_COUNT - 1);
  const significant = 31 - Math.clz32(masked);
  return Math.floor(significant / 6);
}

/** The slot of `when` at `level`. */
function slotFor(when: number, level: number): number {
  if (level === LEVEL_COUNT - 1) return Math.floor(when / LOW_BITS) % SLOT_COUNT;
  if (when < LOW_BITS) return (when >>> (level * 6)) & (SLOT_COUNT - 1);
  return ((when % LOW_BITS) >>> (level * 6)) & (SLOT_COUNT - 1);
}

/**
 * A six-level hierarchical timing wheel over caller-provided entries.
 *
 * It only keeps order: it knows no clock and fires nothing. The owner calls `poll(now)`
 * when time has moved, then takes the expired entries with `popExpired()` in deadline
 * order (insertion order among equal deadlines).
 */
export class Wheel<E extends WheelEntry = WheelEntry> {
  /** The tick up to which the wheel has been polled. */
  private elapsedTicks = 0;
  /** Entries linked (in a slot or in the pending list). */
  private count = 0;
  private readonly heads: (WheelEntry | null)[] = new Array<WheelEntry | null>(PENDING + 1).fill(null);
  private readonly tails: (WheelEntry | null)[] = new Array<WheelEntry | null>(PENDING + 1).fill(null);
  /** Occupancy: for each level, bits 0–31 then bits 32–63. */
  private readonly occupied = new Uint32Array(LEVEL_COUNT * 2);

  constructor(start = 0) {
    this.elapsedTicks = start;
  }

  /** The tick up to which the wheel has been polled. */
  get elapsed(): number {
    return this.elapsedTicks;
  }

  /** Entries in the wheel, including expired ones not yet taken by `popExpired`. */
  get size(): number {
    return this.count;
  }

  /** True when `popExpired` would return an entry. */
  get hasExpired(): boolean {
    return this.heads[PENDING] !== null;
  }

  /**
   * Inserts `entry` to expire at tick `when` (an integer). Returns false, and links
   * nothing, when `when <= elapsed`: the entry is already due and the caller fires it.
   * The entry must not be linked.
   */
  insert(entry: E, when: number): boolean {
    if (entry.slot >= 0) throw new Error('wheel: entry is already linked');
    entry.when = when;
    if (when <= this.elapsedTicks) return false;
    this.place(entry);
    this.count++;
    return true;
  }

  /** Unlinks `entry` wherever it is (slot or pending list); a no-op when it is not linked. */
  remove(entry: E): void {
    if (entry.slot < 0) return;
    this.unlink(entry);
    this.count--;
  }

  /**
   * The earliest tick at which `poll` has work: an expiry or a cascade (so it may be
   * earlier than every entry's deadline). Undefined when the wheel is empty of waiting
   * entries (expired entries not yet taken do not count).
   */
  nextExpiration(): number | undefined {
    for (let level = 0; level < LEVEL_COUNT; level++) {
      const deadline = this.levelNextExpiration(level);
      if (deadline !== undefined) return deadline;
    }
    return undefined;
  }

  /**
   * Advances the wheel to tick `now` (never backwards): every entry due at or before `now`
   * expires, in deadline order, and every slot reached cascades. An expired entry is
   * unlinked and handed to `expire` at once if given (it may insert and remove entries,
   * the wheel stays consistent), else moved to the pending list for `popExpired`.
   */
  poll(now: number, expire?: (entry: E) => void): void {
    for (;;) {
      let level = 0;
      let deadline: number | undefined;
      for (; level < LEVEL_COUNT; level++) {
        deadline = this.levelNextExpiration(level);
        if (deadline !== undefined) break;
      }
      if (deadline === undefined || deadline > now) break;
      this.processSlot(level, deadline, expire);
    }
    if (now > this.elapsedTicks) this.elapsedTicks = now;
  }

  /** Takes the next expired entry (in deadline, then insertion, order), or null. */
  popExpired(): E | null {
    const entry = this.heads[PENDING] ?? null;
    if (entry === null) return null;
    this.unlink(entry);
    this.count--;
    return entry as E;
  }

  /** Calls `visit` with every entry (waiting or expired); it must not change the wheel. */
  each(visit: (entry: E) => void): void {
    eachEntry(this.heads, visit as (entry: WheelEntry) => void);
  }

  /** Unlinks every entry (waiting or expired) and returns them, for shutdown. */
  drain(): E[] {
    const all: E[] = [];
    for (let index = 0; index <= PENDING; index++) {
      let entry = this.heads[index] ?? null;
      while (entry !== null) {
        const next: WheelEntry | null = entry.wheelNext;
        entry.wheelPrev = entry.wheelNext = null;
        entry.slot = NOT_LINKED;
        all.push(entry as E);
        entry = next;
      }
      this.heads[index] = this.tails[index] = null;
    }
    this.occupied.fill(0);
    this.count = 0;
    return all;
  }

  private processSlot(level: number, deadline: number, expire: ((entry: E) => void) | undefined): void {
    // Time has reached the slot's start: every entry in it is due at or after `deadline`.
    // Entries are taken one at a time from the head, so the list is consistent whenever
    // `expire` runs: it may remove any entry, and what it inserts never lands in this slot
    // (a new entry is due after `deadline`, so it sits on a lower level or in another slot).
    // The exception: a clamped far-future entry of the top level may belong to this very
    // slot again; those are put back after the walk.
    this.elapsedTicks = deadline;
    const slot = slotFor(deadline, level);
    const index = level * SLOT_COUNT + slot;
    let wrapped: WheelEntry[] | undefined;
    for (let entry = this.heads[index] ?? null; entry !== null; entry = this.heads[index] ?? null) {
      this.unlink(entry);
      if (entry.when > deadline) {
        if (level === LEVEL_COUNT - 1 && levelFor(deadline, entry.when) === level && slotFor(entry.when, level) === slot) {
          (wrapped ??= []).push(entry);
        } else {
          this.place(entry);
        }
      } else if (expire === undefined) {
        this.append(PENDING, entry);
      } else {
        this.count--;
        expire(entry as E);
      }
    }
    if (wrapped !== undefined) for (const entry of wrapped) this.place(entry);
  }

  private place(entry: WheelEntry): void {
    const level = levelFor(this.elapsedTicks, entry.when);
    const slot = slotFor(entry.when, level);
    this.append(level * SLOT_COUNT + slot, entry);
    this.setBit(level, slot);
  }

  private append(index: number, entry: WheelEntry): void {
    appendEntry(this.heads, this.tails, index, entry, index);
  }

  private unlink(entry: WheelEntry): void {
    const index = entry.slot;
    if (unlinkEntry(this.heads, this.tails, index, entry) && index !== PENDING) {
      const level = (index / SLOT_COUNT) | 0;
      this.clearBit(level, index - level * SLOT_COUNT);
    }
  }

  private setBit(level: number, slot: number): void {
    const word = level * 2 + (slot >>> 5);
    this.occupied[word] = (this.occupied[word] ?? 0) | (1 << (slot & 31));
  }

  private clearBit(level: number, slot: number): void {
    const word = level * 2 + (slot >>> 5);
    this.occupied[word] = (this.occupied[word] ?? 0) & ~(1 << (slot & 31));
  }

  /** The tick at which the next occupied slot of `level` comes up, or undefined. */
  private levelNextExpiration(level: number): number | undefined {
    const low = this.occupied[level * 2] ?? 0;
    const high = this.occupied[level * 2 + 1] ?? 0;
    if (low === 0 && high === 0) return undefined;
    const range = slotRange(level);
    const now = this.elapsedTicks;
    const nowSlot = Math.floor(now / range) % SLOT_COUNT;
    // Search from the slot after the current one: below the top level the current slot is
    // never occupied; at the top level it holds only wrapped entries, due last.
    const slot = firstSetFrom(low, high, (nowSlot + 1) % SLOT_COUNT);
    const wholeRange = levelRange(level);
    const levelStart = now - (now % wholeRange);
    let deadline = levelStart + slot * range;
    // Below the top level an entry's digit is always ahead of `elapsed`'s, so its slot is
    // in the future. At the top level, clamped far-future entries make the slots a ring: a
    // slot at or before the current one means the next rotation.
    if (deadline <= now) deadline += wholeRange;
    return deadline;
  }
}

/** The first set bit at index >= start, wrapping around to the lowest set bit. */
function firstSetFrom(low: number, high: number, start: number): number {
  if (start < 32) {
    const masked = low & (-1 << start);
    if (masked !== 0) return ctz(masked);
    if (high !== 0) return 32 + ctz(high);
  } else {
    const masked = high & (-1 << (start - 32));
    if (masked !== 0) return 32 + ctz(masked);
  }
  if (low !== 0) return ctz(low);
  return 32 + ctz(high);
}
