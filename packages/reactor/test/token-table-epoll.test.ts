// The token table resized from a wake callback mid-batch, on epoll (review rv28 of pass fx27;
// token-table-shrink.test.ts has the fake backend's cases): a callback deregisters and closes most
// fds of the batch (the table halves down to 16 slots), reuses their fd numbers for new
// registrations (the table grows again), turns the backend re-entrantly, and a later wait of the
// same batch throws at its wake. Every wait fires once, the new registrations never see the old
// ones' events, and later batches route every event by its full token.
import { available, constants, OsError, sys } from '@rt/mio-native';
import { ClosedError, Interest, NativeBackend, Reactor } from '@rt/reactor';
import type { Registration } from '@rt/reactor';
import { tokenTable } from '../src/reactor.js';
import { throwingSignal } from './throwing-signal.js';

const describeNative = available ? describe : describe.skip;
const tableSize = (reactor: Reactor): number => tokenTable.size(reactor as never);

describeNative('token table resized from a wake callback, epoll', () => {
  it('shrink, fd reuse, growth and a re-entrant turn in one callback, a throw later in the batch: each wait fires once, no stale event reaches a new registration', async () => {
    const backend = new NativeBackend();
    const reactor = new Reactor({ backend });
    const out = new Int32Array(2);
    const open = new Set<number>();
    const pair = (): [number, number] => {
      OsError.check(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out), 'socketpair');
      open.add(out[0]!);
      open.add(out[1]!);
      return [out[0]!, out[1]!];
    };
    const close = (fd: number): void => {
      sys.close(fd);
      open.delete(fd);
    };
    const write = (fd: number): void => void OsError.check(sys.write(fd, Buffer.from('x')), 'write');
    try {
      const old = Array.from({ length: 40 }, () => {
        const [fd, peer] = pair();
        return { fd, peer, registration: reactor.register(fd, Interest.READABLE) };
      });
      expect(tableSize(reactor)).toBe(128);
      const fired = new Map<string, number>();
      const fire = (name: string) => () => fired.set(name, (fired.get(name) ?? 0) + 1);
      const fresh: { fd: number; peer: number; registration: Registration }[] = [];
      const boom = new Error('removeEventListener failed');
      const [a, b, c] = old;
      a!.registration.whenReady(
        Interest.READABLE,
        () => {
          fire('a')();
          // Every old fd but a, b and c leaves and is closed: 128 → 16 slots.
          for (const o of old.slice(3)) {
            o.registration.deregister();
            close(o.fd);
            close(o.peer);
          }
          expect(tableSize(reactor)).toBe(16);
          // Their numbers come back for new registrations (new tokens), enough to grow the table again.
          for (let i = 0; i < 30; i++) {
            const [fd, peer] = pair();
            const registration = reactor.register(fd, Interest.READABLE);
            expect(registration.whenReady(Interest.READABLE, fire(`new ${i}`), fire(`new ${i} closed`))).toBeNull();
            fresh.push({ fd, peer, registration });
          }
          expect(tableSize(reactor)).toBe(128); // 33 registered: doubled at 9, 17 and 33
          // A re-entrant turn: half of the new fds are ready; the old ones' events are gone with them.
          for (const f of fresh.slice(0, 15)) write(f.peer);
          expect(backend.turn(0)).toBe(15);
        },
        fire('a closed'),
      );
      void b!.registration.readiness(Interest.READABLE, { signal: throwingSignal(boom) });
      b!.registration.whenReady(Interest.READABLE, fire('b'), fire('b closed'));
      c!.registration.whenReady(Interest.READABLE, fire('c'), fire('c closed'));
      for (const o of old.slice(3)) o.registration.whenReady(Interest.READABLE, fire('old'), fire('old closed'));
      for (const o of old) write(o.peer);
      expect(() => backend.turn(0)).toThrow(boom);
      expect(Object.fromEntries(fired)).toEqual({
        a: 1,
        b: 1,
        c: 1,
        'old closed': 37,
        ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`new ${i}`, 1])),
      });
      expect(reactor.metrics()).toMatchObject({ registered: 33, staleEvents: 0, waiters: 15 });
      // A later batch: the other new fds, and nothing else.
      for (const f of fresh.slice(15)) write(f.peer);
      expect(backend.turn(0)).toBe(15);
      for (let i = 0; i < 30; i++) expect(fired.get(`new ${i}`)).toBe(1);
      expect(reactor.metrics()).toMatchObject({ staleEvents: 0, waiters: 0 });
      // The table shrinks back as they go; their last waits see ClosedError.
      for (const f of fresh) f.registration.clearReadiness(f.registration.tryReadiness(Interest.READABLE)!);
      const last = fresh.map((f) => f.registration.readiness(Interest.READABLE).then(() => 'ready', (error: unknown) => error));
      for (const f of fresh) f.registration.deregister();
      expect(tableSize(reactor)).toBe(16);
      expect((await Promise.all(last)).every((e) => e instanceof ClosedError)).toBe(true);
      expect(reactor.metrics()).toMatchObject({ registered: 3, waiters: 0 });
    } finally {
      reactor.close();
      for (const fd of open) sys.close(fd);
    }
  });
});
