// A latency histogram recorded in JavaScript: the instrumented runtime records one sample per
// task segment and per schedule delay, and a record through Node's `createHistogram()` is a call
// into C++ plus argument validation (about 20 ns measured on Node 20, against about 5 ns here).
//
// Buckets are HDR's log-linear layout: values below 2 * SUB are counted exactly; above, each
// power of two [2^e, 2^(e+1)) is split into SUB equal buckets, found with Math.clz32 and a
// shift (no logarithm per record). A bucket spans 2^-SUB_BITS of its values (0.1 %: HDR's
// "3 significant figures"); count, min, max and mean are exact. The counts array (SUB per
// power of two up to 2^MAX_EXP ns, about 2.4 h; larger values count in the last bucket) is
// allocated at the first record.

const SUB_BITS = 10;
const SUB = 1 << SUB_BITS;
const MAX_EXP = 42;
/** Buckets: 2 * SUB exact ones, then SUB per power of two from 2^(SUB_BITS+1) to 2^MAX_EXP. */
const BUCKETS = (MAX_EXP - SUB_BITS + 1) * SUB;
const TWO_32 = 2 ** 32;
const TWO_31 = 2 ** 31;
const TWO_MAX = 2 ** MAX_EXP;
/** 2^i for i < MAX_EXP (divisions by them are exact). */
const POWERS = Float64Array.from({ length: MAX_EXP }, (_, i) => 2 ** i);

/** The bucket of `value`, an integer ≥ 0. */
function bucketOf(value: number): number {
  if (value < TWO_31) {
    // The usual sample (below 2^31 ns, about 2.1 s), as an int32: integer arithmetic only.
    const v = value | 0;
    if (v < 2 * SUB) return v;
    const e = 31 - Math.clz32(v);
    return ((e - SUB_BITS + 1) << SUB_BITS) + ((v >>> (e - SUB_BITS)) - SUB);
  }
  let exp: number;
  let top: number;
  if (value < TWO_32) {
    exp = 31 - Math.clz32(value);
    top = value >>> (exp - SUB_BITS);
  } else {
    // 2^32 ns (about 4.3 s) and up: the exponent from the high bits with clz32 again (no
    // logarithm or power: both are calls into C++, about 30x a record).
    if (value >= TWO_MAX) return BUCKETS - 1;
    exp = 32 + 31 - Math.clz32(Math.floor(value / TWO_32));
    top = Math.floor(value / POWERS[exp - SUB_BITS]!);
  }
  return (exp - SUB_BITS + 1) * SUB + (top - SUB);
}

/** The largest value that falls in `bucket`. */
function highestIn(bucket: number): number {
  if (bucket < 2 * SUB) return bucket;
  const block = Math.floor(bucket / SUB); // exp - SUB_BITS + 1
  const shift = block - 1;
  const top = SUB + (bucket - block * SUB);
  return (top + 1) * 2 ** shift - 1;
}

/**
 * Samples a NanoHistogram keeps (record) before counting them in one go: a segment's end
 * then pays a store and a compare, and the counting runs in one loop with the histogram's state
 * in locals instead of a call per sample that the segment code did not inline (scheduler
 * README, "Eleventh round").
 */
const PENDING = 512;

/** Integer samples (ns); what `summarize` in instrument.ts reads, as from Node's histograms. */
export class NanoHistogram {
  private total = 0;
  private low = 0;
  private high = 0;
  private sum = 0;
  private counts: Float64Array | undefined = undefined;
  /** Samples (ns) not counted yet (see record), the first `pendingCount` of them. */
  private readonly pending = new Float64Array(PENDING);
  private pendingCount = 0;

  /** How many samples. */
  get count(): number {
    if (this.pendingCount !== 0) this.settle();
    return this.total;
  }

  /** Smallest sample (0 while count is 0). */
  get min(): number {
    if (this.pendingCount !== 0) this.settle();
    return this.low;
  }

  /** Largest sample (0 while count is 0). */
  get max(): number {
    if (this.pendingCount !== 0) this.settle();
    return this.high;
  }

  /**
   * Records `value`, an integer ≥ 0 (ns). Like every sample it is counted when the histogram
   * is next read or PENDING samples have gathered, whichever comes first: every read (count,
   * min, max, mean, percentile) sees it.
   */
  record(value: number): void {
    const n = this.pendingCount;
    this.pending[n] = value;
    this.pendingCount = n + 1;
    if (n + 1 === PENDING) this.settle();
  }

  /** Records `ms` (≥ 0, a difference of clock reads in ms), rounded to whole ns (see record). */
  addMs(ms: number): void {
    this.record(Math.round(ms * 1e6));
  }

  /** Counts the kept samples. */
  private settle(): void {
    const pending = this.pending;
    const n = this.pendingCount;
    this.pendingCount = 0;
    const counts = (this.counts ??= new Float64Array(BUCKETS));
    let total = this.total;
    let low = this.low;
    let high = this.high;
    let sum = this.sum;
    if (total === 0 && n !== 0) low = Infinity;
    for (let i = 0; i < n; i++) {
      const value = pending[i]!;
      const bucket = bucketOf(value);
      counts[bucket] = counts[bucket]! + 1;
      if (value < low) low = value;
      if (value > high) high = value;
      sum += value;
    }
    total += n;
    this.total = total;
    this.low = low;
    this.high = high;
    this.sum = sum;
  }

  get mean(): number {
    const count = this.count; // settles
    return count === 0 ? 0 : this.sum / count;
  }

  /**
   * The value below or at which `p` percent of the samples fall (nearest rank), as the
   * highest value of its bucket clamped to [min, max]: within 0.1 % of the exact one.
   */
  percentile(p: number): number {
    const count = this.count; // settles
    const counts = this.counts;
    if (counts === undefined || count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    let seen = 0;
    for (let bucket = bucketOf(this.min); bucket < BUCKETS; bucket++) {
      seen += counts[bucket]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, highestIn(bucket)));
    }
    return this.max;
  }
}
