// Pass pk31 wrote the park path's task look-up out in `park()` and `parkEntry` (the task read as
// the frame's own value): these pin what that look-up decides, in every kind of frame.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Cancelled, Handle, TaskLocal, park, spawn, throwIfCancelled } from '@rt/scheduler';
import { ReusableWaiter, currentParkTask, parkEntry, unparkEntry, type ParkEntry } from '@rt/scheduler/primitives';

/** A minimal entry for `parkEntry`. */
class Entry implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  readonly label = 'lookup.Entry';
  cancelled: unknown[] = [];
  task: ReturnType<typeof parkEntry>;
  cancel(reason: unknown): void {
    this.cancelled.push(reason);
    if (this.task !== undefined) unparkEntry(this.task, this, 'cancelled');
  }
}

const local = new TaskLocal<string>('lookup.local');

describe('the park path finds its task (pass pk31)', () => {
  it('in a TaskLocal scope outside any task: park() links nothing, only its signal cancels', async () => {
    await local.scope('outside', async () => {
      expect(currentParkTask()).toBeUndefined();
      expect(() => throwIfCancelled()).not.toThrow();
      const { waiter, promise } = park<number>('lookup.park', () => undefined);
      expect(waiter.wake(3)).toBe(true);
      await expect(promise).resolves.toBe(3);
      const controller = new AbortController();
      const parked = park<number>('lookup.park', () => undefined, { signal: controller.signal });
      controller.abort('stop');
      await expect(parked.promise).rejects.toBeInstanceOf(Cancelled);
      const aborted = AbortSignal.abort('already');
      expect(() => park('lookup.park', () => undefined, { signal: aborted })).toThrow(/lookup\.park was aborted by its signal/);
      const entry = new Entry();
      expect(parkEntry(entry)).toBeUndefined();
    });
  });

  it('in a TaskLocal scope inside a task: park() and parkEntry link into the task, which dump() lists and an abort cancels', async () => {
    const entry = new Entry();
    let parkedPromise: Promise<number> | undefined;
    const task = spawn(() =>
      local.scope('inside', async () => {
        parkedPromise = park<number>('lookup.park', () => undefined).promise;
        entry.task = parkEntry(entry);
        expect(entry.task).toBeDefined();
        expect(currentParkTask()).toBe(entry.task);
        await parkedPromise;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const dumped = Handle.current().dump().tasks.find((t) => t.id === task.id);
    expect(dumped?.waitingOn).toEqual(['lookup.Entry', 'lookup.park']);
    task.abort('enough');
    expect(entry.cancelled).toEqual(['enough']);
    await expect(parkedPromise).rejects.toBeInstanceOf(Cancelled);
    await expect(task).rejects.toThrow();
  });

  it('in an aborted task: park() throws the task\'s Cancelled before it reads an aborted signal, and parkEntry links nothing', async () => {
    const entry = new Entry();
    const seen: unknown[] = [];
    let id: number | undefined;
    const running = spawn(async () => {
      id = currentParkTask()!.id;
      await new Promise((resolve) => setImmediate(resolve));
      for (const attempt of [
        () => park('lookup.park', () => undefined, { signal: AbortSignal.abort('signal') }),
        () => park('lookup.park', () => undefined),
        () => parkEntry(entry),
      ]) {
        try {
          attempt();
          seen.push('parked');
        } catch (error) {
          seen.push(error instanceof Cancelled ? error.message : error);
        }
      }
    });
    // Aborted while it waits on the immediate (no rt wait parked): its next parks throw.
    setImmediate(() => running.abort());
    await running.catch(() => undefined);
    expect(seen).toEqual([`task ${id} was aborted`, `task ${id} was aborted`, `task ${id} was aborted`]);
    expect(entry.cancelled).toEqual([]);
  });

  // Review rv38: a frame that is the user's own (another AsyncLocalStorage entered: on
  // AsyncContextFrame Node's own map, not rt's TaskFrame), outside and inside a task.
  it("in another AsyncLocalStorage's scope: outside a task nothing links, inside one park() and parkEntry link into the task", async () => {
    const als = new AsyncLocalStorage<string>();
    als.run('outside', () => {
      expect(currentParkTask()).toBeUndefined();
      expect(parkEntry(new Entry())).toBeUndefined();
      const { waiter, promise } = park<number>('lookup.park', () => undefined);
      waiter.wake(1);
      void promise;
    });
    const entry = new Entry();
    let parked: Promise<number> | undefined;
    const task = spawn(() =>
      als.run('inside', async () => {
        await Promise.resolve();
        expect(als.getStore()).toBe('inside');
        parked = park<number>('lookup.park', () => undefined).promise;
        entry.task = parkEntry(entry);
        expect(entry.task?.id).toBe(task.id);
        await parked;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(Handle.current().dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['lookup.Entry', 'lookup.park']);
    task.abort('stop');
    expect(entry.cancelled).toEqual(['stop']);
    await expect(parked).rejects.toBeInstanceOf(Cancelled);
    await expect(task).rejects.toThrow();
  });
});

// Pass ec32 wrote the same look-up out in `ReusableWaiter.park` (the task read as the frame's own
// value, tested and linked in that branch; nothing stored outside any task, where `#task` is
// already undefined because every settle clears it): the same frames, and a waiter that moves
// between a task and no task from one park to the next.
describe('ReusableWaiter.park finds its task (pass ec32)', () => {
  /** A waiter that records its `onCancel` calls. */
  const waiterOf = (): { waiter: ReusableWaiter<number>; cancels: number[] } => {
    const cancels: number[] = [];
    const waiter = new ReusableWaiter<number>('lookup.reusable', () => cancels.push(1));
    return { waiter, cancels };
  };

  it('outside any frame and in a TaskLocal scope outside any task: it links nothing, a wake resolves, and it parks again', async () => {
    const { waiter, cancels } = waiterOf();
    const outside = waiter.park();
    expect(waiter.task).toBeUndefined();
    expect(waiter.prev).toBeUndefined();
    expect(waiter.next).toBeUndefined();
    expect(waiter.wake(1)).toBe(true);
    await expect(outside).resolves.toBe(1);
    await local.scope('outside', async () => {
      const scoped = waiter.park();
      expect(waiter.task).toBeUndefined();
      expect(() => waiter.park()).toThrow(/lookup\.reusable is still parked/);
      expect(waiter.fail(new Error('failed'))).toBe(true);
      await expect(scoped).rejects.toThrow('failed');
    });
    expect(cancels).toEqual([]);
  });

  it('in a TaskLocal scope inside a task: it links into the task, which dump() lists and whose abort cancels it', async () => {
    const { waiter, cancels } = waiterOf();
    let parked: Promise<number> | undefined;
    const task = spawn(() =>
      local.scope('inside', async () => {
        parked = waiter.park();
        expect(waiter.task?.id).toBe(currentParkTask()!.id);
        await parked;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(waiter.task?.id).toBe(task.id);
    expect(Handle.current().dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['lookup.reusable']);
    task.abort('enough');
    expect(cancels).toEqual([1]);
    expect(waiter.settled).toBe(true);
    expect(waiter.task).toBeUndefined();
    await expect(parked).rejects.toMatchObject({ name: 'Cancelled', cause: 'enough' });
    await expect(task).rejects.toThrow();
  });

  it("in another AsyncLocalStorage's scope: outside a task it links nothing, inside one it links into the task", async () => {
    const als = new AsyncLocalStorage<string>();
    const { waiter, cancels } = waiterOf();
    await als.run('outside', async () => {
      const promise = waiter.park();
      expect(waiter.task).toBeUndefined();
      waiter.wake(2);
      await expect(promise).resolves.toBe(2);
    });
    let parked: Promise<number> | undefined;
    const task = spawn(() =>
      als.run('inside', async () => {
        await Promise.resolve();
        expect(als.getStore()).toBe('inside');
        parked = waiter.park();
        expect(waiter.task?.id).toBe(task.id);
        return parked;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(Handle.current().dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['lookup.reusable']);
    expect(waiter.wake(3)).toBe(true);
    await expect(task).resolves.toBe(3);
    expect(cancels).toEqual([]);
  });

  it('in an aborted task: it throws the task\'s Cancelled synchronously, links nothing, stays settled, and calls no onCancel', async () => {
    const { waiter, cancels } = waiterOf();
    const seen: unknown[] = [];
    let id: number | undefined;
    const running = spawn(async () => {
      id = currentParkTask()!.id;
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 2; i++) {
        try {
          void waiter.park();
          seen.push('parked');
        } catch (error) {
          seen.push(error instanceof Cancelled ? error.message : error);
        }
        seen.push(waiter.settled, waiter.task);
      }
    });
    setImmediate(() => running.abort('stop'));
    await running.catch(() => undefined);
    expect(seen).toEqual([`task ${id} was aborted`, true, undefined, `task ${id} was aborted`, true, undefined]);
    expect(cancels).toEqual([]);
    // Its next park, outside any task, is a plain park.
    const after = waiter.park();
    expect(waiter.task).toBeUndefined();
    waiter.wake(4);
    await expect(after).resolves.toBe(4);
  });

  it('parked in a task, then (woken, failed or cancelled) parked outside any task: the later park belongs to no task', async () => {
    for (const end of ['wake', 'fail', 'abort'] as const) {
      const { waiter, cancels } = waiterOf();
      // The task lives on after a wake or a failure, parked on `hold`, so its abort can be seen.
      const hold = new ReusableWaiter<number>('lookup.hold', () => undefined);
      let inTask: Promise<number> | undefined;
      const task = spawn(async () => {
        inTask = waiter.park();
        await inTask.catch(() => undefined);
        await hold.park();
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(waiter.task?.id).toBe(task.id);
      if (end === 'wake') waiter.wake(5);
      else if (end === 'fail') waiter.fail(new Error('failed'));
      else task.abort('stop');
      await inTask!.catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      const outside = waiter.park();
      expect(waiter.task).toBeUndefined();
      if (end !== 'abort') {
        expect(hold.task?.id).toBe(task.id);
        expect(Handle.current().dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['lookup.hold']);
      }
      // The task's list does not hold the waiter: the task's abort cancels its own wait only.
      task.abort('later');
      await task.catch(() => undefined);
      expect(waiter.settled).toBe(false);
      expect(cancels).toEqual(end === 'abort' ? [1] : []);
      expect(waiter.wake(6)).toBe(true);
      await expect(outside).resolves.toBe(6);
    }
  });
});
