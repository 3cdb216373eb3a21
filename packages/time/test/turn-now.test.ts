// currentClock().turnNow() (@rt/time/primitives): the runtime's clock as of the current event-loop
// turn's first read, for code that sets many deadlines per turn (the HTTP server's timeouts).
// With review rv of ce4a1fb: a "turn" is the span between two runs of the turn counter's immediate,
// which was unref'd (context.ts currentEpoch/armEpoch/bumpEpoch).
// An unref'd immediate does not keep libuv's poll phase from blocking (Node starts its immediate
// idle handle only for ref'd immediates), so a turn armed BEFORE the poll phase (in the timers
// phase, or in the check phase after the counter's own immediate ran) spanned a blocking poll:
// every turnNow() in that poll phase returned the reading taken before the block. Fixed:
// turnNow() refs the immediate (atTurnEnd) while it caches a reading.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Builder, type Runtime } from '@rt/scheduler';
import { Instant, advance, pause, resume } from '@rt/time';
import { currentClock } from '@rt/time/primitives';

const packageRoot = join(__dirname, '..');

/** Runs a fixture (against the built package: `@rt/time` resolves to dist by self-reference). */
function fixture(name: string, ...args: string[]): { stdout: string; stderr: string; status: number | null; error: Error | undefined } {
  const result = spawnSync(process.execPath, ['--no-warnings', join(__dirname, 'fixtures', name), ...args], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status, error: result.error };
}

function lagAfterBlockingPoll(mode: string): number {
  const result = fixture('turn-now-stale.mjs', mode);
  expect(result.error).toBeUndefined();
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout) as { lag: number }).lag;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const turnNow = (): number => currentClock().turnNow();

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a synchronous block inside one turn
  }
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = undefined;
});

describe('turnNow across a blocking poll phase (review)', () => {
  it('is fresh in a poll-phase callback when nothing read it earlier in the loop iteration', () => {
    expect(lagAfterBlockingPoll('poll')).toBeLessThan(50);
  }, 30_000);

  // Was a bug (review of ce4a1fb; fixed: turnNow() refs the turn's immediate while it caches a reading): first read in the timers phase (a task woken by rt's timer driver,
  // which fires from a setTimeout: e.g. a handler that slept, then answered and set its
  // keep-alive deadline), then the poll phase blocks ~300 ms; the I/O callback that ends the
  // block gets the reading from before it (measured lag 302 ms). A server deadline set there (a
  // head's first bytes: headerTimeout) falls due early by the block, bounded only by the next
  // timer (the sweeper's tick) or I/O: the same size as the bug the commit fixed.
  it('is not stale in the poll phase after a first read in the timers phase', () => {
    expect(lagAfterBlockingPoll('timers')).toBeLessThan(50);
  }, 30_000);

  // Was a bug (review of ce4a1fb; fixed: turnNow() refs the turn's immediate while it caches a reading): the same from a first read in the check phase after the counter's
  // own immediate (rt's forced yields and run-queue drains resume on setImmediate, so tasks do
  // run there); that turn lasts through the next iteration's timers and poll phases
  // (measured lag 306 ms).
  it('is not stale in the poll phase after a first read in the check phase, after the turn counter moved', () => {
    expect(lagAfterBlockingPoll('check')).toBeLessThan(50);
  }, 30_000);
});

describe('turnNow, pinned (review)', () => {
  it('does not keep a process alive that only reads it', () => {
    const result = fixture('turn-now-exit.mjs');
    expect(result.error).toBeUndefined(); // a kill at the timeout shows here
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ok\n');
    expect(result.status).toBe(0);
  }, 30_000);

  it('is never behind an earlier reading: running, paused, advanced, resumed, paused again, over turns', async () => {
    runtime = Builder.currentThread().autoAdvance(false).build();
    await runtime.run(async () => {
      const clock = currentClock();
      let last = clock.turnNow();
      const check = (): void => {
        const reading = clock.turnNow();
        expect(reading).toBeGreaterThanOrEqual(last);
        expect(reading).toBeLessThanOrEqual(Instant.now().valueOf());
        last = reading;
      };
      for (let round = 0; round < 5; round++) {
        check();
        pause();
        check();
        void advance(round * 7);
        check();
        resume();
        check();
        pause(); // paused again in the same turn: ceil(now) is not behind the resumed reading
        check();
        resume();
        check();
        await nextTurn();
        check();
        await Promise.resolve();
        check();
      }
    });
  });

  it('a startPaused runtime: exact under advance, and the first running turn after resume continues from the frozen reading', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const clock = currentClock();
      const start = clock.turnNow();
      expect(Number.isInteger(start)).toBe(true);
      await advance(1_000);
      expect(clock.turnNow()).toBe(start + 1_000);
      resume();
      const resumed = clock.turnNow();
      expect(resumed).toBeGreaterThanOrEqual(start + 1_000);
      expect(resumed - (start + 1_000)).toBeLessThan(1_000); // not a reading of the real clock's scale
      await nextTurn();
      expect(clock.turnNow()).toBeGreaterThanOrEqual(resumed);
    });
  });

  it('each runtime has its own clock; turns are shared (a paused runtime does not freeze another)', async () => {
    const paused = Builder.currentThread().startPaused().autoAdvance(false).build();
    runtime = Builder.currentThread().build();
    try {
      const pausedClock = await paused.run(async () => currentClock());
      const runningClock = await runtime.run(async () => currentClock());
      expect(pausedClock).not.toBe(runningClock);
      const frozen = pausedClock.turnNow();
      await nextTurn();
      const a = runningClock.turnNow();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(pausedClock.turnNow()).toBe(frozen);
      expect(runningClock.turnNow() - a).toBeGreaterThanOrEqual(15);
    } finally {
      await paused.shutdown();
    }
  });

  it('a microtask-only chain stays in one turn (one reading), a setImmediate hop ends it', async () => {
    runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const clock = currentClock();
      await nextTurn();
      const first = clock.turnNow();
      const end = performance.now() + 3;
      while (performance.now() < end) await Promise.resolve();
      expect(clock.turnNow()).toBe(first); // the microtask queue is part of the turn
      await nextTurn();
      expect(clock.turnNow() - first).toBeGreaterThanOrEqual(3);
    });
  });
});

describe('turnNow', () => {
  it('reads a running clock once per event-loop turn: the same reading all turn, never ahead of Instant.now()', async () => {
    runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      await nextTurn();
      const first = turnNow();
      expect(first).toBeLessThanOrEqual(Instant.now().valueOf());
      spin(5);
      expect(turnNow()).toBe(first); // the same turn: no second read
      expect(Instant.now().valueOf() - first).toBeGreaterThanOrEqual(5);
      await nextTurn();
      const second = turnNow();
      expect(second - first).toBeGreaterThanOrEqual(5); // a new turn reads again
      expect(second).toBeLessThanOrEqual(Instant.now().valueOf());
    });
  });

  it('follows a paused clock exactly, advance within the turn included', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const at = turnNow();
      expect(at).toBe(Instant.now().valueOf());
      const moved = advance(250); // the jump is synchronous; the turn has not ended
      expect(turnNow()).toBe(at + 250);
      await moved;
      expect(turnNow()).toBe(at + 250);
    });
  });

  it('never goes back across pause, advance and resume in one turn', async () => {
    runtime = Builder.currentThread().autoAdvance(false).build();
    await runtime.run(async () => {
      await nextTurn();
      const running = turnNow(); // cached for this turn
      pause();
      const frozen = turnNow();
      expect(frozen).toBeGreaterThanOrEqual(running);
      void advance(1_000);
      resume(); // still the same turn: the cached reading is from before the pause
      const resumed = turnNow();
      expect(resumed).toBeGreaterThanOrEqual(frozen + 1_000);
      expect(resumed).toBeLessThanOrEqual(Instant.now().valueOf());
    });
  });

  it('works outside any task (the default runtime)', () => {
    const reading = turnNow();
    expect(Number.isFinite(reading)).toBe(true);
    expect(reading).toBeLessThanOrEqual(Instant.now().valueOf());
  });
});
