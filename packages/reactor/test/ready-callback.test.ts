import { ClosedError, FakeBackend, Interest, Reactor, Ready, ReadyCallback, ReadyEvent } from '@rt/reactor';
import { catchingMicrotaskThrows } from './microtask-throws.js';

function setup(): { backend: FakeBackend; reactor: Reactor } {
  const backend = new FakeBackend();
  return { backend, reactor: new Reactor({ backend }) };
}

/** Records the callbacks of one ReadyCallback. */
function recorder(): { ready: number[]; closed: Error[]; onReady: (event: ReadyEvent) => void; onClosed: (error: Error) => void } {
  const ready: number[] = [];
  const closed: Error[] = [];
  return { ready, closed, onReady: (event) => ready.push(event), onClosed: (error) => closed.push(error) };
}

describe('ReadyCallback', () => {
  it('returns the cached ReadyEvent at once and arms nothing when the fd is ready', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    backend.push(3, Ready.READABLE);
    backend.flush();
    const calls = recorder();
    const wait = registration.readyCallback(Interest.READABLE, calls.onReady, calls.onClosed);
    expect(wait).toBeInstanceOf(ReadyCallback);
    expect(wait.armed).toBe(false);
    const event = wait.arm();
    expect(event).not.toBeNull();
    expect(ReadyEvent.ready(event!)).toBe(Ready.READABLE);
    expect(ReadyEvent.tick(event!)).toBe(1);
    expect(wait.armed).toBe(false);
    expect(reactor.metrics().waiters).toBe(0);
    expect(backend.isRefed).toBe(false);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(calls.ready).toEqual([]);
    expect(calls.closed).toEqual([]);
    reactor.close();
    expect(calls.closed).toEqual([]); // nothing was armed, so nothing to close
  });

  it('arms when not ready and calls onReady once, synchronously inside the dispatch of the batch that made the fd ready', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const calls = recorder();
    let inDispatch = false;
    let calledInDispatch = false;
    const wait = registration.readyCallback(
      Interest.READABLE,
      (event) => {
        calledInDispatch = inDispatch;
        calls.onReady(event);
      },
      calls.onClosed,
    );
    expect(wait.arm()).toBeNull();
    expect(wait.armed).toBe(true);
    expect(reactor.metrics().waiters).toBe(1);
    expect(backend.isRefed).toBe(true);
    backend.push(3, Ready.WRITABLE); // not what it waits for
    backend.flush();
    expect(calls.ready).toEqual([]);
    expect(wait.armed).toBe(true);
    backend.push(3, Ready.READABLE);
    inDispatch = true;
    backend.flush();
    inDispatch = false;
    expect(calledInDispatch).toBe(true);
    expect(calls.ready).toHaveLength(1);
    expect(ReadyEvent.ready(calls.ready[0]!)).toBe(Ready.READABLE);
    expect(ReadyEvent.tick(calls.ready[0]!)).toBe(2); // the second batch made it ready
    expect(wait.armed).toBe(false);
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 1 });
    expect(backend.isRefed).toBe(false);
    // A later batch does not call it again: it fired once and is no longer armed.
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(calls.ready).toHaveLength(1);
    expect(calls.closed).toEqual([]);
    reactor.close();
    expect(calls.closed).toEqual([]);
  });

  it('fires in FIFO order with promise waiters of the same fd, and each wait of a batch once', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const order: string[] = [];
    const first = registration.readyCallback(Interest.READABLE, () => order.push('first'), () => undefined);
    first.arm();
    const promised = registration.readiness(Interest.READABLE).then(() => order.push('promise'));
    const second = registration.readyCallback(Interest.READABLE, () => order.push('second'), () => undefined);
    second.arm();
    expect(reactor.metrics().waiters).toBe(3);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(order).toEqual(['first', 'second']); // callbacks synchronously; the promise later
    await promised;
    expect(order).toEqual(['first', 'second', 'promise']);
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 3 });
    reactor.close();
  });

  it('links once when armed twice before it fires: one onReady, one waiter, one ref', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const calls = recorder();
    const wait = registration.readyCallback(Interest.READABLE, calls.onReady, calls.onClosed);
    expect(wait.arm()).toBeNull();
    expect(wait.arm()).toBeNull();
    expect(wait.arm()).toBeNull();
    expect(wait.armed).toBe(true);
    expect(reactor.metrics().waiters).toBe(1);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(calls.ready).toHaveLength(1);
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 1 });
    expect(backend.isRefed).toBe(false); // the keep-alive was taken once and released once
    reactor.close();
    expect(calls.closed).toEqual([]);
  });

  it('re-arms the same object for many cycles without growth', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    let fired = 0;
    let lastEvent = 0;
    const wait = registration.readyCallback(
      Interest.READABLE,
      (event) => {
        fired++;
        lastEvent = event;
      },
      () => {
        throw new Error('must not close');
      },
    );
    for (let i = 1; i <= 1000; i++) {
      expect(wait.arm()).toBeNull();
      expect(reactor.metrics().waiters).toBe(1);
      backend.push(3, Ready.READABLE);
      backend.flush();
      expect(fired).toBe(i);
      expect(wait.armed).toBe(false);
      expect(reactor.metrics().waiters).toBe(0);
      expect(backend.isRefed).toBe(false);
      // The driver read until EAGAIN: it clears the readiness it acted on, then waits again.
      expect(wait.arm()).toBe(lastEvent);
      registration.clearReadiness(lastEvent);
    }
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 1000, batches: 1000, registered: 1 });
    reactor.close();
  });

  it('can be re-armed from inside its own onReady after the driver clears the readiness', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    let fired = 0;
    const wait: ReadyCallback = registration.readyCallback(
      Interest.READABLE,
      (event) => {
        fired++;
        registration.clearReadiness(event); // as after EAGAIN
        expect(wait.arm()).toBeNull();
      },
      () => undefined,
    );
    wait.arm();
    for (let i = 1; i <= 3; i++) {
      backend.push(3, Ready.READABLE);
      backend.flush();
      expect(fired).toBe(i); // once per batch, not looping within a batch
      expect(wait.armed).toBe(true);
      expect(reactor.metrics().waiters).toBe(1);
    }
    reactor.close();
    expect(wait.armed).toBe(false);
    expect(reactor.metrics().waiters).toBe(0);
  });

  it('disarm() unlinks an armed wait (no onReady, no onClosed, no keep-alive) and is a no-op when not armed', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const calls = recorder();
    const wait = registration.readyCallback(Interest.READABLE, calls.onReady, calls.onClosed);
    const other = recorder();
    const kept = registration.readyCallback(Interest.READABLE, other.onReady, other.onClosed);
    expect(wait.disarm()).toBe(false); // not armed
    expect(wait.arm()).toBeNull();
    expect(kept.arm()).toBeNull();
    expect(reactor.metrics().waiters).toBe(2);
    expect(wait.disarm()).toBe(true);
    expect(wait.armed).toBe(false);
    expect(wait.disarm()).toBe(false); // twice: once
    expect(reactor.metrics().waiters).toBe(1);
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(calls.ready).toEqual([]); // unlinked: the batch wakes only the other wait
    expect(other.ready).toHaveLength(1);
    expect(backend.isRefed).toBe(false); // the keep-alive was released once
    // The readiness stays cached for whoever waits next, and the same object arms again.
    expect(wait.arm()).not.toBeNull();
    registration.deregister();
    expect(calls.closed).toEqual([]); // not armed at deregistration
    expect(wait.disarm()).toBe(false); // after deregistration: nothing to do, no throw
    reactor.close();
  });

  it('disarm() of a keepAlive: false wait releases no keep-alive it did not take', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const held = registration.readyCallback(Interest.READABLE, () => undefined, () => undefined);
    const unref = registration.readyCallback(Interest.READABLE, () => undefined, () => undefined, { keepAlive: false });
    held.arm();
    unref.arm();
    expect(backend.isRefed).toBe(true);
    expect(unref.disarm()).toBe(true);
    expect(backend.isRefed).toBe(true); // the held wait's keep-alive is still counted
    expect(held.disarm()).toBe(true);
    expect(backend.isRefed).toBe(false);
    expect(reactor.metrics().waiters).toBe(0);
    reactor.close();
  });

  it('calls onClosed, not onReady, for an armed wait when the registration is deregistered', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const calls = recorder();
    const wait = registration.readyCallback(Interest.READABLE, calls.onReady, calls.onClosed);
    wait.arm();
    registration.deregister();
    expect(calls.ready).toEqual([]);
    expect(calls.closed).toHaveLength(1);
    expect(calls.closed[0]).toBeInstanceOf(ClosedError);
    expect((calls.closed[0] as ClosedError).code).toBe('ERR_RT_CLOSED');
    expect(wait.armed).toBe(false);
    expect(reactor.metrics().waiters).toBe(0);
    expect(backend.isRefed).toBe(false);
    registration.deregister(); // idempotent: no second onClosed
    expect(calls.closed).toHaveLength(1);
    reactor.close();
    expect(calls.closed).toHaveLength(1);
  });

  it('calls onClosed, not onReady, for an armed wait when the reactor closes', () => {
    const { backend, reactor } = setup();
    const a = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const b = reactor.register(4, Interest.READABLE);
    const readA = recorder();
    const writeA = recorder();
    const readB = recorder();
    const idle = recorder();
    a.readyCallback(Interest.READABLE, readA.onReady, readA.onClosed).arm();
    a.readyCallback(Interest.WRITABLE, writeA.onReady, writeA.onClosed).arm();
    b.readyCallback(Interest.READABLE, readB.onReady, readB.onClosed).arm();
    b.readyCallback(Interest.READABLE, idle.onReady, idle.onClosed); // never armed
    expect(reactor.metrics().waiters).toBe(3);
    reactor.close();
    for (const calls of [readA, writeA, readB]) {
      expect(calls.ready).toEqual([]);
      expect(calls.closed).toHaveLength(1);
      expect(calls.closed[0]).toBeInstanceOf(ClosedError);
    }
    expect(idle.closed).toEqual([]);
    expect(reactor.metrics().waiters).toBe(0);
    expect(backend.isRefed).toBe(false);
  });

  it('throws ClosedError from arm() after deregister, and after the reactor closed', () => {
    const { reactor } = setup();
    const a = reactor.register(3, Interest.READABLE);
    const b = reactor.register(4, Interest.READABLE);
    const waitA = a.readyCallback(Interest.READABLE, () => undefined, () => undefined);
    const waitB = b.readyCallback(Interest.READABLE, () => undefined, () => undefined);
    a.deregister();
    expect(() => waitA.arm()).toThrow(ClosedError);
    expect(() => waitA.arm()).toThrow(/fd 3/);
    expect(waitA.armed).toBe(false);
    reactor.close();
    expect(() => waitB.arm()).toThrow(ClosedError);
    expect(reactor.metrics().waiters).toBe(0);
  });

  it('rejects a bad interest with RangeError and non-function callbacks with TypeError, at once', () => {
    const { reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const ok = (): void => undefined;
    expect(() => registration.readyCallback(Interest.WRITABLE, ok, ok)).toThrow(RangeError); // not registered for it
    expect(() => registration.readyCallback(0, ok, ok)).toThrow(RangeError);
    expect(() => registration.readyCallback(99, ok, ok)).toThrow(/99/);
    expect(() => registration.readyCallback(1.5, ok, ok)).toThrow(RangeError);
    expect(() => registration.readyCallback(Interest.READABLE, null as unknown as () => void, ok)).toThrow(TypeError);
    expect(() => registration.readyCallback(Interest.READABLE, ok, 'no' as unknown as () => void)).toThrow(TypeError);
    expect(() => registration.readyCallback(Interest.READABLE, undefined as unknown as () => void, ok)).toThrow(/onReady/);
    // ERROR, READ_CLOSED and WRITE_CLOSED are always allowed.
    expect(registration.readyCallback(Interest.READ_CLOSED, ok, ok).arm()).toBeNull();
    expect(reactor.metrics().waiters).toBe(1);
    reactor.close();
  });

  it('keeps dispatching when an onReady throws: the other waits fire and the error is rethrown on a microtask', async () => {
    const { backend, reactor } = setup();
    const a = reactor.register(3, Interest.READABLE);
    const b = reactor.register(4, Interest.READABLE);
    const boom = new Error('boom');
    const fired: string[] = [];
    a.readyCallback(Interest.READABLE, () => {
      fired.push('a');
      throw boom;
    }, () => undefined).arm();
    a.readyCallback(Interest.READABLE, () => fired.push('a2'), () => undefined).arm();
    b.readyCallback(Interest.READABLE, () => fired.push('b'), () => undefined).arm();
    const uncaught = await catchingMicrotaskThrows(() => {
      backend.push(3, Ready.READABLE);
      backend.push(4, Ready.READABLE);
      expect(() => backend.flush()).not.toThrow();
      expect(fired).toEqual(['a', 'a2', 'b']);
    });
    expect(uncaught).toEqual([boom]);
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 3 });
    reactor.close();
  });

  it('rethrows a throwing onClosed the same way and still closes the other waits', async () => {
    const { reactor } = setup();
    const a = reactor.register(3, Interest.READABLE);
    const boom = new Error('closed boom');
    const closed: string[] = [];
    a.readyCallback(Interest.READABLE, () => undefined, () => {
      closed.push('first');
      throw boom;
    }).arm();
    a.readyCallback(Interest.READABLE, () => undefined, () => closed.push('second')).arm();
    const uncaught = await catchingMicrotaskThrows(() => {
      expect(() => a.deregister()).not.toThrow();
      expect(closed).toEqual(['first', 'second']);
    });
    expect(uncaught).toEqual([boom]);
    expect(reactor.metrics().waiters).toBe(0);
    reactor.close();
  });
});

// A ReadyCallback's waiter stays linked in its fd's list after it fires (pass ec25: re-arming is a
// flag, not an unlink and a link per wait). What must not change with it: the order in which
// armed waits fire (the order they were armed in), one fire per wait per batch, no wait lost when
// a callback arms or disarms another wait of the same fd during the dispatch, one-shot waits
// (`whenReady`, `readiness`) leaving the list, and the keep-alive taken only while armed.
describe('ReadyCallback re-armed in place', () => {
  it('fires in the order the waits were armed, after a re-arm behind a promise waiter', async () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const order: string[] = [];
    const first = registration.readyCallback(Interest.READABLE, () => order.push('first'), () => undefined);
    const second = registration.readyCallback(Interest.READABLE, () => order.push('second'), () => undefined);
    first.arm();
    second.arm();
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(order).toEqual(['first', 'second']);
    registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
    // Now armed in the other order, with a promise waiter between them.
    second.arm();
    const promised = registration.readiness(Interest.READABLE).then(() => order.push('promise'));
    first.arm();
    expect(reactor.metrics().waiters).toBe(3);
    order.length = 0;
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(order).toEqual(['second', 'first']);
    await promised;
    expect(order).toEqual(['second', 'first', 'promise']);
    expect(reactor.metrics().waiters).toBe(0);
    expect(backend.isRefed).toBe(false);
    reactor.close();
  });

  it('loses no wait when a callback arms or disarms the next waiter of the same fd in the dispatch', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE | Interest.WRITABLE);
    const fired: string[] = [];
    const b = registration.readyCallback(Interest.WRITABLE, () => fired.push('b'), () => undefined);
    const c = registration.readyCallback(Interest.READABLE, () => fired.push('c'), () => undefined);
    const a = registration.readyCallback(
      Interest.READABLE,
      () => {
        fired.push('a');
        b.arm(); // b (linked, not armed, not ready for WRITABLE) moves behind c
      },
      () => undefined,
    );
    // Link a, b, c in that order, then fire b alone so it stays linked and disarmed.
    a.arm();
    b.arm();
    c.arm();
    backend.push(3, Ready.WRITABLE);
    backend.flush();
    expect(fired).toEqual(['b']);
    registration.clearReadiness(registration.tryReadiness(Interest.WRITABLE)!);
    fired.length = 0;
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(fired).toEqual(['a', 'c']); // c was after b when a moved b: still fired
    expect(b.armed).toBe(true);
    expect(reactor.metrics().waiters).toBe(1);
    // A callback that disarms the next armed wait: that one does not fire, the one after does.
    registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
    const fired2: string[] = [];
    const y = registration.readyCallback(Interest.READABLE, () => fired2.push('y'), () => undefined);
    const z = registration.readyCallback(Interest.READABLE, () => fired2.push('z'), () => undefined);
    const x = registration.readyCallback(
      Interest.READABLE,
      () => {
        fired2.push('x');
        y.disarm();
      },
      () => undefined,
    );
    x.arm();
    y.arm();
    z.arm();
    backend.push(3, Ready.READABLE);
    backend.flush();
    expect(fired2).toEqual(['x', 'z']);
    expect(y.armed).toBe(false);
    reactor.close();
  });

  it('lets a fired one-shot whenReady wait leave the list (no growth over many waits)', () => {
    const { backend, reactor } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const wait = registration.readyCallback(Interest.READABLE, () => undefined, () => undefined);
    let fired = 0;
    for (let i = 0; i < 1000; i++) {
      expect(registration.whenReady(Interest.READABLE, () => fired++, () => undefined)).toBeNull();
      expect(wait.arm()).toBeNull();
      backend.push(3, Ready.READABLE);
      backend.flush();
      registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
    }
    expect(fired).toBe(1000);
    expect(reactor.metrics()).toMatchObject({ waiters: 0, wakeups: 2000 });
    // Deregistration closes nothing that is not armed (the fired waits are not pending).
    let closed = 0;
    const closing = registration.readyCallback(Interest.READABLE, () => undefined, () => closed++);
    closing.arm();
    registration.deregister();
    expect(closed).toBe(1);
    expect(wait.armed).toBe(false);
    reactor.close();
  });
});
