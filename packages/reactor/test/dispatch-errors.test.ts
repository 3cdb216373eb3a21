// A throw out of a batch's wake pass (pass fx27). A wait callback's own exception never reaches the
// dispatch (whenReady/ReadyCallback report it on a microtask: ready-callback.test.ts); what can is
// the machinery around a wake: the backend's unref() when the last keep-alive wait fires, a
// signal's removeEventListener, a RangeError of a deep stack. It stranded the rest of the batch:
// their fds kept `queued` set, so no later batch queued them again, and their edges do not come
// again; those waits hung for good. Now the batch is served whole, the first error is rethrown
// after it (out of turn()/flush(), as before; from the poll's libuv callback an uncaught
// exception), and any later one of the same batch is reported on a microtask.
import { available, constants, OsError, sys } from '@rt/mio-native';
import { FakeBackend, Interest, NativeBackend, Reactor, Ready } from '@rt/reactor';
import { catchingMicrotaskThrows } from './microtask-throws.js';
import { throwingSignal } from './throwing-signal.js';

const describeNative = available ? describe : describe.skip;

/** An epoll backend whose unref() throws `error` once, when `failNext` is set. */
class FailingUnrefBackend extends NativeBackend {
  failNext: Error | null = null;

  override unref(): void {
    super.unref();
    const error = this.failNext;
    if (error !== null) {
      this.failNext = null;
      throw error;
    }
  }
}


describeNative('a throw in the wake pass, epoll', () => {
  it('serves the rest of the batch, rethrows the error after it, and later batches still wake those fds', () => {
    const backend = new FailingUnrefBackend();
    const reactor = new Reactor({ backend });
    const out = new Int32Array(2);
    const pairs: [number, number][] = [];
    for (let i = 0; i < 3; i++) {
      OsError.check(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out), 'socketpair');
      pairs.push([out[0]!, out[1]!]);
    }
    const scratch = Buffer.alloc(64);
    try {
      const [a, b, c] = pairs.map(([fd]) => reactor.register(fd, Interest.READABLE));
      const fired: string[] = [];
      // a's wait is the only one that keeps the process alive: its wake releases the last keep-alive,
      // so the backend is unref'd there, and that throws. b and c are waits that do not keep the
      // process alive (a parked worker's waker), after a in the batch.
      void a!.readiness(Interest.READABLE);
      const bWait = b!.readyCallback(Interest.READABLE, () => fired.push('b'), () => fired.push('b closed'), { keepAlive: false });
      const cWait = c!.readyCallback(Interest.READABLE, () => fired.push('c'), () => fired.push('c closed'), { keepAlive: false });
      expect(bWait.arm()).toBeNull();
      expect(cWait.arm()).toBeNull();
      const boom = new Error('unref failed');
      backend.failNext = boom;
      // Written in this order, epoll reports them in this order (its ready list is FIFO): one batch.
      for (const [, peer] of pairs) OsError.check(sys.write(peer, Buffer.from('x')), 'write');
      expect(() => backend.turn(0)).toThrow(boom);
      expect(fired).toEqual(['b', 'c']); // it was []: b and c kept `queued` set
      expect(reactor.metrics()).toMatchObject({ batches: 1, events: 3, wakeups: 2 }); // a's wake threw before it was counted
      // A later batch (a new edge on b and c) wakes their waits again: they are not stuck as queued.
      for (const [fd] of pairs) sys.read(fd, scratch);
      b!.clearReadiness(b!.tryReadiness(Interest.READABLE)!);
      c!.clearReadiness(c!.tryReadiness(Interest.READABLE)!);
      expect(bWait.arm()).toBeNull();
      expect(cWait.arm()).toBeNull();
      OsError.check(sys.write(pairs[1]![1], Buffer.from('y')), 'write');
      OsError.check(sys.write(pairs[2]![1], Buffer.from('y')), 'write');
      expect(backend.turn(0)).toBe(2);
      expect(fired).toEqual(['b', 'c', 'b', 'c']);
    } finally {
      reactor.close();
      for (const [x, y] of pairs) {
        sys.close(x);
        sys.close(y);
      }
    }
  });
});

describe('a throw in the wake pass', () => {
  it('two throws in one batch: every other wait of the batch fires, the same fd\'s later waits included; the first error is rethrown, the second reported on a microtask', async () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const [r1, r2, r3] = [1, 2, 3].map((fd) => reactor.register(fd, Interest.READABLE));
    const first = new Error('first');
    const second = new Error('second');
    const fired: string[] = [];
    void r1!.readiness(Interest.READABLE, { signal: throwingSignal(first) });
    const w1 = r1!.readyCallback(Interest.READABLE, () => fired.push('1 after the throw'), () => fired.push('1 closed'));
    void r2!.readiness(Interest.READABLE, { signal: throwingSignal(second) });
    const w2 = r2!.readyCallback(Interest.READABLE, () => fired.push('2 after the throw'), () => fired.push('2 closed'));
    const w3 = r3!.readyCallback(Interest.READABLE, () => fired.push('3'), () => fired.push('3 closed'));
    for (const wait of [w1, w2, w3]) expect(wait.arm()).toBeNull();
    let thrown: unknown = null;
    const uncaught = await catchingMicrotaskThrows(() => {
      for (const fd of [1, 2, 3]) backend.push(fd, Ready.READABLE);
      try {
        backend.flush();
      } catch (error) {
        thrown = error;
      }
      expect(fired).toEqual(['1 after the throw', '2 after the throw', '3']);
    });
    expect(thrown).toBe(first);
    expect(uncaught).toEqual([second]);
    expect(reactor.metrics()).toMatchObject({ wakeups: 3 }); // the two waits whose wake threw are not counted
    // Every fd of that batch is woken by the next one.
    fired.length = 0;
    for (const [registration, wait] of [
      [r1!, w1],
      [r2!, w2],
      [r3!, w3],
    ] as const) {
      registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
      expect(wait.arm()).toBeNull();
    }
    for (const fd of [3, 2, 1]) backend.push(fd, Ready.READABLE);
    expect(() => backend.flush()).not.toThrow();
    expect(fired).toEqual(['3', '2 after the throw', '1 after the throw']);
    reactor.close();
  });

  it('a dispatch re-entered from a wake callback whose batch throws: the inner batch is served whole, its error reaches the callback (reported on a microtask), the outer batch goes on', async () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const [a, b, c, d] = [1, 2, 3, 4].map((fd) => reactor.register(fd, Interest.READABLE));
    const inner = new Error('inner');
    const log: string[] = [];
    a!.whenReady(
      Interest.READABLE,
      () => {
        log.push('a');
        backend.push(3, Ready.READABLE);
        backend.push(4, Ready.READABLE);
        backend.flush(); // the inner batch: c (whose wake throws), then d
      },
      () => {},
    );
    b!.whenReady(
      Interest.READABLE,
      () => log.push('b'),
      () => {},
    );
    void c!.readiness(Interest.READABLE, { signal: throwingSignal(inner) });
    d!.whenReady(
      Interest.READABLE,
      () => log.push('d'),
      () => {},
    );
    const uncaught = await catchingMicrotaskThrows(() => {
      backend.push(1, Ready.READABLE);
      backend.push(2, Ready.READABLE);
      expect(() => backend.flush()).not.toThrow();
      expect(log).toEqual(['a', 'd', 'b']);
    });
    expect(uncaught).toEqual([inner]);
    // Both batches' fds are free to be queued again.
    const later: string[] = [];
    for (const [registration, name] of [
      [b!, 'b'],
      [c!, 'c'],
      [d!, 'd'],
    ] as const) {
      registration.clearReadiness(registration.tryReadiness(Interest.READABLE)!);
      expect(registration.whenReady(Interest.READABLE, () => later.push(name), () => {})).toBeNull();
    }
    for (const fd of [2, 3, 4]) backend.push(fd, Ready.READABLE);
    backend.flush();
    expect(later).toEqual(['b', 'c', 'd']);
    reactor.close();
  });
});
