import { currentTask, spawn, taskId, tryCurrentTask, park, Handle } from '@rt/scheduler';

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
