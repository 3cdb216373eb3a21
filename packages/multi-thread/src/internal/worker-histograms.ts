// Per-worker histograms in shared memory: `MultiThreadRuntime.metrics()` is synchronous (no
// round trip to the workers), so each instrumented worker copies the summaries of its runtime's
// three histograms (`metrics().histograms` of @rt/scheduler) into its slot of one
// SharedArrayBuffer every PUBLISH_INTERVAL ms (an unref'd timer) and when asked for its stats;
// the supervisor reads the slots.
import type { LatencyHistogram, RuntimeHistograms } from '@rt/scheduler';

/** How often (ms) an instrumented worker refreshes its slot. */
export const PUBLISH_INTERVAL = 100;

const KEYS = ['pollMs', 'scheduleDelayMs', 'eventLoopDelayMs'] as const;
const FIELDS = ['count', 'min', 'max', 'mean', 'p50', 'p99'] as const;
const VALUES = KEYS.length * FIELDS.length;
/**
 * Doubles per worker: a sequence word (an Int32 in the first double's bytes), then FIELDS for
 * each of KEYS. A seqlock: the writer makes the sequence odd, writes, makes it even; a reader
 * copies the values between two reads of an even, unchanged sequence, so it never returns half
 * of one publication and half of another. 0: never published.
 */
const SLOT = 1 + VALUES;
const BYTES = Float64Array.BYTES_PER_ELEMENT;
/** Reads tried before giving up on a slot being written (the writer may have died mid-write). */
const READ_TRIES = 64;

/** The shared buffer for `workers` workers. */
export function histogramBuffer(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer(workers * SLOT * BYTES);
}

/** Worker `index`'s sequence word (Int32 index into the buffer) and values. */
function slot(buffer: SharedArrayBuffer, index: number): { sequence: Int32Array; at: number; values: Float64Array } {
  return {
    sequence: new Int32Array(buffer),
    at: (index * SLOT * BYTES) / Int32Array.BYTES_PER_ELEMENT,
    values: new Float64Array(buffer, (index * SLOT + 1) * BYTES, VALUES),
  };
}

/** Worker side: writes `histograms` into worker `index`'s slot (one writer per slot). */
export function publishHistograms(buffer: SharedArrayBuffer, index: number, histograms: RuntimeHistograms): void {
  const { sequence, at, values } = slot(buffer, index);
  Atomics.add(sequence, at, 1); // odd: being written
  let i = 0;
  for (const key of KEYS) for (const field of FIELDS) values[i++] = histograms[key][field];
  Atomics.add(sequence, at, 1); // even: complete
}

/** The last complete publication each reader saw, per buffer and worker (see readHistograms). */
const lastRead = new WeakMap<SharedArrayBuffer, (RuntimeHistograms | undefined)[]>();

/**
 * Supervisor side: worker `index`'s last complete publication, undefined if it never published.
 * A read that overlaps a write is retried; if the slot stays mid-write (the worker died while
 * writing), the last complete publication this process read is returned.
 */
export function readHistograms(buffer: SharedArrayBuffer, index: number): RuntimeHistograms | undefined {
  const { sequence, at, values } = slot(buffer, index);
  let seen = lastRead.get(buffer);
  if (seen === undefined) lastRead.set(buffer, (seen = []));
  const copy = new Float64Array(VALUES);
  for (let tries = 0; tries < READ_TRIES; tries++) {
    const before = Atomics.load(sequence, at);
    if (before === 0) return undefined;
    if ((before & 1) !== 0) continue;
    copy.set(values);
    if (Atomics.load(sequence, at) !== before) continue;
    let i = 0;
    const read = (): LatencyHistogram => {
      const summary: Record<string, number> = {};
      for (const field of FIELDS) summary[field] = copy[i++]!;
      return summary as unknown as LatencyHistogram;
    };
    const histograms = { pollMs: read(), scheduleDelayMs: read(), eventLoopDelayMs: read() };
    seen[index] = histograms;
    return histograms;
  }
  return seen[index];
}

/** Supervisor side: forgets worker `index`'s figures (it exited; a replacement starts afresh). */
export function clearHistograms(buffer: SharedArrayBuffer, index: number): void {
  const { sequence, at, values } = slot(buffer, index);
  values.fill(0);
  Atomics.store(sequence, at, 0);
  const seen = lastRead.get(buffer);
  if (seen !== undefined) seen[index] = undefined;
}
