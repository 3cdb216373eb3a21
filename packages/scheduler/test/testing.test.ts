import { coop, spawn } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';

describe('track', () => {
  it('reports a pending promise as pending and a settled one as ready', async () => {
    let resolve!: (value: number) => void;
    const tracked = track(new Promise<number>((r) => (resolve = r)));
    await settle();
    expect(tracked.isPending()).toBe(true);
    resolve(5);
    await settle();
    expect(tracked.isReady()).toBe(true);
    expect(tracked.isResolved()).toBe(true);
    expect(tracked.value).toBe(5);
  });

  it('records a rejection without an unhandled-rejection', async () => {
    const error = new Error('x');
    const tracked = track(Promise.reject(error));
    await settle();
    expect(tracked.isRejected()).toBe(true);
    expect(tracked.error).toBe(error);
  });

  it('tracks a JoinHandle', async () => {
    const tracked = track(spawn(async () => 'done'));
    expect(tracked.isPending()).toBe(true);
    await settle();
    expect(tracked.value).toBe('done');
  });

  it('rejects a non-thenable with a TypeError', () => {
    expect(() => track(3 as never)).toThrow(TypeError);
  });
});

describe('settle', () => {
  it('runs a pending setImmediate', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    await settle();
    expect(ran).toBe(true);
  });

  it('rejects a bad turn count', async () => {
    await expect(settle(0)).rejects.toThrow(RangeError);
  });
});

describe('afterBudgetSpent', () => {
  it('tells an operation that yields the forced turn (the immediate first) from one that does not', async () => {
    const yielding = await afterBudgetSpent(async () => {
      const y = coop(); // the budget is spent: this is the forced yield's promise
      expect(y).toBeDefined();
      await y;
      return 'after the turn';
    });
    expect(yielding).toEqual({ value: 'after the turn', order: ['immediate', 'op'] });
    const immediate = await afterBudgetSpent(async () => 'at once');
    expect(immediate).toEqual({ value: 'at once', order: ['op'] }); // resolved before the immediate ran
  });

  it('rejects with what the operation rejects with', async () => {
    await expect(afterBudgetSpent(() => Promise.reject(new RangeError('no')))).rejects.toThrow(RangeError);
  });
});
