// The clock is private machinery (src/internal/), so this test imports it by path.
import { Clock } from '../../src/internal/clock.js';

describe('Clock', () => {
  it('reads real, monotonic time while running', () => {
    const clock = new Clock();
    const first = clock.now();
    const second = clock.now();
    expect(clock.paused).toBe(false);
    expect(second).toBeGreaterThanOrEqual(first);
  });

  it('stands still while paused and moves only by advance', () => {
    const clock = new Clock(true);
    const at = clock.now();
    expect(clock.paused).toBe(true);
    expect(clock.now()).toBe(at);
    clock.advance(3_600_000);
    expect(clock.now()).toBe(at + 3_600_000);
  });

  it('resumes from the advanced reading, never going backwards', () => {
    const clock = new Clock();
    expect(clock.pause()).toBe(true);
    expect(clock.pause()).toBe(false);
    const at = clock.now();
    clock.advance(1000);
    expect(clock.resume()).toBe(true);
    expect(clock.resume()).toBe(false);
    expect(clock.now()).toBeGreaterThanOrEqual(at + 1000);
  });

  it('refuses to advance a running clock', () => {
    expect(() => new Clock().advance(1)).toThrow(/running clock/);
  });
});
