// currentClock().turnNow() (@rt/time/primitives): the runtime's clock as of the current event-loop turn's first
// read, for code that sets many deadlines per turn (the HTTP server's timeouts).
import { Builder, type Runtime } from '@rt/scheduler';
import { Instant, advance, pause, resume } from '@rt/time';
import { currentClock } from '@rt/time/primitives';

const turnNow = (): number => currentClock().turnNow();

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a synchronous block inside one turn
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = undefined;
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
