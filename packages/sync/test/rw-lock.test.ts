import { Cancelled } from '@rt/scheduler';
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
