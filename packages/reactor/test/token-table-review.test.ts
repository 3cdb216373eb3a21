// Review rv26 of the token table (pass ec26): the table changed under a batch's wake pass, a
// failed registration at a growth boundary, and a dispatch re-entered from a wake callback.
import { ClosedError, FakeBackend, Interest, Reactor, Ready } from '@rt/reactor';
import type { Registration } from '@rt/reactor';

describe('Reactor token table (review rv26)', () => {
  it('a wake callback that grows the table, deregisters a later fd of the batch and reuses its number: the rest of the batch and later batches route by the full token', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const a = reactor.register(100, Interest.READABLE);
    const b = reactor.register(101, Interest.READABLE);
    const c = reactor.register(102, Interest.READABLE);
    const log: string[] = [];
    const added: Registration[] = [];
    let reused: Registration | undefined;
    a.whenReady(
      Interest.READABLE,
      () => {
        log.push('a ready');
        // 60 more fds: the table of 16 grows to 128 while the batch is being woken.
        for (let fd = 0; fd < 60; fd++) added.push(reactor.register(fd, Interest.READABLE));
        b.deregister(); // b's event is later in this batch, its wait queued
        reused = reactor.register(101, Interest.READABLE); // b's fd number again, a new token
      },
      () => log.push('a closed'),
    );
    b.whenReady(
      Interest.READABLE,
      () => log.push('b ready'),
      (error) => log.push(error instanceof ClosedError ? 'b closed' : 'b ?'),
    );
    c.whenReady(
      Interest.READABLE,
      () => log.push('c ready'),
      () => log.push('c closed'),
    );
    const staleB = b.token;
    backend.pushToken(a.token, Ready.READABLE);
    backend.pushToken(b.token, Ready.READABLE);
    backend.pushToken(c.token, Ready.READABLE);
    backend.flush();
    expect(log).toEqual(['a ready', 'b closed', 'c ready']);
    expect(reused!.token).not.toBe(staleB);
    expect(reused!.tryReadiness(Interest.READABLE)).toBeNull();
    // A later batch: b's stale token, then every live token, found in the grown table.
    const before = reactor.metrics();
    backend.pushToken(staleB, Ready.ERROR);
    for (const r of [...added, reused!]) backend.pushToken(r.token, Ready.READ_CLOSED);
    backend.pushToken(c.token, Ready.READ_CLOSED);
    backend.flush();
    expect(reactor.metrics().staleEvents).toBe(before.staleEvents + 1);
    expect(reused!.tryReadiness(Interest.ERROR)).toBeNull();
    for (const r of [...added, reused!, c]) expect(r.tryReadiness(Interest.READ_CLOSED)).not.toBeNull();
    expect(reactor.metrics().registered).toBe(63);
    reactor.close();
    expect(reactor.metrics().registered).toBe(0);
    expect(backend.registrations.size).toBe(0);
  });

  it('a registration the backend refuses at a growth boundary leaves the count and the table consistent', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const live: Registration[] = [];
    for (let fd = 0; fd < 8; fd++) live.push(reactor.register(fd, Interest.READABLE)); // 8 of 16: the next grows
    expect(() => reactor.register(3, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(reactor.metrics().registered).toBe(8);
    for (let fd = 8; fd < 40; fd++) live.push(reactor.register(fd, Interest.READABLE));
    expect(new Set(live.map((r) => r.token)).size).toBe(live.length);
    for (const r of live) backend.pushToken(r.token, Ready.READABLE);
    backend.flush();
    for (const r of live) expect(r.tryReadiness(Interest.READABLE)).not.toBeNull();
    expect(reactor.metrics()).toMatchObject({ registered: 40, staleEvents: 0 });
    reactor.close();
  });

  // Not from pass ec26 (the Map had it too), found by review rv26 and fixed after it: the
  // dispatch's `#pending` array was shared with a dispatch re-entered from a wake callback
  // (FakeBackend.flush(), NativeBackend.turn() called in a whenReady/ReadyCallback callback). The
  // inner dispatch wrote its fds over the outer batch's slots and cleared them, so the outer wake
  // pass read `pending[i]` undefined and threw a TypeError, and the outer's unserved fd kept
  // `queued` set, so no later batch woke its waits. Now a dispatch holds the array for its batch
  // and a re-entered one uses its own.
  it("a dispatch re-entered from a wake callback serves both batches whole (it was: the outer batch's #pending slots were overwritten)", () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    const a = reactor.register(1, Interest.READABLE);
    const b = reactor.register(2, Interest.READABLE);
    const c = reactor.register(3, Interest.READABLE);
    const d = reactor.register(4, Interest.READABLE);
    const log: string[] = [];
    a.whenReady(
      Interest.READABLE,
      () => {
        log.push('a');
        backend.pushToken(c.token, Ready.READABLE);
        backend.pushToken(d.token, Ready.READABLE);
        backend.flush(); // the inner batch: c, d (its second slot is the outer's b)
      },
      () => {},
    );
    b.whenReady(
      Interest.READABLE,
      () => log.push('b'),
      () => {},
    );
    c.whenReady(
      Interest.READABLE,
      () => log.push('c'),
      () => {},
    );
    d.whenReady(
      Interest.READABLE,
      () => log.push('d'),
      () => {},
    );
    backend.pushToken(a.token, Ready.READABLE);
    backend.pushToken(b.token, Ready.READABLE);
    expect(() => backend.flush()).not.toThrow();
    expect(log.sort()).toEqual(['a', 'b', 'c', 'd']);
    reactor.close();
  });
});
