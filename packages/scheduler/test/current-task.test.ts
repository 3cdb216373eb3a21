import { AsyncLocalStorage } from 'node:async_hooks';
import { currentTask, spawn, taskId, tryCurrentTask, park, Handle, TaskLocal, yieldNow, Cancelled, type JoinError } from '@rt/scheduler';

describe('currentTask', () => {
  it('describes the running task', async () => {
    const handle = spawn(() => {
      const task = currentTask();
      return { id: task.id, name: task.name, same: task.handle === Handle.current(), taskId: taskId() };
    }, { name: 'me' });
    const seen = await handle;
    expect(seen).toEqual({ id: handle.id, name: 'me', same: true, taskId: handle.id });
  });

  it('exposes an AbortSignal that aborts with the task, with the abort reason', async () => {
    let signal: AbortSignal | undefined;
    const handle = spawn(async () => {
      signal = currentTask().signal;
      await park<void>('forever', () => undefined).promise;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(signal?.aborted).toBe(false);
    handle.abort('stop');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe('stop');
    await handle.then(undefined, () => undefined);
  });

  it('gives an already aborted signal to a task asking after its abort', async () => {
    const handle = spawn(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentTask().signal.aborted;
    });
    await Promise.resolve();
    await Promise.resolve();
    handle.abort();
    await expect(handle).resolves.toBe(true);
  });

  it('throws ERR_RT_NO_TASK outside a task; tryCurrentTask returns undefined', () => {
    expect(() => currentTask()).toThrow(expect.objectContaining({ code: 'ERR_RT_NO_TASK' }));
    expect(() => taskId()).toThrow(expect.objectContaining({ code: 'ERR_RT_NO_TASK' }));
    expect(tryCurrentTask()).toBeUndefined();
  });
});

// The task of the code running now is read from the current async-context frame (frameStore):
// rt's own small frame inside a task, Node's frame map once the task's code enters another
// AsyncLocalStorage or a TaskLocal scope. Every such frame must give the same task, and its abort.
describe('currentTask inside other async-context scopes of a task', () => {
  class UserStorage<T> extends AsyncLocalStorage<T> {}

  it('is the same task inside a user AsyncLocalStorage (also a subclass, and after enterWith), nested TaskLocal scopes and across their awaits', async () => {
    const als = new UserStorage<{ constructor: unknown }>();
    const local = new TaskLocal<string>('req');
    const other = new AsyncLocalStorage<number>();
    const handle = spawn(async () => {
      const seen: number[] = [taskId()];
      await als.run({ constructor: 'not a frame' }, async () => {
        seen.push(taskId());
        await local.scope('outer', async () => {
          await local.scope('inner', async () => {
            seen.push(currentTask().id);
            await yieldNow();
            seen.push(taskId(), local.get() === 'inner' ? 1 : 0);
          });
          seen.push(tryCurrentTask()!.id);
        });
      });
      other.enterWith(7);
      await yieldNow();
      seen.push(taskId(), other.getStore()!);
      return seen;
    });
    const id = handle.id;
    expect(await handle).toEqual([id, id, id, id, 1, id, id, 7]);
  });

  it('sees its abort inside a user AsyncLocalStorage scope: its next yieldNow() there throws Cancelled', async () => {
    const als = new AsyncLocalStorage<string>();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve)); // not an rt await: the abort waits
    let outcome!: (what: unknown) => void;
    const observed = new Promise<unknown>((resolve) => (outcome = resolve));
    const handle = spawn(() =>
      als.run('user', async () => {
        await gate;
        try {
          await yieldNow();
          outcome('ran on');
        } catch (error) {
          outcome(error);
          throw error;
        }
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    handle.abort();
    open();
    expect(await observed).toBeInstanceOf(Cancelled);
    const error = await handle.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as JoinError).isCancelled()).toBe(true);
  });

  it('is no task inside a user AsyncLocalStorage scope entered outside any task', () => {
    const als = new AsyncLocalStorage<string>();
    als.run('user', () => {
      expect(tryCurrentTask()).toBeUndefined();
    });
  });
});
