import { test as rtTest } from '@rt/macros';
import { Handle, spawn } from '@rt/scheduler';
import { Instant, sleep } from '@rt/time';

describe('test', () => {
  let outer: Handle | undefined;

  rtTest('runs on a fresh runtime of its own', async () => {
    outer = Handle.current();
    expect(Handle.current().config.name).toBe('test');
  });

  rtTest('gets another runtime for the next test', async () => {
    expect(Handle.current()).not.toBe(outer);
    expect(outer?.isShutdown).toBe(true);
  });

  rtTest('completes an hour of sleep at once with a paused clock', async () => {
    const start = Instant.now();
    await sleep(3_600_000);
    expect(Instant.now().durationSince(start)).toBeGreaterThanOrEqual(3_600_000);
  }, { startPaused: true });

  rtTest('lets tasks it spawns run', async () => {
    await expect(spawn(async () => 7)).resolves.toBe(7);
  });

  it('rejects a bad timeout at once', () => {
    expect(() => rtTest('never registered', async () => undefined, { timeout: -5 })).toThrow(RangeError);
  });
});
