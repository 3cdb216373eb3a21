// The token table shrinks (pass fx27): after a burst of registrations it halved never, keeping 2–4
// slots per registration of its peak for good. Now a deregistration that leaves it under an eighth
// full halves it (never below its initial 16 slots), unless two live tokens would share a slot
// (tokens are never changed: the kernel reports them), and the full-token check still drops every
// stale event, whatever the table's size when the event comes. Also: close() deregisters in the
// order of registration across the token counter's wrap.
import { ClosedError, FakeBackend, Interest, Reactor, Ready, ReadyEvent } from '@rt/reactor';
import type { Registration } from '@rt/reactor';
import { random } from '../../scheduler/test/fixtures/seeded-random.js';
import { tokenTable } from '../src/reactor.js';
import { tokenChurn } from './token-churn.js';

// The package's entry and src/reactor.ts are one module under jest; for tsc the entry is the built
// types, another `Reactor` type, hence the casts.
const tableSize = (reactor: Reactor): number => tokenTable.size(reactor as never);
const setNextToken = (reactor: Reactor, token: number): void => tokenTable.setNextToken(reactor as never, token);

function setup(): { backend: FakeBackend; reactor: Reactor } {
  const backend = new FakeBackend();
  return { backend, reactor: new Reactor({ backend }) };
}

/** Whether `registration` alone of `all` saw the events of the last batch (then clears it). */
function onlyReady(all: Iterable<Registration>, registration: Registration | null): boolean {
  let ok = true;
  for (const r of all) {
    const event = r.tryReadiness(Interest.READABLE);
    if ((event !== null) !== (r === registration)) ok = false;
    if (event !== null) r.clearReadiness(event);
  }
  return ok;
}

describe('Reactor token table, shrinking', () => {
  it('a burst of registrations grows the table; deregistering them shrinks it back to its initial size', () => {
    const { backend, reactor } = setup();
    expect(tableSize(reactor)).toBe(16);
    const burst = Array.from({ length: 1000 }, (_, fd) => reactor.register(fd, Interest.READABLE));
    expect(tableSize(reactor)).toBe(2048); // doubles when half full
    // Down to 3 (the first three tokens): halved on the way, one size at a time.
    const sizes = new Set<number>();
    for (const r of burst.slice(3)) {
      r.deregister();
      sizes.add(tableSize(reactor));
    }
    expect([...sizes]).toEqual([2048, 1024, 512, 256, 128, 64, 32, 16]);
    expect(tableSize(reactor)).toBe(16);
    // The survivors are found in the small table; the deregistered tokens are stale in it.
    const live = burst.slice(0, 3);
    for (const r of live) {
      backend.pushToken(r.token, Ready.READABLE);
      backend.flush();
      expect(onlyReady(live, r)).toBe(true);
    }
    const before = reactor.metrics().staleEvents;
    for (const r of burst.slice(3)) backend.pushToken(r.token, Ready.READABLE);
    backend.flush();
    expect(reactor.metrics().staleEvents).toBe(before + 997);
    expect(onlyReady(live, null)).toBe(true);
    // Another burst grows it again; an empty reactor is back at 16.
    const again = Array.from({ length: 100 }, (_, i) => reactor.register(1000 + i, Interest.READABLE));
    expect(tableSize(reactor)).toBe(256);
    for (const r of [...again, ...live]) r.deregister();
    expect(tableSize(reactor)).toBe(16);
    reactor.close();
  });

  it('halves only under an eighth full: a count going up and down across a boundary does not rebuild it each time', () => {
    const { reactor } = setup();
    const live = Array.from({ length: 9 }, (_, fd) => reactor.register(fd, Interest.READABLE));
    expect(tableSize(reactor)).toBe(32); // the 9th doubled 16
    for (let round = 0; round < 3; round++) {
      live.pop()!.deregister(); // 8 of 32: a quarter, kept
      expect(tableSize(reactor)).toBe(32);
      live.push(reactor.register(100 + round, Interest.READABLE));
      expect(tableSize(reactor)).toBe(32);
    }
    while (live.length > 4) live.pop()!.deregister();
    expect(tableSize(reactor)).toBe(32); // 4 of 32: an eighth, kept
    live.pop()!.deregister();
    expect(tableSize(reactor)).toBe(16); // 3 of 32: halved
    reactor.close();
  });

  it('two live tokens that would share a slot at half the size keep the table; it halves once one of them goes', () => {
    const { backend, reactor } = setup();
    const burst = Array.from({ length: 1100 }, (_, fd) => reactor.register(fd, Interest.READABLE));
    expect(tableSize(reactor)).toBe(4096);
    const a = burst[4]!;
    const b = burst.find((r) => r.token === a.token + 1024)!; // a's slot in a table of 1024
    for (const r of burst) if (r !== a && r !== b) r.deregister();
    expect(reactor.metrics().registered).toBe(2);
    expect(tableSize(reactor)).toBe(2048); // 1024 would put a and b in one slot
    for (const r of [a, b]) {
      backend.pushToken(r.token, Ready.READABLE);
      backend.flush();
      expect(onlyReady([a, b], r)).toBe(true);
    }
    b.deregister();
    expect(tableSize(reactor)).toBe(16);
    backend.pushToken(b.token, Ready.READABLE); // stale, in a's slot of 16 (same low bits)
    backend.pushToken(a.token, Ready.READ_CLOSED);
    backend.flush();
    expect(ReadyEvent.ready(a.tryReadiness(Interest.READABLE)!)).toBe(Ready.READ_CLOSED); // not b's READABLE
    reactor.close();
  });

  it('a wake callback that shrinks the table and reuses the freed slots: the rest of the batch and later batches route by the full token', () => {
    const { backend, reactor } = setup();
    const burst = Array.from({ length: 200 }, (_, fd) => reactor.register(fd, Interest.READABLE));
    expect(tableSize(reactor)).toBe(512);
    const [first, second, third] = [burst[0]!, burst[1]!, burst[2]!];
    const log: string[] = [];
    const reused: Registration[] = [];
    first.whenReady(
      Interest.READABLE,
      () => {
        log.push('first');
        // Every fd but these three leaves (second's wait is queued later in this batch): 512 → 16.
        for (const r of burst.slice(3)) r.deregister();
        second.deregister();
        expect(tableSize(reactor)).toBe(16);
        // New registrations of the freed numbers, in the slots the stale tokens point at now.
        for (let fd = 3; fd < 8; fd++) reused.push(reactor.register(fd, Interest.READABLE));
      },
      () => log.push('first closed'),
    );
    second.whenReady(
      Interest.READABLE,
      () => log.push('second'),
      (error) => log.push(error instanceof ClosedError ? 'second closed' : 'second ?'),
    );
    third.whenReady(
      Interest.READABLE,
      () => log.push('third'),
      () => log.push('third closed'),
    );
    for (const r of [first, second, third]) backend.pushToken(r.token, Ready.READABLE);
    for (const r of burst.slice(3, 40)) backend.pushToken(r.token, Ready.READABLE); // stale by the wake pass
    backend.flush();
    expect(log).toEqual(['first', 'second closed', 'third']);
    for (const r of reused) expect(r.tryReadiness(Interest.READABLE)).toBeNull();
    // A later batch: every stale token (some in the slots of the reused fds), then the live ones.
    const before = reactor.metrics().staleEvents;
    for (const r of [second, ...burst.slice(3)]) backend.pushToken(r.token, Ready.ERROR);
    for (const r of reused) backend.pushToken(r.token, Ready.READ_CLOSED);
    backend.flush();
    expect(reactor.metrics().staleEvents).toBe(before + 198);
    for (const r of [first, third, ...reused]) expect(r.tryReadiness(Interest.ERROR)).toBeNull();
    for (const r of reused) expect(r.tryReadiness(Interest.READ_CLOSED)).not.toBeNull();
    reactor.close();
    expect(backend.registrations.size).toBe(0);
  });

  it('routes every event by its full token through random churn, growth, shrinking and the token counter\'s wrap', () => {
    const { backend, reactor } = setup();
    setNextToken(reactor, 0xffffffff - 1000); // wraps within the run
    const sizes: number[] = [16];
    // Phases of 600 steps: mostly registering (up to 300 live), then mostly deregistering.
    const { live, dead, wrong } = tokenChurn(backend, reactor, random(2727), 6000, (step) => (Math.floor(step / 600) % 2 === 0 ? 0.55 : 0.15), (_step, now) => {
      const size = tableSize(reactor);
      if (size !== sizes[sizes.length - 1]) sizes.push(size);
      return size < 16 || 2 * now.size > size ? `${now.size} registrations in ${size} slots` : null;
    });
    expect(wrong).toEqual([]);
    // It grew and shrank several times, and the counter wrapped (tokens from both sides of it are in use).
    const shrinks = sizes.filter((size, i) => i > 0 && size < sizes[i - 1]!).length;
    expect(shrinks).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(512);
    expect(dead.some((token) => token > 0xffffffff - 1000)).toBe(true);
    expect(dead.some((token) => token < 10000)).toBe(true);
    expect(dead.includes(0)).toBe(false);
    expect(new Set([...live.values()].map((registration) => registration.token)).size).toBe(live.size);
    reactor.close();
    expect(reactor.metrics().registered).toBe(0);
    expect(tableSize(reactor)).toBe(16);
  });

  it('close() deregisters in the order of registration across the token counter\'s wrap', () => {
    const { backend, reactor } = setup();
    setNextToken(reactor, 0xffffffff - 4);
    const order: number[] = [];
    const fds = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    const tokens: number[] = [];
    for (const fd of fds) {
      const registration = reactor.register(fd, Interest.READABLE);
      tokens.push(registration.token);
      registration.whenReady(Interest.READABLE, () => {}, () => order.push(fd));
    }
    expect(tokens.slice(0, 7)).toEqual([0xfffffffb, 0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff, 1, 2]); // 0 is never a token
    reactor.close();
    expect(order).toEqual(fds); // it was: the tokens after the wrap (1, 2, …) first
    expect(backend.registrations.size).toBe(0);
  });
});
