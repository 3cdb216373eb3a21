import { Builder } from '@rt/scheduler';
import { Interest, ReadyQueue, Reactor } from '@rt/reactor';
import { available, constants, sys } from '@rt/mio-native';

const describeNative = available ? describe : describe.skip;

describeNative('Reactor.current()', () => {
  it('is one reactor per runtime, closed when the runtime shuts down, with its metrics in drivers', async () => {
    const first = Builder.currentThread().build();
    const second = Builder.currentThread().build();
    const [a1, a2] = await first.run(() => [Reactor.current(), Reactor.current()]);
    const b = await second.run(() => Reactor.current());
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);
    expect(a1.readyQueue).toBeInstanceOf(ReadyQueue);
    expect(a1.readyQueue).not.toBe(b.readyQueue);
    expect(first.metrics().drivers['@rt/reactor']).toMatchObject({ backend: 'epoll', registered: 0 });
    await first.shutdown();
    expect(a1.closed).toBe(true);
    expect(b.closed).toBe(false);
    await second.shutdown();
    expect(b.closed).toBe(true);
  });

  it("gives each registration its reactor's ready queue, and a keepAlive: false wait does not count as a waiter", async () => {
    const runtime = Builder.currentThread().build();
    const pair = new Int32Array(2);
    expect(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair)).toBe(0);
    try {
      await runtime.run(async () => {
        const reactor = Reactor.current();
        const registration = reactor.register(pair[0]!, Interest.READABLE);
        expect(registration.readyQueue).toBe(reactor.readyQueue);
        let woke = 0;
        const wait = registration.readyCallback(Interest.READABLE, () => woke++, () => {}, { keepAlive: false });
        expect(wait.arm()).toBeNull();
        expect(reactor.metrics().waiters).toBe(0); // armed, but keeps nothing alive
        expect(() => registration.readyCallback(Interest.READABLE, () => {}, () => {}, { keepAlive: 1 as unknown as boolean })).toThrow(TypeError);
        sys.write(pair[1]!, Buffer.from('x'));
        for (let i = 0; i < 100 && woke === 0; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(woke).toBe(1);
        registration.deregister();
      });
    } finally {
      await runtime.shutdown();
      sys.close(pair[0]!);
      sys.close(pair[1]!);
    }
  });
});
