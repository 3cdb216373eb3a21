// parkedAfter(entry): the wait its task parked right after `entry`, while both are parked (what
// `timeout(ms, rx)` keeps to end the receive its `then` parked, and reads again to tell that the
// receive ended). parkedOn(signal): whether a wait parked with `{ signal }` is still parked (what
// timeout's function form reads at the deadline).
import { Builder, park, type Runtime, type Waiter } from '@rt/scheduler';
import { ReusableWaiter, parkEntry, parkedAfter, parkedOn, unparkEntry } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';
import { getEventListeners } from 'node:events';

/** An entry parked with parkEntry, ended by `end()`. */
class Entry implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  task: ParkedTask | undefined = undefined;
  readonly label = 'Entry.wait';
  park(): void {
    this.task = parkEntry(this);
  }
  end(): void {
    if (this.task !== undefined) unparkEntry(this.task, this, 'woken');
    this.task = undefined;
  }
  cancel(): void {
    this.end();
  }
}

const noop = (): void => undefined;

describe('parkedAfter', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("is the wait parked right after a park() waiter, while both are parked; undefined once it ended", async () => {
    await runtime.run(async () => {
      const first = park<number>('first', noop);
      expect(parkedAfter(first.waiter)).toBeUndefined();
      const second = new Entry();
      second.park();
      expect(parkedAfter(first.waiter)).toBe(second);
      const third = park<number>('third', noop);
      // A newer wait links at the head, never between: the neighbour of `first` is still `second`.
      expect(parkedAfter(first.waiter)).toBe(second);
      expect(parkedAfter(second)).toBe(third.waiter);
      second.end();
      // `second` ended: the neighbour is now the next newer wait, never `second` again.
      expect(parkedAfter(first.waiter)).toBe(third.waiter);
      third.waiter.wake(3);
      expect(parkedAfter(first.waiter)).toBeUndefined();
      first.waiter.wake(1);
      expect(await first.promise).toBe(1);
      expect(await third.promise).toBe(3);
    });
  });

  it('a woken or failed park() waiter leaves: its older neighbour stops returning it', async () => {
    await runtime.run(async () => {
      const older = new Entry();
      older.park();
      const failed = park<number>('failed', noop);
      expect(parkedAfter(older)).toBe(failed.waiter);
      failed.waiter.fail(new Error('no'));
      expect(parkedAfter(older)).toBeUndefined();
      await expect(failed.promise).rejects.toThrow('no');
      older.end();
    });
  });

  it('a ReusableWaiter parked after an entry is returned while parked', async () => {
    await runtime.run(async () => {
      const older = new Entry();
      older.park();
      const reusable = new ReusableWaiter<number>('Reusable.wait', noop);
      const promise = reusable.park();
      expect(parkedAfter(older)).toBe(reusable);
      reusable.wake(1);
      expect(parkedAfter(older)).toBeUndefined();
      expect(await promise).toBe(1);
      older.end();
    });
  });

  it('outside any task nothing is linked: undefined', () => {
    const waiter: Waiter<number> = park<number>('outside', noop).waiter;
    const entry = new Entry();
    entry.park();
    expect(parkedAfter(waiter)).toBeUndefined();
    expect(parkedAfter(entry)).toBeUndefined();
    waiter.wake(1);
  });

  it('an abort of the task cancels both; neither is linked after', async () => {
    let kept: { first: Waiter<number>; second: Entry } | undefined;
    const task = runtime.spawn(async () => {
      const first = park<number>('first', noop);
      const second = new Entry();
      second.park();
      kept = { first: first.waiter, second };
      return first.promise;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(parkedAfter(kept!.first)).toBe(kept!.second);
    task.abort();
    await expect(Promise.resolve(task)).rejects.toThrow();
    expect(parkedAfter(kept!.first)).toBeUndefined();
  });
});

describe('parkedOn', () => {
  it('undefined before any wait parked with the signal, true while one is, false once all ended', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    expect(parkedOn(signal)).toBeUndefined();
    const a = park<number>('a', noop, { signal });
    const b = park<number>('b', noop, { signal });
    expect(parkedOn(signal)).toBe(true);
    a.waiter.wake(1);
    expect(parkedOn(signal)).toBe(true);
    b.waiter.fail(new Error('b'));
    expect(parkedOn(signal)).toBe(false);
    expect(await a.promise).toBe(1);
    await expect(b.promise).rejects.toThrow('b');
    // Parked again after the list emptied: the abort still reaches it (its listener is back).
    const c = park<number>('c', noop, { signal });
    expect(parkedOn(signal)).toBe(true);
    controller.abort(new Error('stop'));
    await expect(c.promise).rejects.toThrow(/c was aborted|cancelled/);
    expect(parkedOn(signal)).toBe(false);
  });

  it('a wait parked without the signal, or with another, does not count', () => {
    const signal = new AbortController().signal;
    const other = park<number>('other', noop, { signal: new AbortController().signal });
    const plain = park<number>('plain', noop);
    expect(parkedOn(signal)).toBeUndefined();
    other.waiter.wake(1);
    plain.waiter.wake(2);
  });

  it('the emptied signal keeps no abort listener: an abort then cancels nothing and throws nothing', async () => {
    const controller = new AbortController();
    const a = park<number>('a', noop, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    a.waiter.wake(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await a.promise).toBe(1);
    const b = park<number>('b', noop, { signal: controller.signal });
    const c = park<number>('c', noop, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    b.waiter.wake(2);
    c.waiter.wake(3);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    expect(parkedOn(controller.signal)).toBe(false);
  });
});
