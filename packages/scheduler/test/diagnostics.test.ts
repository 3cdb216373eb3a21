import diagnostics_channel from 'node:diagnostics_channel';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, diagnosticsChannels, park, spawnBlocking } from '@rt/scheduler';
import type { Runtime, Waiter } from '@rt/scheduler';

const fixtureUrl = pathToFileURL(join(__dirname, 'fixtures', 'blocking.mjs'));

/** Subscribes to `name` for the test, collecting messages; unsubscribed by the returned dispose. */
function collect(name: string): { messages: Record<string, unknown>[] } & Disposable {
  const messages: Record<string, unknown>[] = [];
  const listener = (message: unknown): void => {
    messages.push(message as Record<string, unknown>);
  };
  diagnostics_channel.subscribe(name, listener);
  return { messages, [Symbol.dispose]: () => diagnostics_channel.unsubscribe(name, listener) };
}

describe('diagnostics channels', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().name('dc').build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('names every channel under rt:, each once', () => {
    const names = Object.values(diagnosticsChannels);
    expect(new Set(names).size).toBe(8);
    for (const name of names) expect(name).toMatch(/^rt:(task|net)?:?[a-z]+$/);
    expect(diagnosticsChannels.taskSpawn).toBe('rt:task:spawn');
  });

  it('publishes spawn and finish with the task id, name and outcome', async () => {
    using spawned = collect('rt:task:spawn');
    using finished = collect('rt:task:finish');
    const ok = runtime.spawn(async () => 1, { name: 'worker' });
    const failing = runtime.spawn(
      async () => {
        throw new Error('boom');
      },
      { name: 'failing' },
    );
    const parked = runtime.spawn(() => park('Test.forever', () => {}).promise, { name: 'aborted' });
    await ok;
    await Promise.resolve(failing).catch(() => {});
    parked.abort();
    await Promise.resolve(parked).catch(() => {});
    expect(spawned.messages).toEqual([
      { id: ok.id, name: 'worker', kind: 'task', runtime: 'dc', location: undefined },
      { id: failing.id, name: 'failing', kind: 'task', runtime: 'dc', location: undefined },
      { id: parked.id, name: 'aborted', kind: 'task', runtime: 'dc', location: undefined },
    ]);
    expect(finished.messages).toEqual([
      { id: ok.id, name: 'worker', kind: 'task', runtime: 'dc', outcome: 'ok' },
      { id: failing.id, name: 'failing', kind: 'task', runtime: 'dc', outcome: 'panic' },
      { id: parked.id, name: 'aborted', kind: 'task', runtime: 'dc', outcome: 'cancelled' },
    ]);
  });

  it('publishes park and wake with the primitive label and the waker', async () => {
    using parks = collect('rt:task:park');
    using wakes = collect('rt:task:wake');
    let parked: Waiter<string> | undefined;
    const sleeper = runtime.spawn(
      () => {
        const { waiter, promise } = park<string>('Gate.wait', () => {});
        parked = waiter;
        return promise;
      },
      { name: 'sleeper' },
    );
    const waker = runtime.spawn(
      async () => {
        while (parked === undefined) await new Promise((resolve) => setImmediate(resolve));
        parked.wake('open');
      },
      { name: 'waker' },
    );
    expect(await sleeper).toBe('open');
    await waker;
    expect(parks.messages).toEqual([{ id: sleeper.id, name: 'sleeper', label: 'Gate.wait' }]);
    expect(wakes.messages).toEqual([{ id: sleeper.id, name: 'sleeper', label: 'Gate.wait', wakerId: waker.id }]);
  });

  it('traces a blocking job from submit to completion', async () => {
    const events: [string, Record<string, unknown>][] = [];
    const handlers = Object.fromEntries(
      (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((event) => [event, (context: unknown) => events.push([event, { ...(context as Record<string, unknown>) }])]),
    ) as unknown as diagnostics_channel.TracingChannelSubscribers<object>;
    const channel = diagnostics_channel.tracingChannel('rt:blocking');
    channel.subscribe(handlers);
    try {
      const parent = runtime.spawn(async () => ({ job: spawnBlocking<number>(fixtureUrl, 'add', [2, 3], { name: 'adder' }) }), { name: 'parent' });
      expect(await (await parent).job).toBe(5);
      const failed = runtime.spawn(async () => ({ job: spawnBlocking(fixtureUrl, 'fail', ['nope'], { name: 'failer' }) }));
      await expect((await failed).job).rejects.toThrow(/nope/);
    } finally {
      channel.unsubscribe(handlers);
    }
    expect(events.map(([event, context]) => `${event}:${String(context['name'])}`)).toEqual([
      'start:adder',
      'end:adder',
      'asyncStart:adder',
      'asyncEnd:adder',
      'start:failer',
      'end:failer',
      'error:failer',
      'asyncStart:failer',
      'asyncEnd:failer',
    ]);
    expect(events[0]![1]).toMatchObject({ name: 'adder', exportName: 'add', module: String(fixtureUrl) });
    expect(events[3]![1]).toMatchObject({ result: 5 });
    expect(typeof events[0]![1]['spawnerId']).toBe('number');
  });

  it('publishes nothing once unsubscribed', async () => {
    const spawned = collect('rt:task:spawn');
    spawned[Symbol.dispose]();
    await runtime.spawn(async () => 1);
    expect(spawned.messages).toEqual([]);
    expect(diagnostics_channel.channel('rt:task:spawn').hasSubscribers).toBe(false);
  });
});
