import fc from 'fast-check';
import { Builder, Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { GuardReleased, RwLock } from '@rt/sync';

describe('RwLock', () => {
  it('lets many readers share the lock', async () => {
    const lock = new RwLock(5);
    const a = await lock.read();
    const b = await lock.read();
    expect(a.value + b.value).toBe(10);
    expect(lock.tryWrite()).toBeUndefined();
    a.release();
    b.release();
    const w = lock.tryWrite()!;
    w.value = 6;
    w.release();
    expect(lock.tryRead()!.value).toBe(6);
  });

  it('is write-preferring: readers arriving after a waiting writer wait behind it', async () => {
    const lock = new RwLock(0);
    const r1 = await lock.read();
    const writer = track(lock.write());
    const r2 = track(lock.read());
    await settle();
    expect(writer.isPending()).toBe(true);
    expect(r2.isPending()).toBe(true);
    expect(lock.tryRead()).toBeUndefined();
    r1.release();
    const w = await writer.promise;
    await settle();
    expect(r2.isPending()).toBe(true);
    w.value = 1;
    w.release();
    expect((await r2.promise).value).toBe(1);
  });

  it('honours maxReaders', async () => {
    const lock = new RwLock('v', { maxReaders: 2 });
    expect(lock.maxReaders).toBe(2);
    const a = await lock.read();
    const b = await lock.read();
    expect(lock.tryRead()).toBeUndefined();
    const c = track(lock.read());
    a.release();
    await c.promise;
    b.release();
    expect(() => new RwLock(0, { maxReaders: 0 })).toThrow(RangeError);
  });

  it('downgrades a write guard to a read guard without letting a writer in', async () => {
    const lock = new RwLock(0);
    const w = await lock.write();
    const otherWriter = track(lock.write());
    const r = w.downgrade();
    expect(() => w.value).toThrow(GuardReleased);
    await settle();
    expect(otherWriter.isPending()).toBe(true);
    expect(r.value).toBe(0);
    r.release();
    (await otherWriter.promise).release();
  });

  it('an aborted write() does not block readers or leak the lock', async () => {
    const lock = new RwLock(0);
    const r1 = await lock.read();
    const ac = new AbortController();
    const writer = lock.write({ signal: ac.signal });
    const r2 = track(lock.read());
    await settle();
    expect(r2.isPending()).toBe(true);
    ac.abort();
    await expect(writer).rejects.toBeInstanceOf(Cancelled);
    (await r2.promise).release();
    r1.release();
    lock.tryWrite()!.release();
  });
});

describe('RwLock in a runtime dump', () => {
  it('shows what a parked task waits for', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const lock = new RwLock(0);
      const reader = await lock.read();
      const writer = runtime.spawn(async () => (await lock.write()).release());
      await settle();
      const labels = runtime.dump().tasks.flatMap((t) => t.waitingOn);
      expect(labels).toContain('RwLock.write');
      reader.release();
      await writer;
    });
    await runtime.shutdown();
  });
});

describe('RwLock model', () => {
  it('never lets a writer share the lock, grants in request order, and settles every waiter', async () => {
    type Op = { kind: 'read' } | { kind: 'write' } | { kind: 'release'; index: number } | { kind: 'abort'; index: number } | { kind: 'releaseThenAbort'; index: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'read' } as const) },
      { weight: 2, arbitrary: fc.constant({ kind: 'write' } as const) },
      { weight: 3, arbitrary: fc.nat(20).map((index) => ({ kind: 'release', index }) as const) },
      { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'abort', index }) as const) },
      { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'releaseThenAbort', index }) as const) },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40 }), async (maxReaders, ops) => {
        const lock = new RwLock(0, { maxReaders });
        type Held = { release(): void; write: boolean };
        const held: Held[] = [];
        const granted: number[] = [];
        const requests: { id: number; controller: AbortController; tracked: ReturnType<typeof track> }[] = [];
        let nextId = 0;
        const check = (): void => {
          const writers = held.filter((h) => h.write).length;
          const readers = held.length - writers;
          expect(writers === 0 || (writers === 1 && readers === 0)).toBe(true);
          expect(readers).toBeLessThanOrEqual(maxReaders);
        };
        const release = (index: number): void => {
          if (held.length > 0) held.splice(index % held.length, 1)[0]!.release();
        };
        const abort = (index: number): void => {
          if (requests.length > 0) requests[index % requests.length]!.controller.abort();
        };
        for (const o of ops) {
          if (o.kind === 'read' || o.kind === 'write') {
            const id = nextId++;
            const controller = new AbortController();
            const write = o.kind === 'write';
            const promise = (write ? lock.write({ signal: controller.signal }) : lock.read({ signal: controller.signal })).then((g) => {
              granted.push(id);
              held.push({ release: () => g.release(), write });
            });
            requests.push({ id, controller, tracked: track(promise) });
          } else if (o.kind === 'release') release(o.index);
          else if (o.kind === 'abort') abort(o.index);
          else {
            release(o.index);
            abort(o.index);
          }
          await settle();
          check();
        }
        for (let turns = 0; held.length > 0 || requests.some((r) => r.tracked.isPending()); turns++) {
          expect(turns).toBeLessThan(200);
          release(0);
          await settle();
          check();
        }
        // Grants follow request order.
        for (let i = 1; i < granted.length; i++) expect(granted[i]).toBeGreaterThan(granted[i - 1]!);
        for (const r of requests) if (r.tracked.isRejected()) expect(r.tracked.error).toBeInstanceOf(Cancelled);
        lock.tryWrite()!.release();
      }),
      { numRuns: 150 },
    );
  });
});
