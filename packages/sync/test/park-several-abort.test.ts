// A task that parks several receivers at once (ReusableWaiter.park links each into the task's list of
// waiters, written out inline since pass ec23), woken one by one or aborted with them parked: no
// wake lost or doubled, and each receiver parks again afterwards.
import { spawn, yieldNow } from '@rt/scheduler';
import { mpsc } from '@rt/sync';

describe('ReusableWaiter parks beside other waiters of the same task (review rv)', () => {
  it('three receivers parked at once by one task; one woken, or the task aborted; the receivers parked again', async () => {
    const [txA, rxA] = mpsc.unboundedChannel<number>();
    const [txB, rxB] = mpsc.unboundedChannel<number>();
    const [txC, rxC] = mpsc.unboundedChannel<number>();
    for (let round = 0; round < 40; round++) {
      const task = spawn(async () => Promise.all([rxA.recv(), rxB.recv(), rxC.recv()]));
      await yieldNow();
      if (round % 2 === 0) {
        txB.send(round);
        await yieldNow();
        task.abort();
        await expect(task).rejects.toBeDefined();
      } else {
        txC.send(3);
        txA.send(1);
        txB.send(2);
        expect(await task).toEqual([1, 2, 3]);
      }
    }
    // After the aborts, every receiver still takes its values in order (no lost or doubled wake).
    const all = spawn(async () => {
      const out: (number | undefined)[] = [];
      for (const rx of [rxA, rxB, rxC]) out.push(await rx.recv());
      return out;
    });
    await yieldNow();
    txA.send(100);
    txB.send(200);
    txC.send(300);
    const got = await all;
    // (Each even round's value was taken by the receive the task had parked, before the abort.)
    expect(got).toEqual([100, 200, 300]);
  });
});
