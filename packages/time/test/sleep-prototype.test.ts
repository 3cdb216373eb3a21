import { Builder } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { Instant, Sleep, advance, sleep } from '@rt/time';

// Issue 16, pass pp30: every `await sleep(ms)` looks `then` up with the engine's uncached look-up,
// which scans a prototype of at most eight properties and binary-searches a larger one. So `then`
// sits on a short `Sleep.prototype`, the Sleep's other methods one prototype further.
describe('Sleep.prototype', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('owns `then` among at most eight properties', () => {
    const own = Reflect.ownKeys(Sleep.prototype);
    expect(own).toContain('then');
    expect(own.length).toBeLessThanOrEqual(8);
  });

  it('still gives every Sleep its methods', async () => {
    await runtime.run(async () => {
      const s = sleep(10);
      expect(s).toBeInstanceOf(Sleep);
      expect(Object.getPrototypeOf(s)).toBe(Sleep.prototype);
      expect(s.isElapsed).toBe(false);
      const deadline = s.deadline;
      s.reset(deadline.add(10));
      expect(s.deadline.durationSince(deadline)).toBe(10);
      const woke = s.then(() => 'woke');
      await advance(20);
      expect(await woke).toBe('woke');
      expect(s.isElapsed).toBe(true);
      const disposed = sleep(10);
      disposed[Symbol.dispose]();
      await expect(disposed).rejects.toThrow(/disposed/);
      expect(Instant.now()).toBeInstanceOf(Instant);
    });
  });
});
