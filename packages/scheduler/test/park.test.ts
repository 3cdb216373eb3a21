import { getEventListeners } from 'node:events';
import { Cancelled, Handle, isCancelled, park, spawn, throwIfCancelled } from '@rt/scheduler';
import type { Waiter } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';

/** A minimal primitive built on park: a queue of waiters handed values in FIFO order. */
class Slot<T> {
  readonly waiters: Waiter<T>[] = [];
  readonly cancelled: Waiter<T>[] = [];
  wait(options?: { signal?: AbortSignal }): Promise<T> {
    const { waiter, promise } = park<T>(
      'Slot.wait',
      (w) => {
        this.cancelled.push(w);
        this.waiters.splice(this.waiters.indexOf(w), 1);
      },
      options,
    );
    this.waiters.push(waiter);
    return promise;
  }
  /** Hands `value` to the first waiter still waiting; false if none took it. */
  give(value: T): boolean {
    while (this.waiters.length > 0) if (this.waiters.shift()!.wake(value)) return true;
    return false;
  }
}

describe('park', () => {
  it('resolves with the value given to wake, and wake works once', async () => {
    const { waiter, promise } = park<number>('test', () => undefined);
    expect(waiter.settled).toBe(false);
    expect(waiter.wake(1)).toBe(true);
    expect(waiter.settled).toBe(true);
    expect(waiter.wake(2)).toBe(false);
    expect(waiter.fail(new Error('late'))).toBe(false);
    await expect(promise).resolves.toBe(1);
  });

  it('returns the waiter as its own pair: one object per park, each park a fresh waiter and promise', async () => {
    const first = park<number>('test', () => undefined);
    const second = park<number>('test', () => undefined);
    expect(first.waiter).toBe(first);
    expect(first.promise).toBeInstanceOf(Promise);
    expect(first.promise).toBe(first.promise);
    expect(second.waiter).not.toBe(first.waiter);
    expect(second.promise).not.toBe(first.promise);
    expect(second.waiter.wake(2)).toBe(true);
    expect(first.waiter.settled).toBe(false);
    first.waiter.fail(new Error('x'));
    await expect(first.promise).rejects.toThrow('x');
    await expect(second.promise).resolves.toBe(2);
  });

  it('rejects with the error given to fail', async () => {
    const { waiter, promise } = park<number>('test', () => undefined);
    const error = new Error('closed');
    expect(waiter.fail(error)).toBe(true);
    await expect(promise).rejects.toBe(error);
  });

  it('throws Cancelled synchronously when the signal is already aborted', () => {
    const reason = new Error('stop');
    let thrown: unknown;
    try {
      park('test', () => undefined, { signal: AbortSignal.abort(reason) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Cancelled);
    expect((thrown as Cancelled).cause).toBe(reason);
  });

  it('runs onCancel synchronously and then rejects with Cancelled when the signal aborts', async () => {
    const slot = new Slot<number>();
    const controller = new AbortController();
    const waiting = track(slot.wait({ signal: controller.signal }));
    controller.abort('reason');
    expect(slot.cancelled).toHaveLength(1);
    expect(slot.waiters).toHaveLength(0);
    expect(slot.cancelled[0]!.settled).toBe(true);
    await settle();
    expect(waiting.isRejected()).toBe(true);
    expect(isCancelled(waiting.error)).toBe(true);
    expect((waiting.error as Cancelled).cause).toBe('reason');
  });

  it('delivers the value when wake happens before an abort in the same tick', async () => {
    const slot = new Slot<number>();
    const controller = new AbortController();
    const waiting = track(slot.wait({ signal: controller.signal }));
    slot.give(7);
    controller.abort();
    await settle();
    expect(waiting.value).toBe(7);
    expect(slot.cancelled).toHaveLength(0);
  });

  it('lets a primitive hand a value to the next waiter when the first was cancelled', async () => {
    const slot = new Slot<string>();
    const controller = new AbortController();
    const first = track(slot.wait({ signal: controller.signal }));
    const second = track(slot.wait());
    controller.abort();
    expect(slot.give('value')).toBe(true);
    await settle();
    expect(first.isRejected()).toBe(true);
    expect(second.value).toBe('value');
  });

  it('is cancelled when the task that parked is aborted, and onCancel runs once', async () => {
    const slot = new Slot<number>();
    let caught: unknown;
    const handle = spawn(async () => {
      try {
        await slot.wait();
      } catch (error) {
        caught = error;
        throw error;
      }
    });
    await settle();
    expect(slot.waiters).toHaveLength(1);
    handle.abort();
    expect(slot.cancelled).toHaveLength(1);
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(isCancelled(caught)).toBe(true);
  });

  it('shows the label in dump() while the task waits', async () => {
    const slot = new Slot<number>();
    const handle = spawn(async () => slot.wait(), { name: 'waiting-on-slot' });
    await settle();
    const entry = Handle.current().dump().tasks.find((task) => task.id === handle.id);
    expect(entry?.state).toBe('waiting');
    expect(entry?.waitingOn).toEqual(['Slot.wait']);
    slot.give(1);
    await expect(handle).resolves.toBe(1);
  });

  it('keeps one abort listener per signal however many operations share it, and none once they settle', async () => {
    const slot = new Slot<number>();
    const controller = new AbortController();
    const waiting = Array.from({ length: 50 }, () => track(slot.wait({ signal: controller.signal })));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    slot.give(1);
    controller.abort();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(slot.cancelled).toHaveLength(49);
    await settle();
    expect(waiting.filter((t) => t.isResolved())).toHaveLength(1);
    expect(waiting.filter((t) => isCancelled(t.error))).toHaveLength(49);

    const other = new AbortController();
    slot.wait({ signal: other.signal }).catch(() => undefined);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    slot.give(2);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('rejects a malformed signal with a TypeError', () => {
    expect(() => park('test', () => undefined, { signal: 'nope' as never })).toThrow(TypeError);
  });
});

describe('throwIfCancelled', () => {
  it('does nothing when nothing is cancelled', () => {
    expect(() => throwIfCancelled()).not.toThrow();
    expect(() => throwIfCancelled({ signal: new AbortController().signal })).not.toThrow();
  });

  it('throws Cancelled for an aborted signal', () => {
    expect(() => throwIfCancelled({ signal: AbortSignal.abort() })).toThrow(Cancelled);
  });

  it('throws Cancelled inside a task that has been aborted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let thrown: unknown;
    const handle = spawn(async () => {
      await gate; // not an rt await point: the abort is only seen afterwards
      try {
        throwIfCancelled();
      } catch (error) {
        thrown = error;
      }
      return 'finished';
    });
    await settle();
    handle.abort();
    release();
    await expect(handle).resolves.toBe('finished');
    expect(thrown).toBeInstanceOf(Cancelled);
  });
});
