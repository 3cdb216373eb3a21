import { Cancelled } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { SetError, SetOnce } from '@rt/sync';

describe('SetOnce', () => {
  it('wakes every waiter with the value once set, and only once', async () => {
    const s = new SetOnce<string>();
    const a = track(s.wait());
    const b = track(s.wait());
    await settle();
    expect(a.isPending()).toBe(true);
    expect(s.get()).toBeUndefined();
    s.set('v');
    expect(await a.promise).toBe('v');
    expect(await b.promise).toBe('v');
    expect(await s.wait()).toBe('v');
    expect(s.initialized).toBe(true);
    expect(() => s.set('w')).toThrow(SetError);
  });

  it('an aborted wait rejects with Cancelled and changes nothing', async () => {
    const s = new SetOnce<number>();
    const ac = new AbortController();
    const p = s.wait({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(Cancelled);
    s.set(1);
    expect(await s.wait()).toBe(1);
  });
});

describe('SetOnce wait retried after a forced yield', () => {
  it('a wait run with the budget spent yields to the event loop first, then resolves with the value once', async () => {
    const cell = new SetOnce<string>();
    cell.set('ready');
    const { value: got, order } = await afterBudgetSpent(() => cell.wait());
    expect(got).toBe('ready');
    expect(order).toEqual(['immediate', 'op']);
  });
});
