import fc from 'fast-check';
import { createHistogram } from 'node:perf_hooks';
import { NanoHistogram } from '../src/internal/histogram.js';

/** The nearest-rank percentile of `sorted` (what HDR histograms report, up to their bucket width). */
function exact(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('NanoHistogram', () => {
  it('is all 0 while empty', () => {
    const h = new NanoHistogram();
    expect([h.count, h.min, h.max, h.mean, h.percentile(50), h.percentile(99)]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts values below 2048 exactly, and 0', () => {
    const h = new NanoHistogram();
    for (const v of [0, 1, 2, 3, 2047]) h.record(v);
    expect(h).toMatchObject({ count: 5, min: 0, max: 2047 });
    expect(h.mean).toBeCloseTo(2053 / 5, 10);
    expect(h.percentile(20)).toBe(0);
    expect(h.percentile(50)).toBe(2);
    expect(h.percentile(80)).toBe(3);
    expect(h.percentile(100)).toBe(2047);
  });

  it('keeps count, min, max and mean exact and percentiles within 0.1 % (fuzz, against a sorted copy)', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 32 + 10 }), fc.integer({ min: 0, max: 2 ** 43 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const h = new NanoHistogram();
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        expect(h.count).toBe(values.length);
        expect(h.min).toBe(sorted[0]);
        expect(h.max).toBe(sorted[sorted.length - 1]);
        expect(h.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 0);
        const want = exact(sorted, p);
        const got = h.percentile(p);
        // Values past 2^42 ns (about 73 min) share the last bucket: only clamped to [min, max].
        if (want < 2 ** 42) {
          expect(got).toBeGreaterThanOrEqual(want);
          expect(got).toBeLessThanOrEqual(Math.max(want, want * (1 + 2 ** -10)));
        }
        expect(got).toBeGreaterThanOrEqual(h.min);
        expect(got).toBeLessThanOrEqual(h.max);
      }),
      { numRuns: 300 },
    );
  });

  it('reports what Node\'s HDR histogram reports, to its precision', () => {
    const ours = new NanoHistogram();
    const node = createHistogram();
    for (let i = 1; i <= 20_000; i++) {
      const v = Math.round(1000 * Math.exp((i % 97) / 7) + i);
      ours.record(v);
      node.record(v);
    }
    for (const p of [1, 50, 90, 99, 99.9]) {
      const want = node.percentile(p);
      expect(Math.abs(ours.percentile(p) - want)).toBeLessThanOrEqual(want * 2 ** -9);
    }
    // HDR reports min, max and mean from its buckets; ours are exact.
    expect(Math.abs(ours.min - node.min)).toBeLessThanOrEqual(node.min * 2 ** -9);
    expect(Math.abs(ours.max - node.max)).toBeLessThanOrEqual(node.max * 2 ** -9);
    expect(Math.abs(ours.mean - node.mean)).toBeLessThanOrEqual(node.mean * 2 ** -9);
  });

  it('counts samples kept by addMs (ms, rounded to ns) as record does, whenever it is read (fuzz, across its 512-sample batches)', () => {
    const ms = fc.oneof(fc.double({ min: 0, max: 0.005, noNaN: true }), fc.double({ min: 0, max: 5000, noNaN: true }));
    fc.assert(
      fc.property(fc.array(ms, { minLength: 0, maxLength: 1300 }), fc.array(fc.nat(1300), { maxLength: 4 }), (samples, readsAt) => {
        const kept = new NanoHistogram();
        const direct = new NanoHistogram();
        samples.forEach((sample, i) => {
          kept.addMs(sample);
          direct.record(Math.round(sample * 1e6));
          // A read in between sees every sample added so far.
          if (readsAt.includes(i)) expect([kept.count, kept.min, kept.max, kept.mean]).toEqual([direct.count, direct.min, direct.max, direct.mean]);
        });
        expect([kept.count, kept.min, kept.max, kept.mean]).toEqual([direct.count, direct.min, direct.max, direct.mean]);
        for (const p of [1, 50, 99, 100]) expect(kept.percentile(p)).toBe(direct.percentile(p));
        // record after addMs keeps both.
        kept.record(7);
        direct.record(7);
        expect(kept.count).toBe(samples.length + 1);
        expect(kept.percentile(50)).toBe(direct.percentile(50));
      }),
      { numRuns: 60 },
    );
  });
});
