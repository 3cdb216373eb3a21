// Review rv39 of pass rc31: shared.oneshot's count of unfinished `timeout`s around its receives
// (`keepTaken`, for `tryRecv`/`isClosed`) returns to zero at every outcome: Elapsed, the sender
// closed without sending, the runtime's shutdown, the caller's abort with nothing taken, and a
// value given back. A count left above zero made a take read `Empty` forever instead of `Disconnected`.
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, timeout } from '@rt/time';
import { shared } from '@rt/multi-thread';
import { outcomeOf, tryRecvOf } from '../../sync/test/support/try-recv.js';

describe('shared.oneshot: the keep count returns to zero (review rv39 of pass rc31)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('at Elapsed: a value sent after it, taken, is then gone for good', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(10, rx)));
    await settle(2);
    await runtime.run(() => advance(10));
    expect(await Promise.resolve(task)).toBe('error Elapsed');
    tx.send(3);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 3', 'Disconnected', true]);
  });

  it('when the sender closes without sending', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    tx.close();
    expect(await Promise.resolve(task)).toMatch(/^error /);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it("at the caller's abort before any send, then a send and a take", async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    controller.abort();
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    await settle(2);
    tx.send(6);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 6', 'Disconnected', true]);
  });

  it("at the runtime's shutdown (the receive parked in the task)", async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    await runtime.shutdown();
    await settle(2);
    tx.send(4);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 4', 'Disconnected', true]);
  });

  it('after a give-back at the abort (a send in the same run), the value received again is then final', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(8);
    controller.abort();
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    await settle(4);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 8', 'Disconnected', true]);
  });
});
