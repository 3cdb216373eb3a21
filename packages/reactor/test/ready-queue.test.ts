// The ready queue's turns: what a dispatch queues is served on a microtask (the kick), never
// inside the dispatch; the first stream then holds the baton, the next is served when it
// passes, the rest by the fallback at the end of the turn (@rt/scheduler's atTurnEnd: the
// check phase, before an immediate set later); a stream queued outside
// a dispatch is served on a microtask, never inside the enqueue.
import { FakeBackend, Interest, Reactor, ReadyQueue, type ServeTurn } from '@rt/reactor';

function setup(): { backend: FakeBackend; reactor: Reactor; queue: ReadyQueue } {
  const backend = new FakeBackend();
  const reactor = new Reactor({ backend });
  return { backend, reactor, queue: reactor.readyQueue };
}

/** Waits until the turn has ended (microtasks, ticks and the turn-end callbacks have run). */
const drained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReadyQueue (the reactor dispatch turn)', () => {
  it('serves the one stream a batch queued on a microtask after the dispatch, not inside it', async () => {
    const { backend, reactor, queue } = setup();
    const registration = reactor.register(3, Interest.READABLE);
    const served: string[] = [];
    const wait = registration.readyCallback(Interest.READABLE, () => queue.enqueue(() => (served.push('a'), true)), () => undefined);
    expect(wait.arm()).toBeNull();
    backend.push(3, Interest.READABLE);
    backend.flush();
    expect(served).toEqual([]); // not inside the dispatch
    expect(queue.length).toBe(1);
    await Promise.resolve();
    expect(served).toEqual(['a']);
    expect(queue.length).toBe(0);
    await drained();
    expect(served).toEqual(['a']);
    reactor.close();
  });

  it('with several streams queued by one batch: the first on a microtask, the next when the baton passes, the rest by the fallback', async () => {
    const { backend, reactor, queue } = setup();
    const served: string[] = [];
    for (const [fd, name] of [[3, 'a'], [4, 'b'], [5, 'c']] as const) {
      const registration = reactor.register(fd, Interest.READABLE);
      registration.readyCallback(Interest.READABLE, () => queue.enqueue(() => (served.push(name), true)), () => undefined).arm();
      backend.push(fd, Interest.READABLE);
    }
    backend.flush();
    expect(served).toEqual([]); // nothing inside the dispatch: the kick serves the first
    await Promise.resolve();
    expect(served).toEqual(['a']); // 'a' woke a task: it holds the baton
    queue.passBaton(); // the woken task parked
    expect(served).toEqual(['a', 'b']);
    await drained(); // 'b' holder never parks: the fallback serves the rest
    expect(served).toEqual(['a', 'b', 'c']);
    reactor.close();
  });

  it('serves a stream queued outside a dispatch on a microtask, never inside enqueue', async () => {
    const { reactor, queue } = setup();
    const served: string[] = [];
    queue.enqueue(() => (served.push('x'), false));
    expect(served).toEqual([]);
    await Promise.resolve();
    expect(served).toEqual(['x']);
    reactor.close();
  });

  it('serves turn objects (serve() called on the object) in queue order with functions, one turn each', async () => {
    const { reactor, queue } = setup();
    const served: string[] = [];
    class Turn implements ServeTurn {
      constructor(readonly name: string) {}
      serve(): boolean {
        served.push(this.name);
        return false;
      }
    }
    const a = new Turn('a');
    queue.enqueue(a);
    queue.enqueue(() => (served.push('f'), false));
    queue.enqueue(new Turn('b'));
    queue.enqueue(a); // queued twice: served twice
    expect(served).toEqual([]);
    expect(queue.length).toBe(4);
    await drained();
    expect(served).toEqual(['a', 'f', 'b', 'a']);
    expect(queue.length).toBe(0);
    reactor.close();
  });

  it('when the baton holder never passes it: serves the rest at the end of that turn, also for a batch dispatched from an immediate after the turn ended, and again for a later batch', async () => {
    const { backend, reactor, queue } = setup();
    const served: string[] = [];
    const streams = [[3, 'a'], [4, 'b'], [5, 'c']] as const;
    const waits = streams.map(([fd, name]) => {
      const registration = reactor.register(fd, Interest.READABLE);
      return registration.readyCallback(Interest.READABLE, () => queue.enqueue(() => (served.push(name), true)), () => undefined);
    });
    const batch = (): void => {
      for (const wait of waits) expect(wait.arm()).toBeNull();
      for (const [fd] of streams) backend.push(fd, Interest.READABLE);
      backend.flush();
    };
    // In the check phase, after the turn counter's immediate of this turn (set before this one) ran.
    await drained();
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        batch();
        resolve();
      }),
    );
    expect(served).toEqual(['a']); // the kick ran; 'a' holds the baton and never passes it
    await drained();
    await drained();
    expect(served).toEqual(['a', 'b', 'c']);
    // A later batch (queued outside a dispatch): the fallback was disarmed when it ran, it arms again.
    for (const [, name] of streams) queue.enqueue(() => (served.push(name), true));
    await Promise.resolve();
    expect(served).toEqual(['a', 'b', 'c', 'a']);
    await drained();
    expect(served).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(queue.length).toBe(0);
    reactor.close();
  });
});
