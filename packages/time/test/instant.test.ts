import { Builder } from '@rt/scheduler';
import { Instant, advance, sleep } from '@rt/time';

describe('Instant', () => {
  it('reads the runtime clock: elapsed and durationSince follow the paused clock', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const start = Instant.now();
      expect(start.elapsed()).toBe(0);
      await advance(1_500);
      const later = Instant.now();
      expect(start.elapsed()).toBe(1_500);
      expect(later.durationSince(start)).toBe(1_500);
      expect(start.durationSince(later)).toBe(0); // saturates
      expect(later.add(10).elapsed()).toBe(0); // a future instant has not elapsed
    });
    await runtime.shutdown();
  });

  it('is monotonic on the real clock', async () => {
    const first = Instant.now();
    await sleep(1);
    const second = Instant.now();
    expect(second.isAfter(first)).toBe(true);
    expect(second.durationSince(first)).toBeGreaterThanOrEqual(1);
  });

  it('adds and subtracts durations', () => {
    const at = Instant.now();
    // Real-clock readings are fractional: compare up to floating-point rounding.
    expect(at.add(250).durationSince(at)).toBeCloseTo(250, 6);
    expect(at.durationSince(at.sub(250))).toBeCloseTo(250, 6);
    expect(at.add(0).equals(at)).toBe(true);
    expect(at.add(0.5).durationSince(at)).toBeCloseTo(0.5, 6);
  });

  it('compares instants', () => {
    const at = Instant.now();
    const later = at.add(1);
    expect(at.compare(later)).toBe(-1);
    expect(later.compare(at)).toBe(1);
    expect(at.compare(at.add(0))).toBe(0);
    expect(at.isBefore(later)).toBe(true);
    expect(later.isBefore(at)).toBe(false);
    expect(later.isAfter(at)).toBe(true);
    expect(at.equals(later)).toBe(false);
    expect(at < later).toBe(true); // valueOf
    expect(later.valueOf() - at.valueOf()).toBeCloseTo(1, 6);
    expect([later, at].sort((a, b) => a.compare(b))).toEqual([at, later]);
    expect(at.toString()).toMatch(/^Instant\(.* ms\)$/);
  });

  it('rejects bad durations with a RangeError and non-instants with a TypeError', () => {
    const at = Instant.now();
    expect(() => at.add(-1)).toThrow(RangeError);
    expect(() => at.sub(Number.NaN)).toThrow(/NaN/);
    expect(() => at.add(Infinity)).toThrow(RangeError);
    expect(() => at.add('1' as unknown as number)).toThrow(TypeError);
    expect(() => at.compare(5 as unknown as Instant)).toThrow(TypeError);
    expect(() => at.durationSince({} as Instant)).toThrow(TypeError);
  });
});
