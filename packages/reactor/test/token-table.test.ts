// Stale events against the reactor's token table (pass ec26): a registration is found by its
// token's low bits, so a stale token can point at the slot a later registration holds; the
// rest of the token (its generation) must tell them apart, in the same batch or any later one.
import { spawn } from 'node:child_process';
import { available, constants, OsError, sys } from '@rt/mio-native';
import { FakeBackend, Interest, NativeBackend, Reactor, Ready } from '@rt/reactor';
import type { Registration } from '@rt/reactor';
import { random } from '../../scheduler/test/fixtures/seeded-random.js';
import { tokenChurn } from './token-churn.js';

const describeNative = available ? describe : describe.skip;

/**
 * Registers `fd` (deregistering each try) until its token has the same low 16 bits as `token`:
 * then both share a slot in any table of up to 2^16 slots.
 */
function registerInSlotOf(reactor: Reactor, fd: number, token: number): Registration {
  for (let i = 0; i < 1 << 17; i++) {
    const registration = reactor.register(fd, Interest.READABLE);
    if ((registration.token & 0xffff) === (token & 0xffff)) return registration;
    registration.deregister();
  }
  throw new Error('no token in the slot of the stale one');
}

/** A fake reactor where `fd` was registered and deregistered (`stale`), then registered again in its slot. */
function staleAndReused(fd: number): { backend: FakeBackend; reactor: Reactor; stale: number; reused: Registration } {
  const backend = new FakeBackend();
  const reactor = new Reactor({ backend });
  const old = reactor.register(fd, Interest.READABLE);
  const stale = old.token;
  old.deregister();
  const reused = registerInSlotOf(reactor, fd, stale);
  expect(reused.token).not.toBe(stale);
  return { backend, reactor, stale, reused };
}

describe('Reactor token table', () => {
  it('drops a stale token whose slot a later registration of the same fd holds (a later batch)', async () => {
    const { backend, reactor, stale, reused } = staleAndReused(7);
    let woken = false;
    const wait = reused.readiness(Interest.READABLE).then(() => (woken = true));
    const before = reactor.metrics();
    backend.pushToken(stale, Ready.READABLE | Ready.READ_CLOSED);
    backend.flush();
    await Promise.resolve();
    expect(woken).toBe(false);
    expect(reused.tryReadiness(Interest.READABLE)).toBeNull();
    expect(reactor.metrics()).toMatchObject({ staleEvents: before.staleEvents + 1, wakeups: before.wakeups });
    backend.pushToken(reused.token, Ready.READABLE);
    backend.flush();
    await wait;
    expect(woken).toBe(true);
    reactor.close();
  });

  it('drops the stale token and wakes the live one when both are in one batch', async () => {
    const { backend, reactor, stale, reused } = staleAndReused(3);
    const wait = reused.readiness(Interest.READABLE);
    backend.pushToken(stale, Ready.READ_CLOSED);
    backend.pushToken(reused.token, Ready.READABLE);
    backend.pushToken(stale, Ready.ERROR);
    backend.flush();
    expect(await wait).toBe(reused.tryReadiness(Interest.READABLE)); // READABLE alone, this batch's tick
    expect(reused.tryReadiness(Interest.READ_CLOSED)).toBeNull();
    expect(reused.tryReadiness(Interest.ERROR)).toBeNull();
    expect(reactor.metrics()).toMatchObject({ staleEvents: 2, wakeups: 1 });
    reactor.close();
  });

  it('routes every event by its full token through random churn and table growth', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const { live, wrong } = tokenChurn(backend, reactor, random(2612), 4000, () => 0.35);
    expect(wrong).toEqual([]);
    expect(new Set([...live.values()].map((registration) => registration.token)).size).toBe(live.size);
    reactor.close();
    expect(reactor.metrics().registered).toBe(0);
  });

  it('deregisters every fd on close, in the order they were registered, across table growth', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const order: number[] = [];
    const fds = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    for (const fd of fds) reactor.register(fd, Interest.READABLE).whenReady(Interest.READABLE, () => {}, () => order.push(fd));
    reactor.close();
    expect(order).toEqual(fds);
    expect(backend.registrations.size).toBe(0);
  });
});

describeNative('Reactor token table, epoll', () => {
  it('drops the events of a closed fd that epoll still reports, after its number and slot were reused', async () => {
    // A file description registered with epoll stays in its interest list, reporting under its
    // old token, while any fd refers to it, even after the registered fd was closed (here a
    // child process holds it as its stdin). The fd number is reused at once.
    const reactor = new Reactor({ backend: new NativeBackend() });
    const backend = reactor.backend as NativeBackend;
    const pair = new Int32Array(2);
    OsError.check(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair), 'socketpair');
    const [a, peer] = [pair[0]!, pair[1]!];
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: [a, 'ignore', 'ignore'] });
    const fds = [peer];
    try {
      await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
      const old = reactor.register(a, Interest.READABLE);
      const stale = old.token;
      sys.close(a); // before deregistering: epoll keeps the entry (the child holds the description)
      expect(() => old.deregister()).toThrow(expect.objectContaining({ code: 'EBADF' }));
      OsError.check(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair), 'socketpair');
      fds.push(pair[0]!, pair[1]!);
      // pair[0] is the lowest free number, the closed fd's (unless another fd took it meanwhile).
      const reused = registerInSlotOf(reactor, pair[0]!, stale);
      expect(reused.token).not.toBe(stale);
      backend.turn(0); // drain what the registrations reported so far
      let woken = false;
      const wait = reused.readiness(Interest.READABLE).then(() => (woken = true));
      const before = reactor.metrics();
      OsError.check(sys.write(peer, Buffer.from('x')), 'write'); // the old description becomes readable
      expect(backend.turn(1000)).toBe(1);
      await Promise.resolve();
      expect(woken).toBe(false);
      expect(reused.tryReadiness(Interest.READABLE)).toBeNull();
      expect(reactor.metrics()).toMatchObject({ staleEvents: before.staleEvents + 1, wakeups: before.wakeups });
      OsError.check(sys.write(pair[1]!, Buffer.from('y')), 'write'); // the new fd's own event
      backend.turn(1000);
      await wait;
      expect(woken).toBe(true);
      reused.deregister();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill();
        await exited;
      }
      reactor.close();
      for (const fd of fds) sys.close(fd);
    }
  });
});
