import { Cancelled } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { RecvError, SendError } from '@rt/sync';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';

describe('watch.channel (cross-thread)', () => {
  it('holds the initial value as seen and reports changes', async () => {
    const [tx, rx] = shared.watch.channel({ state: 'starting' });
    expect(rx.borrow()).toEqual({ state: 'starting' });
    expect(rx.hasChanged()).toBe(false);
    const changed = track(rx.changed());
    await settle(2);
    expect(changed.isPending()).toBe(true);
    tx.send({ state: 'ready' });
    await changed.promise;
    expect(rx.borrowAndUpdate()).toEqual({ state: 'ready' });
    expect(rx.hasChanged()).toBe(false);
  });

  it('coalesces many sends into one change with the latest value', async () => {
    const [tx, rx] = shared.watch.channel(0);
    for (let i = 1; i <= 10; i++) tx.send(i);
    await rx.changed();
    expect(rx.borrowAndUpdate()).toBe(10);
    const next = track(rx.changed());
    await settle(2);
    expect(next.isPending()).toBe(true);
    tx.send(11);
    await next.promise;
  });

  it('changed() rejects with RecvError once the sender is closed and the last value seen', async () => {
    const [tx, rx] = shared.watch.channel(1);
    tx.send(2);
    tx.close();
    await rx.changed();
    expect(rx.borrowAndUpdate()).toBe(2);
    await expect(rx.changed()).rejects.toBeInstanceOf(RecvError);
  });

  it('a parked changed() rejects when the sender closes', async () => {
    const [tx, rx] = shared.watch.channel(1);
    const changed = rx.changed();
    tx.close();
    await expect(changed).rejects.toBeInstanceOf(RecvError);
  });

  it('send fails with SendError once every receiver is closed; closed() resolves', async () => {
    const [tx, rx] = shared.watch.channel(0);
    const rx2 = rx.clone();
    expect(tx.receiverCount).toBe(2);
    const closed = tx.closed();
    rx.close();
    rx2.close();
    await closed;
    expect(() => tx.send(1)).toThrow(SendError);
    expect(tx.sendReplace(5)).toBe(0);
    expect(tx.borrow()).toBe(5);
  });

  it('sendModify and sendIfModified store the modified copy', async () => {
    const [tx, rx] = shared.watch.channel({ count: 0 });
    tx.sendModify((s) => ({ count: s.count + 1 }));
    tx.sendModify((s) => {
      s.count += 1;
    });
    await rx.changed();
    expect(rx.borrowAndUpdate()).toEqual({ count: 2 });
    expect(tx.sendIfModified(() => false)).toBe(false);
    expect(rx.hasChanged()).toBe(false);
  });

  it('an aborted changed() marks nothing seen', async () => {
    const [tx, rx] = shared.watch.channel(0);
    const controller = new AbortController();
    const changed = rx.changed({ signal: controller.signal });
    controller.abort();
    await expect(changed).rejects.toBeInstanceOf(Cancelled);
    tx.send(1);
    await rx.changed();
    expect(rx.borrowAndUpdate()).toBe(1);
  });

  it('moves a receiver with its seen state', async () => {
    const [tx, rx] = shared.watch.channel('a');
    tx.send('b');
    const { state } = decodeTransferables(structuredClone(encodeTransferables({ state: rx }))) as { state: shared.watch.Receiver<string> };
    expect(() => rx.borrow()).toThrow(/moved/);
    expect(state.hasChanged()).toBe(true);
    await state.changed();
    expect(state.borrow()).toBe('b');
    expect(await state.waitFor((v) => v === 'b')).toBe('b');
  });
});

describe('watch (cross-thread) changed() with the budget spent (the retry after a forced yield)', () => {
  it('yields a turn first, then marks the change seen exactly once', async () => {
    const [tx, rx] = shared.watch.channel(0);
    tx.send(1);
    const { value: got, order } = await afterBudgetSpent(async () => {
      await rx.changed();
      return { value: rx.borrow(), unseen: rx.hasChanged() };
    });
    expect(got).toEqual({ value: 1, unseen: false });
    expect(order).toEqual(['immediate', 'op']);
  });
});
