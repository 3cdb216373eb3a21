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
/** Doubles per worker: a "written" flag, then FIELDS for each of KEYS. */
const SLOT = 1 + KEYS.length * FIELDS.length;

/** The shared buffer for `workers` workers. */
export function histogramBuffer(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer(workers * SLOT * Float64Array.BYTES_PER_ELEMENT);
}

/** Worker side: writes `histograms` into worker `index`'s slot. */
export function publishHistograms(buffer: SharedArrayBuffer, index: number, histograms: RuntimeHistograms): void {
  const cells = new Float64Array(buffer, index * SLOT * Float64Array.BYTES_PER_ELEMENT, SLOT);
  let at = 1;
  for (const key of KEYS) for (const field of FIELDS) cells[at++] = histograms[key][field];
  cells[0] = 1;
}

/** Supervisor side: worker `index`'s last published histograms, undefined if it never published. */
export function readHistograms(buffer: SharedArrayBuffer, index: number): RuntimeHistograms | undefined {
  const cells = new Float64Array(buffer, index * SLOT * Float64Array.BYTES_PER_ELEMENT, SLOT);
  if (cells[0] !== 1) return undefined;
  let at = 1;
  const read = (): LatencyHistogram => {
    const summary: Record<string, number> = {};
    for (const field of FIELDS) summary[field] = cells[at++]!;
    return summary as unknown as LatencyHistogram;
  };
  return { pollMs: read(), scheduleDelayMs: read(), eventLoopDelayMs: read() };
}

/** Supervisor side: forgets worker `index`'s figures (it exited; a replacement starts afresh). */
export function clearHistograms(buffer: SharedArrayBuffer, index: number): void {
  new Float64Array(buffer, index * SLOT * Float64Array.BYTES_PER_ELEMENT, SLOT).fill(0);
}
