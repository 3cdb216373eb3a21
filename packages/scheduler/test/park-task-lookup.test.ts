// Pass pk31 wrote the park path's task look-up out in `park()` and `parkEntry` (the task read as
// the frame's own value): these pin what that look-up decides, in every kind of frame.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Cancelled, Handle, TaskLocal, park, spawn, throwIfCancelled } from '@rt/scheduler';
import { currentParkTask, parkEntry, unparkEntry, type ParkEntry } from '@rt/scheduler/primitives';

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
