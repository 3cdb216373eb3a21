// A ReadyCallback's waiter stays linked in its fd's list after it fires (pass ec25: re-arming is a
// flag, not an unlink and a link per wait). What must not change with it: the order in which
// armed waits fire (the order they were armed in), one fire per wait per batch, no wait lost when
// a callback arms or disarms another wait of the same fd during the dispatch, one-shot waits
// (`whenReady`, `readiness`) leaving the list, and the keep-alive taken only while armed.
import { FakeBackend, Interest, Reactor, Ready } from '@rt/reactor';

function setup(): { backend: FakeBackend; reactor: Reactor } {
  const backend = new FakeBackend();
  return { backend, reactor: new Reactor({ backend }) };
}

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
