// The README's and the package guide's examples, run as written (minus network access).
import { Builder } from '@rt/scheduler';
import { Elapsed, Instant, MissedTickBehavior, advance, interval, pause, sleep, sleepUntil, timeout } from '@rt/time';

describe('examples', () => {
  it('sleep, timeout, interval and a scoped sleep on a paused runtime', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    const log = await runtime.run(async () => {
      const lines: string[] = [];
      const start = Instant.now();
      await sleep(100);
      lines.push(String(start.elapsed() >= 100));
      try {
        await timeout(5_000, (signal) => sleep(60_000, { signal }));
      } catch (error) {
        if (error instanceof Elapsed) lines.push('too slow; the request was aborted');
      }
      const ticker = interval(1_000);
      ticker.missedTickBehavior = MissedTickBehavior.Skip;
      for await (const at of ticker) {
        lines.push(`tick ${at.durationSince(start)}`);
        if (start.elapsed() > 7_000) break;
      }
      {
        using idle = sleep(30_000);
        lines.push(`idle until ${idle.deadline.durationSince(start)}`);
      }
      return lines;
    });
    expect(log).toEqual(['true', 'too slow; the request was aborted', 'tick 5100', 'tick 6100', 'tick 7100', 'idle until 37100']);
    await runtime.shutdown();
  });

  it('a one-hour sleep on a paused runtime, then a timeout', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    const result = await runtime.run(async () => {
      const start = Instant.now();
      await sleep(3_600_000);
      const elapsed = start.elapsed();
      const code = await timeout(10, sleep(1_000)).catch((error: Elapsed) => error.code);
      return { elapsed, code };
    });
    expect(result).toEqual({ elapsed: 3_600_000, code: 'ERR_RT_ELAPSED' });
    await runtime.shutdown();
  });

  it('pause, advance and sleepUntil', async () => {
    const runtime = Builder.currentThread().autoAdvance(false).build();
    await runtime.run(async () => {
      pause();
      const start = Instant.now();
      const done = sleepUntil(start.add(500)).then(() => 'done');
      await advance(500);
      expect(await done).toBe('done');
    });
    await runtime.shutdown();
  });
});
