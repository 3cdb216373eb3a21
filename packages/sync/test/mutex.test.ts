import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { GuardReleased, Mutex } from '@rt/sync';

describe('Mutex', () => {
  it('gives exclusive access to its value through the guard', async () => {
    const m = new Mutex({ n: 0 });
    {
      using guard = await m.lock();
      expect(m.isLocked).toBe(true);
      guard.value.n++;
      guard.value = { n: guard.value.n + 1 };
    }
    expect(m.isLocked).toBe(false);
    const guard = m.tryLock()!;
    expect(guard.value).toEqual({ n: 2 });
    guard.release();
  });

  it('wakes waiters in FIFO order', async () => {
    const m = new Mutex<number[]>([]);
    const first = await m.lock();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((i) =>
      m.lock().then((g) => {
        order.push(i);
        g.value.push(i);
        g.release();
      }),
    );
    await settle();
    expect(order).toEqual([]);
    first.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });

  it('tryLock never jumps the queue', async () => {
    const m = new Mutex(0);
    const held = m.tryLock()!;
    expect(m.tryLock()).toBeUndefined();
    const waiter = track(m.lock());
    held.release();
    // The lock went to the waiter on release.
    expect(m.tryLock()).toBeUndefined();
    (await waiter.promise).release();
    expect(m.tryLock()).toBeDefined();
  });

  it('a released guard throws GuardReleased and release is idempotent', async () => {
    const m = new Mutex('x');
    const g = await m.lock();
    g.release();
    g.release();
    expect(g.released).toBe(true);
    expect(() => g.value).toThrow(GuardReleased);
    expect(() => {
      g.value = 'y';
    }).toThrow(/after release/);
    expect(m.isLocked).toBe(false);
  });

  it('an aborted lock() does not take or leak the lock', async () => {
    const m = new Mutex(0);
    const held = await m.lock();
    const ac = new AbortController();
    const aborted = m.lock({ signal: ac.signal });
    const next = track(m.lock());
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    held.release();
    const g = await next.promise;
    expect(g.value).toBe(0);
    g.release();
    expect(m.isLocked).toBe(false);
  });

  it('a lock handed over in the same tick as the abort is delivered and can be released', async () => {
    const m = new Mutex(0);
    const held = await m.lock();
    const ac = new AbortController();
    const p = m.lock({ signal: ac.signal });
    held.release();
    ac.abort();
    const g = await p;
    expect(m.isLocked).toBe(true);
    g.release();
    expect(m.isLocked).toBe(false);
  });

  it('aborting a task that waits for the lock leaves the lock usable', async () => {
    const m = new Mutex(0);
    const held = await m.lock();
    const task = spawn(async () => {
      using g = await m.lock();
      g.value = 99;
    });
    await settle();
    task.abort();
    await expect(task).rejects.toMatchObject({});
    held.release();
    const g = m.tryLock()!;
    expect(g.value).toBe(0);
    g.release();
  });

  it('works from plain Node code with many contenders', async () => {
    const m = new Mutex(0);
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 20; i++) {
          using g = await m.lock();
          const v = g.value;
          await Promise.resolve();
          g.value = v + 1;
        }
      }),
    );
    expect((await m.lock()).value).toBe(1000);
  });
});
