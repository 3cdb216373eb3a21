import { Builder, coop } from '@rt/scheduler';

/** Spends the current budget until a forced yield comes; returns its promise and how many ops it took. */
function spendUntilYield(): { y: Promise<void>; spent: number } {
  for (let spent = 0; spent < 10_000; spent++) {
    const y = coop();
    if (y !== undefined) return { y, spent };
  }
  throw new Error('no forced yield within 10,000 operations');
}

/** Counts setImmediate calls while `fn` runs (synchronously). */
function countImmediates(fn: () => void): number {
  const original = globalThis.setImmediate;
  let count = 0;
  globalThis.setImmediate = ((...args: Parameters<typeof setImmediate>) => {
    count++;
    return original(...args);
  }) as typeof setImmediate;
  try {
    fn();
  } finally {
    globalThis.setImmediate = original;
  }
  return count;
}

describe('the forced yield and the turn counter', () => {
  it('resumes a yielding task where an immediate queued at the yield would run, in a new turn, with no immediate of its own when the turn counter is the last one queued', async () => {
    const runtime = Builder.currentThread().build();
    const order: string[] = [];
    await runtime.run(async () => {
      // A fresh turn: the first look at the budget arms the turn counter's immediate.
      await new Promise((resolve) => setImmediate(resolve));
      let result: { y: Promise<void>; spent: number } | undefined;
      const queued = countImmediates(() => {
        result = spendUntilYield();
      });
      // Only the turn counter was queued in this turn, so the yield rides it.
      expect(queued).toBe(1);
      setImmediate(() => order.push('queued after the yield'));
      await result!.y;
      order.push('resumed');
      // A new turn: the budget was refilled.
      expect(spendUntilYield().spent).toBe(128);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['resumed', 'queued after the yield']);
  });

  it('queues its own immediate, behind what was queued before the yield, when an immediate follows the turn counter', async () => {
    const runtime = Builder.currentThread().build();
    const order: string[] = [];
    await runtime.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(coop()).toBeUndefined(); // arms the turn counter
      setImmediate(() => order.push('queued before the yield'));
      let result: { y: Promise<void>; spent: number } | undefined;
      const queued = countImmediates(() => {
        result = spendUntilYield();
      });
      expect(queued).toBe(1); // its own
      setImmediate(() => order.push('queued after the yield'));
      await result!.y;
      order.push('resumed');
      expect(spendUntilYield().spent).toBe(128);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['queued before the yield', 'resumed', 'queued after the yield']);
  });

  it('runs the turn-end callbacks and the ridden yield once each, the callbacks first', async () => {
    const { atTurnEnd } = await import('@rt/scheduler/primitives');
    const runtime = Builder.currentThread().build();
    const order: string[] = [];
    await runtime.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const { y } = spendUntilYield();
      atTurnEnd(() => order.push('turn end'));
      await y;
      order.push('resumed');
    });
    expect(order).toEqual(['turn end', 'resumed']);
  });
});
