// The contract every ReactorBackend must meet, as seen through the Reactor: run by
// fake-backend.test.ts and native-backend.test.ts with a harness each.
import { ClosedError, Interest, Ready, ReadyEvent } from '@rt/reactor';
import type { Reactor } from '@rt/reactor';

export interface Harness {
  readonly reactor: Reactor;
  /** Two connected endpoints; `a` is the one under test. */
  pair(): [number, number];
  /** Bytes from `b` arrive at `a`. */
  send(a: number, b: number): void;
  /** Bytes, then end of stream, from `b` arrive at `a`. */
  sendAndFinish(a: number, b: number): void;
  /** `b` goes away entirely. */
  hangUp(a: number, b: number): void;
  /** Delivers the pending events as one batch, synchronously. */
  deliver(): void;
  /** A read on `a`: bytes read, or -EAGAIN when drained. */
  read(a: number): number;
  cleanup(): void;
}

/** Lets promise callbacks run (no timers, no I/O). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function track<T>(promise: Promise<T>): { state: () => 'pending' | 'resolved' | 'rejected'; value: () => T; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T;
  let error: unknown;
  promise.then(
    (v) => {
      state = 'resolved';
      value = v;
    },
    (e: unknown) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, value: () => value, error: () => error };
}

export function backendContract(name: string, makeHarness: () => Harness): void {
  describe(`ReactorBackend contract: ${name}`, () => {
    let h: Harness;
    beforeEach(() => {
      h = makeHarness();
    });
    afterEach(() => {
      h.cleanup();
    });

    it('wakes a reader when data arrives', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const wait = track(registration.readiness(Interest.READABLE));
      await settle();
      expect(wait.state()).toBe('pending');
      expect(h.reactor.metrics().waiters).toBe(1);
      h.send(a, b);
      h.deliver();
      await settle();
      expect(wait.state()).toBe('resolved');
      expect(ReadyEvent.ready(wait.value()) & Ready.READABLE).toBe(Ready.READABLE);
      expect(h.reactor.metrics()).toMatchObject({ waiters: 0, registered: 1 });
      expect(h.reactor.metrics().wakeups).toBeGreaterThanOrEqual(1);
      registration.deregister();
    });

    it('answers from cached readiness until it is cleared', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      h.send(a, b);
      h.deliver();
      const event = await registration.readiness(Interest.READABLE);
      expect(await registration.readiness(Interest.READABLE)).toBe(event);
      expect(registration.tryReadiness(Interest.READABLE)).toBe(event);
      while (h.read(a) > 0);
      registration.clearReadiness(event);
      expect(registration.tryReadiness(Interest.READABLE)).toBeNull();
      const wait = track(registration.readiness(Interest.READABLE));
      await settle();
      expect(wait.state()).toBe('pending');
      h.send(a, b);
      h.deliver();
      await settle();
      expect(wait.state()).toBe('resolved');
      registration.deregister();
    });

    it("answers a ReadyCallback's tryReadiness from the same cache as the registration's, without arming it", async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE | Interest.WRITABLE);
      let fired = 0;
      const wait = registration.readyCallback(Interest.READABLE, () => fired++, () => {});
      expect(wait.tryReadiness()).toBe(registration.tryReadiness(Interest.READABLE));
      h.send(a, b);
      h.deliver();
      const event = wait.tryReadiness();
      expect(event).not.toBeNull();
      expect(event).toBe(registration.tryReadiness(Interest.READABLE));
      expect(ReadyEvent.ready(event!) & Ready.READABLE).toBe(Ready.READABLE);
      expect(wait.armed).toBe(false);
      while (h.read(a) > 0);
      registration.clearReadiness(event!);
      expect(wait.tryReadiness()).toBeNull();
      expect(wait.armed).toBe(false);
      expect(fired).toBe(0);
      h.send(a, b);
      h.deliver();
      expect(wait.tryReadiness()).not.toBeNull(); // ready again, so the check below means something
      registration.deregister();
      expect(wait.tryReadiness()).toBeNull(); // a deregistered fd never reads as ready
    });

    it('never lets clearing an old event erase a newer one', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      h.send(a, b);
      h.deliver();
      const old = await registration.readiness(Interest.READABLE);
      h.send(a, b); // a new event arrives between the check and the EAGAIN
      h.deliver();
      registration.clearReadiness(old);
      expect(registration.tryReadiness(Interest.READABLE)).not.toBeNull();
      registration.deregister();
    });

    it('reports data and end of stream in one event', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const wait = registration.readiness(Interest.READABLE);
      h.sendAndFinish(a, b);
      h.deliver();
      expect(ReadyEvent.ready(await wait)).toBe(Ready.READABLE | Ready.READ_CLOSED);
      registration.deregister();
    });

    it('reports a hang-up as closed, and closed bits survive clearing', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE | Interest.WRITABLE);
      const reader = registration.readiness(Interest.READABLE);
      h.hangUp(a, b);
      h.deliver();
      const event = await reader;
      expect(ReadyEvent.ready(event) & Ready.READ_CLOSED).toBe(Ready.READ_CLOSED);
      registration.clearReadiness(event);
      expect(registration.tryReadiness(Interest.READABLE)! & Ready.READ_CLOSED).toBe(Ready.READ_CLOSED);
      expect(ReadyEvent.ready(await registration.readiness(Interest.WRITABLE)) & Ready.WRITE_CLOSED).toBe(Ready.WRITE_CLOSED);
      registration.deregister();
    });

    it('wakes every ready fd of one batch', async () => {
      const pairs = Array.from({ length: 16 }, () => h.pair());
      const registrations = pairs.map(([a]) => h.reactor.register(a, Interest.READABLE));
      const waits = registrations.map((r) => track(r.readiness(Interest.READABLE)));
      const batches = h.reactor.metrics().batches;
      for (const [a, b] of pairs) h.send(a, b);
      h.deliver();
      await settle();
      expect(waits.map((w) => w.state())).toEqual(waits.map(() => 'resolved'));
      expect(h.reactor.metrics().batches).toBe(batches + 1);
      expect(h.reactor.metrics().waiters).toBe(0);
      for (const r of registrations) r.deregister();
    });

    it('wakes waiters in FIFO order', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const order: number[] = [];
      const waits = [1, 2, 3].map((i) => registration.readiness(Interest.READABLE).then(() => order.push(i)));
      h.send(a, b);
      h.deliver();
      await Promise.all(waits);
      expect(order).toEqual([1, 2, 3]);
      registration.deregister();
    });

    it('rejects an aborted wait with Cancelled and loses no readiness', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const controller = new AbortController();
      const wait = registration.readiness(Interest.READABLE, { signal: controller.signal });
      const other = track(registration.readiness(Interest.READABLE));
      controller.abort();
      await expect(wait).rejects.toMatchObject({ code: 'ERR_RT_CANCELLED', name: 'Cancelled' });
      expect(h.reactor.metrics().waiters).toBe(1);
      h.send(a, b);
      h.deliver();
      await settle();
      expect(other.state()).toBe('resolved');
      expect(h.read(a)).toBeGreaterThan(0); // the data is still there for the next reader
      registration.deregister();
    });

    it('resolves a wait that was woken just before its signal aborted', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const controller = new AbortController();
      const wait = registration.readiness(Interest.READABLE, { signal: controller.signal });
      h.send(a, b);
      h.deliver();
      controller.abort(); // after the wake-up, before the waiter's continuation runs
      expect(ReadyEvent.ready(await wait) & Ready.READABLE).toBe(Ready.READABLE);
      expect(h.reactor.metrics().waiters).toBe(0);
      registration.deregister();
    });

    it('rejects at once when the signal is already aborted, without queueing a waiter', async () => {
      const [a] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const reason = new Error('stop');
      await expect(registration.readiness(Interest.READABLE, { signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
        code: 'ERR_RT_CANCELLED',
        cause: reason,
      });
      expect(h.reactor.metrics().waiters).toBe(0);
      registration.deregister();
    });

    it('rejects pending and later waits with ClosedError after deregister', async () => {
      const [a] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const wait = registration.readiness(Interest.READABLE);
      registration.deregister();
      registration.deregister();
      await expect(wait).rejects.toBeInstanceOf(ClosedError);
      await expect(registration.readiness(Interest.READABLE)).rejects.toMatchObject({ code: 'ERR_RT_CLOSED' });
      expect(registration.isRegistered).toBe(false);
      expect(h.reactor.metrics()).toMatchObject({ waiters: 0, registered: 0 });
    });

    it('runs io() until the syscall stops returning EAGAIN', async () => {
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const result = registration.io(Interest.READABLE, () => h.read(a));
      await settle();
      h.send(a, b);
      h.deliver();
      expect(await result).toBeGreaterThan(0);
      expect(registration.tryIo(Interest.READABLE, () => h.read(a))).toBe(-11);
      registration.deregister();
    });

    it('rejects every pending wait with ClosedError when the reactor closes', async () => {
      const [a] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE);
      const wait = registration.readiness(Interest.READABLE);
      h.reactor.close();
      await expect(wait).rejects.toMatchObject({ code: 'ERR_RT_CLOSED' });
      expect(() => h.reactor.register(a, Interest.READABLE)).toThrow(ClosedError);
      expect(h.reactor.closed).toBe(true);
    });
  });
}
