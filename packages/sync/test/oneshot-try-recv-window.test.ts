// Pass rc31 (review rv36's item 2): between a send that woke the receive of a `timeout(ms, rx, {
// signal })` and that timeout's outcome (a microtask or two later), the value is handed to the
// receive but not yet to the caller: if the caller's signal or task aborts first, it goes back
// into the channel (pass rc30). On the base, `tryRecv()` in that window said `Disconnected` ("it
// never will be") and `isClosed` was true, and after the abort the value was back. Now the take is
// not final until the outcome: `Empty` and `isClosed` false meanwhile, `Disconnected` only once the
// caller got the value. Never `Disconnected` and then the value.
import { Builder, coop, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { timeout } from '@rt/time';
import { oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './support/try-recv.js';

describe('oneshot tryRecv between a send to a timeout\'s receive and that timeout\'s outcome (pass rc31)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("then the caller's abort: Empty before it, the value after it (never Disconnected and then the value)", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    const before = [tryRecvOf(rx), rx.isClosed];
    controller.abort();
    expect(before).toEqual(['Empty', false]);
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    expect(tryRecvOf(rx)).toBe('value 7');
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('no abort: Empty in the window, Disconnected once the caller got the value', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    tx.send(7);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Empty', false]);
    expect(await Promise.resolve(task)).toBe('value 7');
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('a value already there, taken by the timeout\'s receive at once: Empty until the outcome, then the value back after an abort', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    tx.send(5);
    const [inWindow, outcome] = await runtime.run(() => {
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      const seen = tryRecvOf(rx);
      controller.abort();
      return Promise.all([seen, wait]);
    });
    expect([inWindow, outcome]).toEqual(['Empty', 'error Cancelled']);
    await settle(2);
    expect(tryRecvOf(rx)).toBe('value 5');
  });

  it('without any timeout: a value taken is Disconnected at once, as before', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(rx.recv()));
    await settle(2);
    tx.send(7);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
    expect(await Promise.resolve(task)).toBe('value 7');
  });

  it('the conservative side: a value tryRecv took while a timeout is unfinished reads Empty until that timeout\'s outcome, then Disconnected', async () => {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(5);
    const [got, again, outcome] = await runtime.run(() => {
      // The timeout's receive yields for the budget first (its take a microtask later): tryRecv takes the value.
      while (coop() === undefined);
      const wait = outcomeOf(timeout(100, rx));
      return Promise.all([tryRecvOf(rx), tryRecvOf(rx), wait]);
    });
    expect([got, again, outcome]).toEqual(['value 5', 'Empty', 'error RecvError']);
    expect(tryRecvOf(rx)).toBe('Disconnected');
  });
});
