import { ClosedError, FakeBackend, Interest, Reactor, Ready, ReadyEvent } from '@rt/reactor';

function setup(): { backend: FakeBackend; reactor: Reactor } {
  const backend = new FakeBackend();
  return { backend, reactor: new Reactor({ backend }) };
}

describe('Reactor', () => {
  it('drops a deregistered fd’s stale event in the same batch, even when the fd number is reused', async () => {
    const { backend, reactor } = setup();
    const old = reactor.register(7, Interest.READABLE);
    const oldToken = old.token;
    old.deregister();
    const reused = reactor.register(7, Interest.READABLE); // same fd number, new token
    expect(reused.token).not.toBe(oldToken);
    const wait = reused.readiness(Interest.READABLE);
    let woken = false;
    void wait.then(() => (woken = true));
    backend.pushToken(oldToken, Ready.READABLE);
    backend.flush();
    await Promise.resolve();
    expect(woken).toBe(false);
    expect(reactor.metrics()).toMatchObject({ staleEvents: 1, events: 1, batches: 1, wakeups: 0 });
    backend.push(7, Ready.READABLE);
    backend.flush();
    expect(ReadyEvent.ready(await wait)).toBe(Ready.READABLE);
    reactor.close();
  });

  it('wakes after the whole batch is decoded: two events of one fd in one batch make one wake-up with both bits', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const reader = registration.readiness(Interest.READABLE);
    backend.push(3, Ready.READABLE);
    backend.push(3, Ready.READ_CLOSED);
    backend.flush();
    expect(ReadyEvent.ready(await reader)).toBe(Ready.READABLE | Ready.READ_CLOSED);
    expect(reactor.metrics().wakeups).toBe(1);
    reactor.close();
  });

  it('wakes only the waiters whose interest an event satisfies', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    let read = false;
    const reader = registration.readiness(Interest.READABLE).then(() => (read = true));
    const writer = registration.readiness(Interest.WRITABLE);
    backend.push(3, Ready.WRITABLE);
    backend.flush();
    expect(ReadyEvent.ready(await writer)).toBe(Ready.WRITABLE);
    expect(read).toBe(false);
    expect(reactor.metrics().waiters).toBe(1);
    backend.push(3, Ready.ERROR | Ready.READ_CLOSED | Ready.WRITE_CLOSED);
    backend.flush();
    await reader;
    expect(ReadyEvent.ready(await registration.readiness(Interest.ERROR))).toBe(Ready.ERROR);
    reactor.close();
  });

  it('lets a task wait for the peer closing without consuming readability', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    let closed = false;
    const closing = registration.readiness(Interest.READ_CLOSED).then(() => (closed = true));
    backend.push(3, Ready.READABLE);
    backend.flush();
    await registration.readiness(Interest.READABLE);
    expect(closed).toBe(false);
    backend.push(3, Ready.READ_CLOSED);
    backend.flush();
    await closing;
    const writeClosed = registration.readiness(Interest.WRITE_CLOSED); // allowed: always reported
    reactor.close();
    await expect(writeClosed).rejects.toBeInstanceOf(ClosedError);
  });

  it('refs the backend exactly while a waiter exists', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    expect(backend.isRefed).toBe(false);
    const controller = new AbortController();
    const first = registration.readiness(Interest.READABLE, { signal: controller.signal });
    const second = registration.readiness(Interest.READABLE);
    expect(backend.isRefed).toBe(true);
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'Cancelled' });
    expect(backend.isRefed).toBe(true);
    backend.push(3, Ready.READABLE);
    backend.flush();
    await second;
    expect(backend.isRefed).toBe(false);
    const third = registration.readiness(Interest.READABLE); // resolves from the cache: no ref
    expect(backend.isRefed).toBe(false);
    await third;
    reactor.close();
  });

  it('forgets cached readiness on deregister, so tryIo never runs on a deregistered fd', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(registration.tryReadiness(Interest.READABLE)).not.toBeNull();
    registration.deregister();
    expect(registration.tryReadiness(Interest.READABLE)).toBeNull();
    expect(registration.tryIo(Interest.READABLE, () => { throw new Error('must not run'); })).toBe(-11);
    await expect(registration.io(Interest.READABLE, () => 1)).rejects.toBeInstanceOf(ClosedError);
    reactor.close();
  });

  it('hands out distinct tokens and counts registrations', () => {
    const { backend, reactor } = setup();
    const tokens = new Set([1, 2, 3, 4].map((fd) => reactor.register(fd, Interest.READABLE).token));
    expect(tokens.size).toBe(4);
    expect(reactor.metrics()).toMatchObject({ registered: 4, backend: 'fake' });
    expect([...backend.registrations.keys()]).toEqual([1, 2, 3, 4]);
    reactor.close();
    expect(reactor.metrics().registered).toBe(0);
  });

  it('rejects bad input at once with a message naming the value', () => {
    const { reactor } = setup();
    expect(() => reactor.register(-1, Interest.READABLE)).toThrow(/-1/);
    expect(() => reactor.register(1.5, Interest.READABLE)).toThrow(RangeError);
    expect(() => reactor.register(3, 0)).toThrow(RangeError);
    const registration = reactor.register(3, Interest.READABLE);
    expect(() => registration.readiness(Interest.WRITABLE)).toThrow(RangeError);
    expect(() => registration.tryReadiness(99)).toThrow(/99/);
    expect(() => reactor.register(3, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(reactor.metrics().registered).toBe(1);
    reactor.close();
    expect(() => reactor.register(4, Interest.READABLE)).toThrow(ClosedError);
  });

  it('keeps ticks within the packed range across many batches', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    for (let i = 0; i < 1000; i++) {
      backend.push(3, Ready.READABLE);
      backend.flush();
      const event = await registration.readiness(Interest.READABLE);
      expect(ReadyEvent.tick(event)).toBe(i + 1);
      registration.clearReadiness(event);
      expect(registration.tryReadiness(Interest.READABLE)).toBeNull();
    }
    reactor.close();
  });

  it('disposes with using', () => {
    const { backend } = setup();
    {
      using reactor = new Reactor({ backend });
      using registration = reactor.register(3, Interest.READABLE);
      expect(registration.isRegistered).toBe(true);
    }
    expect(backend.closed).toBe(true);
  });
});

describe('Registration.whenReady', () => {
  it('calls back synchronously from the dispatch, in FIFO order with promise waiters, and refs the backend while waiting', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const seen: number[] = [];
    const closed: Error[] = [];
    expect(registration.whenReady(Interest.READABLE, (event) => seen.push(ReadyEvent.ready(event)), (error) => closed.push(error))).toBeNull();
    expect(backend.isRefed).toBe(true);
    backend.push(3, Ready.WRITABLE); // not what it waits for
    backend.flush();
    expect(seen).toEqual([]);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(seen).toEqual([Ready.READABLE]); // no await: called during flush()
    expect(backend.isRefed).toBe(false);
    expect(reactor.metrics().wakeups).toBe(1);
    // Ready now: the cached event comes back at once and nothing is registered.
    const now = registration.whenReady(Interest.READABLE, () => seen.push(-1), () => undefined);
    expect(now).not.toBeNull();
    expect(ReadyEvent.ready(now!)).toBe(Ready.READABLE);
    expect(backend.isRefed).toBe(false);
    expect(closed).toEqual([]);
    reactor.close();
  });

  it('calls onClosed on deregister and when the reactor closes; throws when not registered', () => {
    const { reactor } = setup();
    const first = reactor.register(3, Interest.READABLE);
    const second = reactor.register(4, Interest.READABLE);
    const closed: string[] = [];
    first.whenReady(Interest.READABLE, () => closed.push('ready?'), (error) => closed.push(`first ${error.name}`));
    second.whenReady(Interest.READABLE, () => closed.push('ready?'), (error) => closed.push(`second ${error.name}`));
    first.deregister();
    expect(closed).toEqual(['first ClosedError']);
    reactor.close();
    expect(closed).toEqual(['first ClosedError', 'second ClosedError']);
    expect(() => first.whenReady(Interest.READABLE, () => undefined, () => undefined)).toThrow(ClosedError);
    expect(() => second.whenReady(0, () => undefined, () => undefined)).toThrow(RangeError);
  });

  it('rethrows a throwing callback on a later microtask and still wakes the rest of the batch', async () => {
    const { backend, reactor } = setup();
    const a = reactor.register(3, Interest.READABLE);
    const b = reactor.register(4, Interest.READABLE);
    const boom = new Error('boom');
    let woken = false;
    a.whenReady(Interest.READABLE, () => {
      throw boom;
    }, () => undefined);
    b.whenReady(Interest.READABLE, () => (woken = true), () => undefined);
    const uncaught: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => original(() => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    });
    try {
      backend.push(3, Ready.READABLE);
      backend.push(4, Ready.READABLE);
      backend.flush();
      expect(woken).toBe(true);
      await Promise.resolve();
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(uncaught).toEqual([boom]);
    reactor.close();
  });
});

describe('ReadyEvent', () => {
  it('packs a tick and Ready bits into one integer', () => {
    const event = ReadyEvent.of(123, Ready.WRITABLE | Ready.ERROR);
    expect(ReadyEvent.tick(event)).toBe(123);
    expect(ReadyEvent.ready(event)).toBe(Ready.WRITABLE | Ready.ERROR);
    expect(Number.isSafeInteger(ReadyEvent.of(0x3fffff, Ready.ALL))).toBe(true);
  });
});
