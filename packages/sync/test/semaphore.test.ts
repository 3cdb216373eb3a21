import { Builder, Cancelled, spawn } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { AcquireError, GuardReleased, Mutex, OnceCell, RwLock, Semaphore } from '@rt/sync';
import { isThenable } from '@rt/scheduler/primitives';

describe('Semaphore', () => {
  it('rejects bad permit counts with a RangeError', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(/permits/);
    expect(() => new Semaphore(Semaphore.MAX_PERMITS + 1)).toThrow(RangeError);
    const s = new Semaphore(0);
    expect(() => s.acquireMany(-1)).toThrow(RangeError);
    expect(() => s.addPermits(Semaphore.MAX_PERMITS + 1)).toThrow(RangeError);
  });

  it('counts permits through acquire, release and forget', async () => {
    const s = new Semaphore(3);
    const a = await s.acquire();
    const b = await s.acquireMany(2);
    expect(s.availablePermits).toBe(0);
    expect(b.permits).toBe(2);
    a.release();
    a.release();
    expect(s.availablePermits).toBe(1);
    b.forget();
    b.release();
    expect(s.availablePermits).toBe(1);
    expect(s.forgetPermits(5)).toBe(1);
    expect(s.availablePermits).toBe(0);
    s.addPermits(2);
    expect(s.availablePermits).toBe(2);
  });

  it('wakes waiters in FIFO order, a big request blocking later small ones', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const big = track(s.acquireMany(2));
    const small = track(s.acquire());
    held.release();
    await settle();
    // 1 permit free, but the head needs 2: nobody jumps the queue.
    expect(big.isPending()).toBe(true);
    expect(small.isPending()).toBe(true);
    expect(s.tryAcquire()).toBeUndefined();
    s.addPermits(1);
    const bigPermit = await big.promise;
    await settle();
    expect(small.isPending()).toBe(true);
    bigPermit.release();
    (await small.promise).release();
    expect(s.availablePermits).toBe(2);
  });

  it('splits and merges permits', async () => {
    const s = new Semaphore(4);
    const p = await s.acquireMany(4);
    const q = p.split(1)!;
    expect(p.permits).toBe(3);
    expect(q.permits).toBe(1);
    expect(p.split(10)).toBeUndefined();
    p.merge(q);
    expect(p.permits).toBe(4);
    expect(q.permits).toBe(0);
    expect(() => q.merge(p)).toThrow(GuardReleased);
    const other = new Semaphore(1).tryAcquire()!;
    expect(() => p.merge(other)).toThrow(TypeError);
    {
      using _p = p;
    }
    expect(s.availablePermits).toBe(4);
  });

  it('close() rejects waiters and later acquires with AcquireError; held permits stay valid', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const waiter = s.acquire().catch((e: unknown) => e);
    s.close();
    expect(s.isClosed).toBe(true);
    const error = await waiter;
    expect(error).toBeInstanceOf(AcquireError);
    expect((error as AcquireError).code).toBe('ERR_RT_SEMAPHORE_CLOSED');
    await expect(s.acquire()).rejects.toBeInstanceOf(AcquireError);
    expect(() => s.tryAcquire()).toThrow(AcquireError);
    held.release();
    expect(s.availablePermits).toBe(1);
  });

  it('an aborted acquire holds no permit and lets the next waiter through', async () => {
    const s = new Semaphore(0);
    const ac = new AbortController();
    const big = s.acquireMany(2, { signal: ac.signal });
    const small = track(s.acquire());
    s.addPermits(1);
    await settle();
    expect(small.isPending()).toBe(true);
    ac.abort();
    await expect(big).rejects.toBeInstanceOf(Cancelled);
    (await small.promise).release();
    expect(s.availablePermits).toBe(1);
  });

  it('a permit handed over in the same tick as the abort is delivered, never leaked', async () => {
    const s = new Semaphore(0);
    const ac = new AbortController();
    const p = s.acquire({ signal: ac.signal });
    s.addPermits(1);
    ac.abort();
    const permit = await p;
    expect(s.availablePermits).toBe(0);
    permit.release();
    expect(s.availablePermits).toBe(1);
  });

  it('acquireMany(0) succeeds at once', async () => {
    const s = new Semaphore(0);
    expect((await s.acquireMany(0)).permits).toBe(0);
    expect(s.tryAcquireMany(0)).toBeDefined();
  });
  it('a free permit is not taken by an aborted acquire: the signal, or the task, rejects it with Cancelled', async () => {
    const s = new Semaphore(1);
    await expect(s.acquire({ signal: AbortSignal.abort('stop') })).rejects.toBeInstanceOf(Cancelled);
    expect(s.availablePermits).toBe(1);
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let caught: unknown;
      const handle = spawn(async () => {
        started();
        await gate; // not an rt await: the abort lands at the acquire below
        try {
          return await s.acquire();
        } catch (error) {
          caught = error;
          throw error;
        }
      });
      await running;
      handle.abort();
      open();
      await handle.then(
        () => undefined,
        () => undefined,
      );
      expect(caught).toBeInstanceOf(Cancelled);
      expect(s.availablePermits).toBe(1);
    });
    await runtime.shutdown();
  });
});

describe('a free permit taken with the budget spent (the retry after a forced yield)', () => {
  it('Semaphore.acquire yields a turn first, then takes its permit exactly once', async () => {
    const semaphore = new Semaphore(2);
    const { value: held, order } = await afterBudgetSpent(async () => {
      const permit = await semaphore.acquire();
      return { permits: permit.permits, available: semaphore.availablePermits, permit };
    });
    expect(order).toEqual(['immediate', 'op']);
    expect(held.permits).toBe(1);
    expect(held.available).toBe(1);
    held.permit.release();
    expect(semaphore.availablePermits).toBe(2);
  });

  it('Mutex.lock yields a turn first, then holds the lock exactly once', async () => {
    const mutex = new Mutex({ n: 0 });
    const { order } = await afterBudgetSpent(async () => {
      using guard = await mutex.lock();
      guard.value.n += 1;
      expect(mutex.tryLock()).toBeUndefined();
    });
    expect(order).toEqual(['immediate', 'op']);
    using again = mutex.tryLock()!;
    expect(again.value.n).toBe(1);
  });

  it('OnceCell.getOrInit runs init once when its first acquire had to yield', async () => {
    const cell = new OnceCell<string>();
    let inits = 0;
    const { value, order } = await afterBudgetSpent(() =>
      cell.getOrInit(() => {
        inits += 1;
        return 'ready';
      }),
    );
    expect(value).toBe('ready');
    expect(inits).toBe(1);
    expect(order).toEqual(['immediate', 'op']);
    expect(cell.get()).toBe('ready');
  });
});

describe('the ready path of Semaphore, Mutex and RwLock (free permits, nobody waiting)', () => {
  it('resolves with the permit or guard itself: not a thenable, no own then, a fresh object each time', async () => {
    const s = new Semaphore(1);
    const a = await s.acquire();
    expect(isThenable(a)).toBe(false);
    expect(Object.keys(a)).toEqual([]);
    expect(await Promise.resolve(a)).toBe(a);
    a.release();
    const b = await s.acquire();
    expect(b).not.toBe(a);
    a.release(); // a second release of the old permit gives nothing back
    expect(s.availablePermits).toBe(0);
    b.release();
    const m = new Mutex(1);
    const guard = await m.lock();
    expect(isThenable(guard)).toBe(false);
    expect(await Promise.resolve(guard)).toBe(guard);
    guard.release();
    const rw = new RwLock(2);
    const read = await rw.read();
    expect(isThenable(read)).toBe(false);
    expect(read.value).toBe(2);
    read.release();
    const write = await rw.write();
    expect(isThenable(write)).toBe(false);
    write.release();
  });

  it('a free lock is not taken by an aborted lock(): Cancelled, still free', async () => {
    const m = new Mutex(0);
    await expect(m.lock({ signal: AbortSignal.abort('stop') })).rejects.toBeInstanceOf(Cancelled);
    expect(m.isLocked).toBe(false);
    const rw = new RwLock(0);
    await expect(rw.write({ signal: AbortSignal.abort('stop') })).rejects.toBeInstanceOf(Cancelled);
    expect(rw.tryWrite()).toBeDefined();
  });

  it.each([
    ['Semaphore.acquire', (): (() => Promise<{ release(): void }>) => { const s = new Semaphore(1); return () => s.acquire(); }],
    ['Mutex.lock', (): (() => Promise<{ release(): void }>) => { const m = new Mutex(0); return () => m.lock(); }],
  ])('a task looping on an uncontended %s lets a setImmediate queued before run within 256 acquires (the cooperative budget)', async (_name, make) => {
    const acquire = make();
    const runtime = Builder.currentThread().build();
    await runtime.run(() =>
      spawn(async () => {
        let ran = false;
        let before = -1;
        let i = 0;
        setImmediate(() => {
          ran = true;
          before = i;
        });
        for (; i < 1000 && !ran; i++) (await acquire()).release();
        expect(ran).toBe(true);
        expect(before).toBeLessThanOrEqual(256);
      }),
    );
    await runtime.shutdown();
  });
});
