// A signal whose removeEventListener throws when its wait is released (review rv28 of pass fx27).
// The release took the listener off first and only then gave back the wait's keep-alive, so the
// throw skipped the keep-alive: the reactor counted one waiter too many and kept the backend ref'd
// (the process alive) for good. And a deregistration (Registration.deregister(), close()) stopped
// at the throw: the fd's later waits were never rejected (close() swallowed the error, so nothing
// at all was seen), though close() promises every pending wait a ClosedError.
// (And close() now reports the release's error on a microtask instead of swallowing it.)
import { ClosedError, FakeBackend, Interest, Reactor, Ready } from '@rt/reactor';
import { catchingMicrotaskThrows } from './microtask-throws.js';
import { throwingSignal } from './throwing-signal.js';

/** How `promise` settled, once the microtasks and one macrotask turn have run ('pending' if not). */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  let result: unknown = 'pending';
  promise.then(
    () => (result = 'resolved'),
    (error: unknown) => (result = error),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

describe('a signal whose removeEventListener throws', () => {
  it('at the wake: the error comes out of the dispatch, and the wait\'s keep-alive is still given back', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const registration = reactor.register(1, Interest.READABLE);
    const boom = new Error('removeEventListener failed');
    void registration.readiness(Interest.READABLE, { signal: throwingSignal(boom) });
    expect(reactor.metrics().waiters).toBe(1);
    expect(backend.isRefed).toBe(true);
    backend.push(1, Ready.READABLE);
    expect(() => backend.flush()).toThrow(boom);
    expect(reactor.metrics().waiters).toBe(0); // was 1
    expect(backend.isRefed).toBe(false); // was true: the process kept alive for good
    // The count stays right afterwards: a new wait refs the backend, its wake unrefs it.
    registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
    const later = registration.readiness(Interest.READABLE);
    expect(backend.isRefed).toBe(true);
    backend.push(1, Ready.READABLE);
    backend.flush();
    expect(backend.isRefed).toBe(false);
    expect(reactor.metrics().waiters).toBe(0);
    reactor.close();
    return expect(later).resolves.toBeDefined();
  });

  it('at close(): every pending wait of the fd is rejected with ClosedError, the keep-alive given back, and the error reported on a microtask', async () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const registration = reactor.register(1, Interest.READABLE);
    const other = reactor.register(2, Interest.READABLE);
    const boom = new Error('removeEventListener failed');
    const first = registration.readiness(Interest.READABLE, { signal: throwingSignal(boom) });
    const second = registration.readiness(Interest.READABLE);
    const closed: string[] = [];
    registration.whenReady(
      Interest.READABLE,
      () => closed.push('ready?'),
      (error) => closed.push(error instanceof ClosedError ? 'closed' : 'closed ?'),
    );
    const third = other.readiness(Interest.READABLE);
    expect(reactor.metrics().waiters).toBe(4);
    // Not thrown (close() goes on with every fd and closes the backend), not swallowed either
    // (it was, until the twenty-fifth session): reported as an uncaught exception on a microtask.
    expect(await catchingMicrotaskThrows(() => reactor.close())).toEqual([boom]);
    expect(backend.closed).toBe(true);
    expect(await outcome(first)).toBeInstanceOf(ClosedError);
    expect(await outcome(second)).toBeInstanceOf(ClosedError); // was 'pending' for good
    expect(closed).toEqual(['closed']); // was []
    expect(await outcome(third)).toBeInstanceOf(ClosedError);
    expect(reactor.metrics().waiters).toBe(0);
  });

  it('at Registration.deregister(): the error is thrown after every pending wait of the fd is rejected', async () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const registration = reactor.register(1, Interest.READABLE);
    const boom = new Error('removeEventListener failed');
    const first = registration.readiness(Interest.READABLE, { signal: throwingSignal(boom) });
    const second = registration.readiness(Interest.READABLE);
    expect(() => registration.deregister()).toThrow(boom);
    expect(await outcome(first)).toBeInstanceOf(ClosedError);
    expect(await outcome(second)).toBeInstanceOf(ClosedError); // was 'pending' for good
    expect(reactor.metrics()).toMatchObject({ registered: 0, waiters: 0 });
    expect(backend.isRefed).toBe(false);
    expect(backend.registrations.size).toBe(0);
    reactor.close();
  });
});
