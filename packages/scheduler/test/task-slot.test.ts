// What a task record must keep whatever fields it shares (issue 16, pass ts26 measured the head
// of a task's parked waiters kept in the field of its function and result, and did not keep it):
// waiters that outlive their task, or that a callback of a finished task parks in its context,
// leave the result alone; a running task's waiters are listed and all cancelled on abort.
import { Builder, park, type Waiter } from '@rt/scheduler';

describe('a task record: function, parked waiters, result', () => {
  it('keeps the value of a task that finished with a waiter still parked, whether the waiter is woken, failed or cancelled afterwards', async () => {
    const runtime = Builder.currentThread().build();
    try {
      for (const end of ['wake', 'fail', 'cancel'] as const) {
        const waiters: Waiter<number>[] = [];
        const promises: Promise<number>[] = [];
        const controller = new AbortController();
        const handle = runtime.spawn(async () => {
          // Two parks, not awaited: both are linked into the task's list when it finishes.
          const a = park<number>('Test.a', () => {}, {
            signal: controller.signal,
          });
          const b = park<number>('Test.b', () => {}, {
            signal: controller.signal,
          });
          waiters.push(a.waiter, b.waiter);
          promises.push(a.promise, b.promise);
          for (const promise of promises) void promise.catch(() => {});
          return 42;
        });
        expect(await handle).toBe(42);
        if (end === 'wake') for (const w of waiters) w.wake(1);
        else if (end === 'fail') for (const w of waiters) w.fail(new Error('failed'));
        else controller.abort();
        const settled = await Promise.allSettled(promises);
        expect(settled.map((r) => r.status)).toEqual(end === 'wake' ? ['fulfilled', 'fulfilled'] : ['rejected', 'rejected']);
        expect(await handle).toBe(42);
        expect(handle.isFinished()).toBe(true);
      }
    } finally {
      await runtime.shutdown();
    }
  });

  it("keeps a value that is the task's own waiter, still parked when the task finished, after that waiter is woken", async () => {
    const runtime = Builder.currentThread().build();
    try {
      // park() returns its waiter as its own { waiter, promise } pair: the task's value is the waiter.
      const handle = runtime.spawn(() => park<number>('Test.own', () => {}));
      const pair = await handle;
      expect(pair.waiter).toBe(pair);
      pair.waiter.wake(7);
      expect(await pair.promise).toBe(7);
      expect(await handle).toBe(pair);
    } finally {
      await runtime.shutdown();
    }
  });

  it("keeps a value that is one of its own older waiters, or an array of them, the task finished with 2, 3 or 10 waiters parked, whichever ends first", async () => {
    const runtime = Builder.currentThread().build();
    try {
      for (const n of [2, 3, 10]) {
        for (const pick of ['oldest', 'middle', 'all'] as const) {
          for (const first of ['newest', 'oldest'] as const) {
            let pairs: { waiter: Waiter<number>; promise: Promise<number> }[] = [];
            const handle = runtime.spawn(() => {
              pairs = Array.from({ length: n }, (_, i) => park<number>(`Test.w${i}`, () => {}));
              return pick === 'all' ? pairs : pick === 'oldest' ? pairs[0] : pairs[n >> 1];
            });
            const value = await handle;
            const order = [...pairs.keys()];
            if (first === 'newest') order.reverse();
            for (const i of order) {
              expect(pairs[i]!.waiter.wake(i)).toBe(true);
              expect(await handle).toBe(value);
            }
            expect(await Promise.all(pairs.map((p) => p.promise))).toEqual([...pairs.keys()]);
            expect(await handle).toBe(value);
          }
        }
      }
    } finally {
      await runtime.shutdown();
    }
  });

  it('keeps the value when a callback the task left behind parks in its context after it finished, and the task is not listed as waiting', async () => {
    const runtime = Builder.currentThread().build();
    try {
      let late: { waiter: Waiter<string>; promise: Promise<string> } | undefined;
      let parkedLate!: () => void;
      const done = new Promise<void>((resolve) => (parkedLate = resolve));
      const handle = runtime.spawn(() => {
        setTimeout(() => {
          late = park<string>('Test.late', () => {});
          parkedLate();
        }, 1);
        return 'value';
      });
      expect(await handle).toBe('value');
      await done;
      expect(runtime.handle.dump().tasks.find((t) => t.id === handle.id)).toBeUndefined();
      late!.waiter.wake('woken');
      expect(await late!.promise).toBe('woken');
      expect(await handle).toBe('value');
    } finally {
      await runtime.shutdown();
    }
  });

  it("lists a running task's parked waiters and cancels all of them on abort; the task's JoinError stays its result", async () => {
    const runtime = Builder.currentThread().build();
    try {
      let ready!: () => void;
      const parked = new Promise<void>((resolve) => (ready = resolve));
      const handle = runtime.spawn(async () => {
        const a = park<void>('Test.first', () => {});
        const b = park<void>('Test.second', () => {});
        ready();
        await Promise.all([a.promise, b.promise]);
        return 'never';
      });
      await parked;
      const dumped = runtime.handle.dump().tasks.find((t) => t.id === handle.id);
      expect(dumped?.state).toBe('waiting');
      expect(dumped?.waitingOn).toEqual(['Test.second', 'Test.first']);
      handle.abort();
      const error = await handle.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as { isCancelled(): boolean }).isCancelled()).toBe(true);
      expect(
        await handle.then(
          () => 'fulfilled',
          () => 'rejected',
        ),
      ).toBe('rejected');
    } finally {
      await runtime.shutdown();
    }
  });

  it('spawn(fn) before it starts: aborting a scheduled task never runs its function', async () => {
    const runtime = Builder.currentThread().build();
    try {
      let ran = false;
      const handle = runtime.spawn(() => {
        ran = true;
      });
      handle.abort();
      const error = await handle.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as { isCancelled(): boolean }).isCancelled()).toBe(true);
      expect(ran).toBe(false);
    } finally {
      await runtime.shutdown();
    }
  });
});
