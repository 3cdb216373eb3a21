// The soak's growth check must ignore noise and catch leaks (src/series.ts).
import fc from 'fast-check';
import { judge, kendallTau, toCsv, toSvg } from '../src/series.js';
import type { Sample } from '../src/sample.js';

function series(f: (t: number) => number, seconds = 30): Sample[] {
  return Array.from({ length: seconds }, (_, i) => {
    const t = i + 1;
    const v = f(t);
    return { t, rssMiB: v, heapMiB: v / 2, fds: 20, tasks: 5, timers: 30, registered: 3 };
  });
}

describe('judge', () => {
  it('passes flat series with GC-like sawtooth noise', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 60, maxLength: 60 }), (noise) => {
        const verdicts = judge(series((t) => 100 + ((t * 7) % 13) + noise[t - 1]!, 60));
        expect(verdicts.filter((v) => v.grows)).toEqual([]);
      }),
    );
  });

  it('passes a small rise in a short run (allocator noise) however steady', () => {
    expect(judge(series((t) => 160 + t * 0.4)).filter((v) => v.grows)).toEqual([]);
  });

  it('passes a one-off step (a pool that grew once) but fails steady growth', () => {
    expect(judge(series((t) => (t < 20 ? 100 : 120))).filter((v) => v.grows)).toEqual([]);
    const leak = judge(series((t) => 100 + t * 3 + Math.sin(t) * 0.3));
    expect(leak.find((v) => v.key === 'rssMiB')!.grows).toBe(true);
    expect(leak.find((v) => v.key === 'heapMiB')!.grows).toBe(true);
  });

  it('fails an fd or task count that keeps rising', () => {
    const samples = series(() => 100).map((s, i) => ({ ...s, fds: 20 + i, tasks: 5 + i }));
    const growing = judge(samples).filter((v) => v.grows).map((v) => v.key);
    expect(growing).toEqual(['fds', 'tasks']);
  });
});

describe('kendallTau', () => {
  it('is 1 for a rising series, -1 for a falling one and 0 for a constant one', () => {
    expect(kendallTau([1, 2, 3, 4])).toBe(1);
    expect(kendallTau([4, 3, 2, 1])).toBe(-1);
    expect(kendallTau([2, 2, 2])).toBe(0);
  });
});

describe('toCsv and toSvg', () => {
  it('write one row per sample and one panel per series', () => {
    const samples = series((t) => 50 + 3 * t);
    const csv = toCsv(samples, samples.map(() => ({ redisOps: 10 })));
    expect(csv.split('\n')[0]).toBe('t,rssMiB,heapMiB,fds,tasks,timers,registered,redisOps');
    expect(csv.trim().split('\n')).toHaveLength(31);
    const svg = toSvg(samples, judge(samples), 'a <title> & more');
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/<polyline/g)).toHaveLength(6);
    expect(svg).toContain('a &lt;title&gt; &amp; more');
    expect(svg).toContain('GROWS');
  });
});
