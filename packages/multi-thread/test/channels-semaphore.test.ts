import { Cancelled } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { AcquireError, GuardReleased } from '@rt/sync';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';

describe('Semaphore (cross-thread)', () => {
  it('rejects bad permit counts with a RangeError', () => {
    expect(() => new shared.Semaphore(-1)).toThrow(RangeError);
    expect(() => new shared.Semaphore(1.5)).toThrow(RangeError);
    expect(() => new shared.Semaphore(2 ** 31)).toThrow(RangeError);
  });

  it('hands out permits and takes them back on dispose', async () => {
    const semaphore = new shared.Semaphore(2);
    {
      using a = await semaphore.acquire();
      using b = await semaphore.acquire();
      expect(a.permits + b.permits).toBe(2);
      expect(semaphore.availablePermits).toBe(0);
      expect(semaphore.tryAcquire()).toBeUndefined();
    }
    expect(semaphore.availablePermits).toBe(2);
  });

  it('wakes waiters of this thread in FIFO order', async () => {
    const semaphore = new shared.Semaphore(1);
    const held = await semaphore.acquire();
    const order: string[] = [];
    const first = semaphore.acquire().then((p) => { order.push('first'); return p; });
    const second = semaphore.acquire().then((p) => { order.push('second'); return p; });
    await settle(2);
    expect(order).toEqual([]);
    held.release();
    (await first).release();
    (await second).release();
    expect(order).toEqual(['first', 'second']);
  });

  it('acquireMany blocks later acquirers of this thread until n are free', async () => {
    const semaphore = new shared.Semaphore(2);
    const one = await semaphore.acquire();
    const many = track(semaphore.acquireMany(2));
    const later = track(semaphore.acquire());
    await settle(3);
    expect(many.isPending()).toBe(true);
    expect(later.isPending()).toBe(true);
    expect(semaphore.tryAcquire()).toBeUndefined(); // no jumping the queue
    one.release();
    const both = await many.promise;
    expect(both.permits).toBe(2);
    both.release();
    (await later.promise).release();
    expect(semaphore.availablePermits).toBe(2);
  });

  it('an aborted acquire holds no permit', async () => {
    const semaphore = new shared.Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(Cancelled);
    held.release();
    expect(semaphore.availablePermits).toBe(1);
  });

  it('close fails waiters and later acquires with AcquireError; held permits stay valid', async () => {
    const semaphore = new shared.Semaphore(1);
    const held = await semaphore.acquire();
    const waiting = semaphore.acquire();
    semaphore.close();
    await expect(waiting).rejects.toBeInstanceOf(AcquireError);
    await expect(semaphore.acquire()).rejects.toBeInstanceOf(AcquireError);
    expect(() => semaphore.tryAcquire()).toThrow(AcquireError);
    held.release();
    expect(semaphore.availablePermits).toBe(1);
  });

  it('addPermits, forgetPermits, and permits that split, merge and forget', async () => {
    const semaphore = new shared.Semaphore(1);
    semaphore.addPermits(3);
    expect(semaphore.forgetPermits(1)).toBe(1);
    const permit = await semaphore.acquireMany(3);
    const part = permit.split(1)!;
    expect(permit.permits).toBe(2);
    permit.merge(part);
    expect(permit.permits).toBe(3);
    expect(() => part.split(1)).toThrow(GuardReleased);
    permit.forget();
    expect(semaphore.availablePermits).toBe(0);
    expect(() => semaphore.addPermits(2 ** 31)).toThrow(RangeError);
  });

  it('a starving acquirer claims priority: another handle (as another thread) stops barging in', async () => {
    const a = new shared.Semaphore(2);
    const b = shared.Semaphore.fromTransfer(structuredClone(a.transfer()));
    const held = [b.tryAcquire()!, b.tryAcquire()!];
    const many = track(a.acquireMany(2));
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) {
      held[0]!.release();
      await settle(3); // a's head acquirer wakes, finds 1 of 2: a lost wake-up
      const again = b.tryAcquire();
      if (again === undefined) refused = true;
      else held[0] = again;
    }
    expect(refused).toBe(true);
    expect(many.isPending()).toBe(true);
    held[1]!.release();
    const both = await many.promise;
    expect(both.permits).toBe(2);
    both.release();
    // Served: the claim is gone and b takes permits again.
    const next = b.tryAcquire();
    expect(next?.permits).toBe(1);
    next?.release();
  });

  it('a transferred handle shares the same permits and the original stays usable', async () => {
    const semaphore = new shared.Semaphore(2);
    const { other } = decodeTransferables(structuredClone(encodeTransferables({ other: semaphore }))) as { other: shared.Semaphore };
    const permit = await other.acquire();
    expect(semaphore.availablePermits).toBe(1);
    const waiting = track(semaphore.acquireMany(2));
    await settle(2);
    expect(waiting.isPending()).toBe(true);
    permit.release();
    (await waiting.promise).release();
    expect(other.availablePermits).toBe(2);
  });
});

describe('Semaphore (cross-thread) acquire with the budget spent (the retry after a forced yield)', () => {
  it('yields a turn first, then takes its permits exactly once', async () => {
    const semaphore = new shared.Semaphore(3);
    const { value: permit, order } = await afterBudgetSpent(() => semaphore.acquireMany(2));
    expect(order).toEqual(['immediate', 'op']);
    expect(permit.permits).toBe(2);
    expect(semaphore.availablePermits).toBe(1);
    permit.release();
    expect(semaphore.availablePermits).toBe(3);
  });
});
