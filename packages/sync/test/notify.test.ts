import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Closed, Notify } from '@rt/sync';

describe('Notify', () => {
  it('stores one permit when nobody waits', async () => {
    const n = new Notify();
    n.notifyOne();
    n.notifyOne();
    await n.notified();
    const second = track(n.notified());
    await settle();
    expect(second.isPending()).toBe(true);
    n.notifyOne();
    await second.promise;
  });

  it('notifyOne wakes waiters in FIFO order, notifyLast in LIFO order', async () => {
    const n = new Notify();
    const order: string[] = [];
    const a = n.notified().then(() => order.push('a'));
    const b = n.notified().then(() => order.push('b'));
    const c = n.notified().then(() => order.push('c'));
    await settle();
    n.notifyOne();
    await a;
    n.notifyLast();
    await c;
    n.notifyOne();
    await b;
    expect(order).toEqual(['a', 'c', 'b']);
  });

  it('notifyWaiters wakes every waiter, including unpolled Notified created before it, and stores nothing', async () => {
    const n = new Notify();
    const polled = track(n.notified());
    const unpolled = n.notified();
    await settle();
    n.notifyWaiters();
    await polled.promise;
    await unpolled;
    const later = track(n.notified());
    await settle();
    expect(later.isPending()).toBe(true);
    n.notifyOne();
    await later.promise;
  });

  it('enable() registers before a check so a notification in between is not missed', async () => {
    const n = new Notify();
    const waiter = n.notified();
    expect(waiter.enable()).toBe(false);
    n.notifyOne(); // arrives before the await
    expect(waiter.enable()).toBe(true);
    await waiter;
    // No stray permit was stored.
    const next = track(n.notified());
    await settle();
    expect(next.isPending()).toBe(true);
    n.notifyOne();
    await next.promise;
  });

  it('an aborted wait is not notified and passes nothing on', async () => {
    const n = new Notify();
    const ac = new AbortController();
    const aborted = n.notified({ signal: ac.signal });
    const other = track(n.notified());
    const abortedPromise = aborted.wait();
    ac.abort();
    await expect(abortedPromise).rejects.toBeInstanceOf(Cancelled);
    n.notifyOne();
    await other.promise;
  });

  it('a notified-but-unconsumed wait passes notifyOne on when disposed', async () => {
    const n = new Notify();
    const first = n.notified();
    first.enable();
    const second = track(n.notified());
    await settle();
    n.notifyOne();
    expect(first.enable()).toBe(true);
    first[Symbol.dispose]();
    await second.promise;
  });

  it('disposing a registered wait withdraws it', async () => {
    const n = new Notify();
    const w = n.notified();
    w.enable();
    w[Symbol.dispose]();
    await expect(w.wait()).rejects.toBeInstanceOf(Closed);
    n.notifyOne();
    await n.notified(); // the permit was stored, not given to the withdrawn wait
  });
});
