import { Builder, Cancelled, spawn, yieldNow } from '@rt/scheduler';

describe('yieldNow', () => {
  it('lets the other ready tasks run before the caller continues', async () => {
    const order: string[] = [];
    const a = spawn(async () => {
      for (let i = 0; i < 3; i++) {
        order.push(`a${i}`);
        await yieldNow();
      }
    });
    const b = spawn(async () => {
      for (let i = 0; i < 3; i++) {
        order.push(`b${i}`);
        await yieldNow();
      }
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  });

  it('lets a setImmediate run while tasks only yield to each other', async () => {
    const runtime = Builder.currentThread().eventInterval(4).build();
    let immediateRan = false;
    let rounds = 0;
    await runtime.run(async () => {
      setImmediate(() => (immediateRan = true));
      while (!immediateRan) {
        await yieldNow();
        rounds++;
      }
    });
    expect(immediateRan).toBe(true);
    expect(rounds).toBeLessThanOrEqual(8);
    await runtime.shutdown();
  });

  it('is a cancellation point', async () => {
    const reached: string[] = [];
    const handle = spawn(async () => {
      await yieldNow();
      reached.push('first');
      await yieldNow();
      reached.push('second');
    });
    await Promise.resolve();
    await Promise.resolve();
    handle.abort();
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(reached.length).toBeLessThan(2);
  });

  it('throws Cancelled for an aborted signal', async () => {
    await expect(yieldNow({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
  });

  it('works outside any task', async () => {
    await expect(yieldNow()).resolves.toBeUndefined();
  });
});
