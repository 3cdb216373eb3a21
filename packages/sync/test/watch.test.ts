import { Cancelled, spawn } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { RecvError, SendError, watch } from '@rt/sync';

describe('watch', () => {
  it('receivers see the latest value and each change once', async () => {
    const [tx, rx] = watch.channel(0);
    expect(rx.borrow()).toBe(0);
    expect(rx.hasChanged()).toBe(false);
    tx.send(1);
    tx.send(2);
    expect(rx.hasChanged()).toBe(true);
    await rx.changed();
    expect(rx.borrow()).toBe(2);
    const next = track(rx.changed());
    await settle();
    expect(next.isPending()).toBe(true);
    tx.send(3);
    await next.promise;
    expect(rx.borrowAndUpdate()).toBe(3);
  });

  it('sendModify, sendIfModified and sendReplace', async () => {
    const [tx, rx] = watch.channel({ count: 0 });
    tx.sendModify((s) => {
      s.count++;
    });
    expect(rx.hasChanged()).toBe(true);
    rx.markUnchanged();
    expect(tx.sendIfModified(() => false)).toBe(false);
    expect(rx.hasChanged()).toBe(false);
    expect(tx.sendIfModified((s) => ++s.count > 0)).toBe(true);
    expect(rx.borrowAndUpdate().count).toBe(2);
    const previous = tx.sendReplace({ count: 10 });
    expect(previous.count).toBe(2);
    tx.sendModify(() => ({ count: 11 }));
    expect(tx.borrow().count).toBe(11);
  });

  it('markChanged makes the next changed() complete at once', async () => {
    const [, rx] = watch.channel('a');
    rx.markChanged();
    await rx.changed();
    expect(rx.hasChanged()).toBe(false);
  });

  it('waitFor resolves with the first value matching the predicate', async () => {
    const [tx, rx] = watch.channel(0);
    const p = track(rx.waitFor((n) => n >= 2));
    tx.send(1);
    await settle();
    expect(p.isPending()).toBe(true);
    tx.send(2);
    expect(await p.promise).toBe(2);
    expect(await rx.waitFor((n) => n === 2)).toBe(2);
  });

  it('closing the sender ends changed() and waitFor() with RecvError after the last change', async () => {
    const [tx, rx] = watch.channel(0);
    const waiting = track(rx.changed());
    tx.send(1);
    tx.close();
    await waiting.promise;
    await expect(rx.changed()).rejects.toBeInstanceOf(RecvError);
    await expect(rx.waitFor((n) => n > 5)).rejects.toBeInstanceOf(RecvError);
    expect(() => rx.hasChanged()).toThrow(RecvError);
    expect(rx.borrow()).toBe(1);
  });

  it('send fails when every receiver is closed; closed() resolves; subscribe brings one back', async () => {
    const [tx, rx] = watch.channel(0);
    const rx2 = rx.clone();
    expect(tx.receiverCount).toBe(2);
    const closed = track(tx.closed());
    rx.close();
    await settle();
    expect(closed.isPending()).toBe(true);
    rx2[Symbol.dispose]();
    await closed.promise;
    expect(tx.isClosed).toBe(true);
    expect(() => tx.send(1)).toThrow(SendError);
    expect(tx.borrow()).toBe(0);
    tx.sendReplace(2);
    const rx3 = tx.subscribe();
    expect(rx3.hasChanged()).toBe(false);
    expect(rx3.borrow()).toBe(2);
  });

  it('an aborted changed() marks nothing seen', async () => {
    const [tx, rx] = watch.channel(0);
    const ac = new AbortController();
    const p = rx.changed({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(Cancelled);
    tx.send(1);
    expect(rx.hasChanged()).toBe(true);
  });

  it('closing a receiver rejects its own pending changed() with RecvError', async () => {
    const [tx, rx] = watch.channel(0);
    const other = rx.clone();
    const pending = rx.changed().catch((e: unknown) => e);
    const otherPending = track(other.changed());
    rx.close();
    expect(await pending).toBeInstanceOf(RecvError);
    tx.send(1);
    await otherPending.promise;
  });

  describe('changed() parked on the receiver’s reused waiter', () => {
    it('an aborted task parked in changed() marks nothing seen, and the next changed() on the same receiver sees the change', async () => {
      const [tx, rx] = watch.channel(0);
      for (let round = 1; round <= 5; round++) {
        const parked = spawn(() => rx.changed());
        await settle();
        parked.abort();
        await expect(parked).rejects.toMatchObject({ name: 'JoinError' });
        const next = spawn(() => rx.changed());
        await settle();
        tx.send(round);
        await next;
        expect(rx.hasChanged()).toBe(false);
        expect(rx.borrow()).toBe(round);
      }
    });

    it('a wake that comes before the abort in the same tick wins: the change is seen once', async () => {
      const [tx, rx] = watch.channel(0);
      const task = spawn(async () => {
        await rx.changed();
        await rx.changed();
      });
      await settle();
      tx.send(1);
      task.abort();
      await expect(task).rejects.toMatchObject({ name: 'JoinError' });
      expect(rx.hasChanged()).toBe(false);
    });

    it('a second changed() while the first is parked parks on its own node; closing the receiver rejects both with RecvError', async () => {
      const [tx, rx] = watch.channel(0);
      const first = track(rx.changed());
      const second = track(rx.changed());
      await settle();
      tx.send(1);
      await first.promise;
      await second.promise;
      const a = track(rx.changed());
      const b = track(rx.changed());
      await settle();
      rx.close();
      await expect(a.promise).rejects.toBeInstanceOf(RecvError);
      await expect(b.promise).rejects.toBeInstanceOf(RecvError);
    });

    it('closing the sender rejects a changed() parked on the reused waiter with RecvError', async () => {
      const [tx, rx] = watch.channel(0);
      const r = track(rx.changed());
      await settle();
      expect(r.isPending()).toBe(true);
      tx.close();
      await expect(r.promise).rejects.toBeInstanceOf(RecvError);
    });
  });
});

describe('watch changed retried after a forced yield', () => {
  it('a changed() run with the budget spent yields to the event loop first, then marks the change seen exactly once', async () => {
    const [tx, rx] = watch.channel(0);
    tx.send(1);
    const { value: got, order } = await afterBudgetSpent(async () => {
      await rx.changed();
      return { value: rx.borrow(), unseen: rx.hasChanged() };
    });
    expect(got).toEqual({ value: 1, unseen: false });
    expect(order).toEqual(['immediate', 'op']);
  });
});
