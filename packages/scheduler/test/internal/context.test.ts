import { BUDGET, EMPTY_BUDGET, asyncContextFrames, capturesFrames, refillBudget, spendBudget, usesTaskFrames } from '../../src/internal/context.js';

describe('asyncContextFrames (which context storage the scheduler picks)', () => {
  it('uses AsyncContextFrame on Node 24 and later unless --no-async-context-frame is given', () => {
    expect(asyncContextFrames(24, [])).toBe(true);
    expect(asyncContextFrames(26, ['--enable-source-maps'])).toBe(true);
    expect(asyncContextFrames(24, ['--no-async-context-frame'])).toBe(false);
  });

  it('uses it on Node 22 only with --experimental-async-context-frame (from argv or NODE_OPTIONS)', () => {
    expect(asyncContextFrames(22, [])).toBe(false);
    expect(asyncContextFrames(22, ['--experimental-async-context-frame'])).toBe(true);
    expect(asyncContextFrames(22, ['', '--max-old-space-size=512', '--experimental-async-context-frame'])).toBe(true);
  });

  it('never on Node 20, which has no AsyncContextFrame', () => {
    expect(asyncContextFrames(20, [])).toBe(false);
    expect(asyncContextFrames(20, ['--experimental-async-context-frame'])).toBe(false);
  });
});

describe('capturing the spawner\'s async context', () => {
  it('reads Node\'s AsyncContextFrame directly wherever AsyncLocalStorage runs on it (Node 24 and later)', () => {
    // If a Node version stops exposing the frame this way, spawns fall back to an AsyncResource
    // each (correct, ~20 ns and an object more per spawn): this test says so.
    const major = Number(process.versions.node.split('.')[0]);
    if (major >= 24 && !process.execArgv.includes('--no-async-context-frame')) expect(capturesFrames).toBe(true);
    if (major < 22) expect(capturesFrames).toBe(false);
    // A task spawned where only rt's store is set gets rt's small frame object (see TaskFrame).
    if (major >= 24 && !process.execArgv.includes('--no-async-context-frame') && process.env['RT_CONTEXT'] === undefined) {
      expect(usesTaskFrames()).toBe(true);
    }
    if (major < 22) expect(usesTaskFrames()).toBe(false);
  });
});

describe('the cooperative budget (one small integer: the turn it was filled in, and what is left)', () => {
  it('gives BUDGET operations per turn, refills on wake within the turn, and afresh in the next turn', async () => {
    const budget = { budget: EMPTY_BUDGET };
    let spent = 0;
    while (spendBudget(budget)) spent++;
    expect(spent).toBe(BUDGET);
    expect(spendBudget(budget)).toBe(false);
    expect(Number.isInteger(budget.budget) && budget.budget >= 0 && budget.budget < 2 ** 31).toBe(true);
    refillBudget(budget);
    spent = 0;
    while (spendBudget(budget)) spent++;
    expect(spent).toBe(BUDGET);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(spendBudget(budget)).toBe(true);
    // A woken task that never spent (never filled) still gets a full budget.
    const fresh = { budget: EMPTY_BUDGET };
    refillBudget(fresh);
    spent = 0;
    while (spendBudget(fresh)) spent++;
    expect(spent).toBe(BUDGET);
  });
});
