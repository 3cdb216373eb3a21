// Pass lc31: mpsc's channel (chan.ts) and its Receiver (mpsc.ts) take the imports their hot paths
// read as module-local constants, copied at load; chan.ts reads its own exported
// FINISHED and RECV_LABEL through private constants. These specs pin (1) that the end of a channel
// is still the one FINISHED both modules see (a receive ends with undefined, iteration and
// recvMany stop); (2) that each of those modules, loaded first in a fresh module registry, finds
// its imports initialised (an import cycle would leave a copy undefined): a bounded SPSC exchange
// that parks both sides, and a Notify hand-off (Notify's copies were measured and dropped; it
// stays in the list as a module the others are loaded after).
import { FINISHED, RECV_LABEL } from '../src/internal/chan.js';

type Sync = typeof import('../src/index.js');
type Scheduler = typeof import('@rt/scheduler');

async function exchange(sync: Sync, rt: Scheduler): Promise<unknown[]> {
  const runtime = rt.Builder.currentThread().build();
  try {
    return await runtime.spawn(async () => {
      const [tx, rx] = sync.mpsc.channel<number>(1);
      const producer = rt.spawn(async () => {
        for (let i = 0; i < 300; i++) await tx.send(i); // past the budget: yields on both sides
        tx.close();
      });
      let sum = 0;
      for await (const value of rx) sum += value;
      await producer;
      const end = await rx.recv();
      const [tx2, rx2] = sync.mpsc.channel<number>(4);
      await tx2.send(7);
      tx2.close();
      const buffer: number[] = [];
      const many = [await rx2.recvMany(buffer, 4), await rx2.recvMany(buffer, 4)];
      const notify = new sync.Notify();
      const waiting = rt.spawn(async () => {
        await notify.notified();
        return 'notified';
      });
      await rt.yieldNow();
      notify.notifyOne();
      return [sum, end, many, buffer, await waiting];
    });
  } finally {
    await runtime.shutdown();
  }
}

describe('pass lc31: module-local constants in @rt/sync', () => {
  it('exports the end sentinel and the receive label', () => {
    expect(typeof FINISHED).toBe('symbol');
    expect(RECV_LABEL).toBe('mpsc.Receiver.recv');
  });

  it.each(['../src/internal/chan.js', '../src/mpsc.js', '../src/notify.js'])('%s loaded first: channels and Notify work', async (first) => {
    let sync: Sync | undefined;
    let rt: Scheduler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(first);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      sync = require('../src/index.js') as Sync;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      rt = require('@rt/scheduler') as Scheduler;
    });
    expect(await exchange(sync!, rt!)).toEqual([(299 * 300) / 2, undefined, [1, 0], [7], 'notified']);
  });
});
