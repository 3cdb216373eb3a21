// The examples of README.md and of the package guide, run as written (inside a function).
import { Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, SetOnce, broadcast, mpsc, oneshot, watch } from '@rt/sync';

describe('README examples', () => {
  it('run as documented', async () => {
    const log: unknown[] = [];

    const counter = new Mutex(0);
    {
      using guard = await counter.lock();
      guard.value += 1;
    }
    expect(counter.tryLock()?.value).toBe(1);

    const slots = new Semaphore(10);
    {
      using _permit = await slots.acquire();
      expect(slots.availablePermits).toBe(9);
    }
    expect(slots.availablePermits).toBe(10);

    const [tx, rx] = mpsc.channel<number>(16);
    void (async () => {
      using sender = tx;
      for (let i = 0; i < 3; i++) await sender.send(i);
    })();
    for await (const n of rx) log.push(n);
    expect(log).toEqual([0, 1, 2]);

    const [replyTx, replyRx] = oneshot.channel<string>();
    replyTx.send('done');
    expect(await replyRx).toBe('done');

    const [stateTx, stateRx] = watch.channel('starting');
    stateTx.send('ready');
    await stateRx.changed();
    expect(stateRx.borrowAndUpdate()).toBe('ready');
  });
});

describe('TSDoc examples', () => {
  it('RwLock, Notify, Barrier, OnceCell, SetOnce and broadcast run as documented', async () => {
    const config = new RwLock({ port: 80 });
    {
      using r = await config.read();
      expect(r.value.port).toBe(80);
    }
    {
      using w = await config.write();
      w.value = { port: 8080 };
    }
    expect(config.tryRead()?.value.port).toBe(8080);

    const notify = new Notify();
    const waiting = notify.notified();
    notify.notifyOne();
    await waiting;

    const barrier = new Barrier(3);
    const results = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(results.filter((r) => r.isLeader)).toHaveLength(1);

    const cell = new OnceCell<{ url: string }>();
    const c = await cell.getOrInit(async () => ({ url: 'x' }));
    expect(c.url).toBe('x');

    const ready = new SetOnce<number>();
    setImmediate(() => ready.set(7));
    expect(await ready.wait()).toBe(7);

    const [btx, rx1] = broadcast.channel<string>(16);
    const rx2 = btx.subscribe();
    btx.send('hi');
    expect([await rx1.recv(), await rx2.recv()]).toEqual(['hi', 'hi']);

    const [utx, urx] = mpsc.unboundedChannel<string>();
    utx.send('hello');
    expect(await urx.recv()).toBe('hello');

    const [otx, orx] = oneshot.channel<number>();
    setImmediate(() => otx.send(42));
    expect(await orx).toBe(42);
  });
});
