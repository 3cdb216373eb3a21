import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Barrier } from '@rt/sync';

describe('Barrier', () => {
  it('releases n waiters together with exactly one leader, then starts over', async () => {
    const b = new Barrier(3);
    const first = track(b.wait());
    const second = track(b.wait());
    await settle();
    expect(first.isPending()).toBe(true);
    const third = await b.wait();
    const results = [await first.promise, await second.promise, third];
    expect(results.filter((r) => r.isLeader)).toHaveLength(1);
    const again = track(b.wait());
    await settle();
    expect(again.isPending()).toBe(true);
    await Promise.all([b.wait(), b.wait()]);
    await again.promise;
  });

  it('treats size 0 as 1 and rejects bad sizes', async () => {
    expect((await new Barrier(0).wait()).isLeader).toBe(true);
    expect(() => new Barrier(-1)).toThrow(RangeError);
  });

  it('an aborted waiter withdraws its arrival', async () => {
    const b = new Barrier(2);
    const ac = new AbortController();
    const aborted = b.wait({ signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    const one = track(b.wait());
    await settle();
    expect(one.isPending()).toBe(true);
    await b.wait();
    await one.promise;
  });
});
