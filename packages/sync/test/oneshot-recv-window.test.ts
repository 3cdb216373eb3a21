// Pass rw32: a `recv()` (or `await rx`) started while a `timeout(ms, rx)` around a receive of the
// same oneshot is unfinished and that timeout's receive has taken the value, which may still come
// back (pass rc31's and review rv39's window). It opens at a send that wakes the timeout's receive
// and lasts until that timeout's outcome (a microtask or two; the caller's abort in it gives the
// value back), and it opens at `Elapsed` too when the timeout's receive took a sent promise ready
// that is still pending (the value comes back when it settles, however late).
//
// The contract (Tokio's receive takes the value only when polled, so it has no such window): nothing
// sent is lost, nothing is delivered twice, and a receive never reports "already received" for a
// value that can still come back. A receive started in the window parks until the keeping timeout's
// outcome, then takes the value given back, or rejects "already received" if the timeout delivered
// it; while parked there it is abortable (its task, its own signal) and cancel safe (an abort leaves
// the value in the channel), and the sender's close or drop changes nothing (it has sent).
//
// On the base (7956bdc) such a receive rejected "already received" at once, and the value could
// then come back (9 of the cases below fail there: all but `await rx`, the timeout delivering,
// tryRecv's own take and the guards). Not covered (sync README, pass rw32): a `timeout(ms, rx)` started in the window, and a
// receive that finds the window only after a budget yield, are told at once as before: either may
// be a timeout's own receive, which must not wait on its own keep (the guards at the end).
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, timeout } from '@rt/time';
import { oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './support/try-recv.js';
import { elapsedHoldingPending, keeps, sendIntoTimeout } from './support/recv-window.js';

describe('oneshot recv() in the window a timeout\'s receive holds the value (pass rw32)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("recv() in the window, then the timeout's caller aborts: the recv gets the value", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      const received = outcomeOf(rx.recv());
      controller.abort();
      return received;
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toBe('value 7');
    expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Disconnected', true, 0]);
  });

  it("a value already there, taken ready by the timeout's receive: a recv() in the run, then the caller's abort: the recv gets it", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    tx.send(5);
    const [received, outcome] = await runtime.run(() => {
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      const received = outcomeOf(rx.recv());
      controller.abort();
      return Promise.all([received, wait]);
    });
    expect([received, outcome]).toEqual(['value 5', 'error Cancelled']);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  // (Passes on the base too: `await rx` calls `then` a microtask later, after the abort gave back.)
  it("await rx in the window, then the timeout's caller aborts: it gets the value", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      const received = outcomeOf(rx);
      controller.abort();
      return received;
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toBe('value 7');
  });

  it('recv() in the window, then the timeout delivers: the caller gets the value, the recv rejects "already received"', async () => {
    const [tx, rx] = oneshot.channel<number>();
    let error: unknown;
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, () => rx.recv().then(String, (e: unknown) => ((error = e), 'rejected')));
    expect(outcome).toBe('value 7');
    expect(await received).toBe('rejected');
    expect((error as Error).message).toBe('oneshot value already received');
    expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Disconnected', true, 0]);
  });

  it('Elapsed holding a sent promise still pending: a recv() started then gets it once it fulfils', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const received = outcomeOf(rx.recv());
    const awaited = outcomeOf(rx);
    await settle(4);
    sent.fulfil(1);
    // The first receive in the window gets it; the second is told once the take is final.
    expect([await received, await awaited]).toEqual(['value 1', 'error RecvError']);
    expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Disconnected', true, 0]);
  });

  it('Elapsed holding a sent promise still pending: a recv() started then gets its rejection, as sent', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const reason = new Error('sent rejection');
    const received = runtime.run(() => rx.recv().then(() => 'fulfilled', (e: unknown) => e));
    await settle(4);
    sent.reject(reason);
    expect(await received).toBe(reason);
    expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Disconnected', true, 0]);
  });

  it("the sender's close in the window changes nothing: the parked recv() still gets the value", async () => {
    const { tx, rx, sent } = await elapsedHoldingPending(runtime);
    const received = outcomeOf(rx.recv());
    tx.close();
    tx[Symbol.dispose]();
    await settle(4);
    sent.fulfil(2);
    expect(await received).toBe('value 2');
  });

  it('a recv() parked in the window aborted by its own signal: Cancelled, the value stays for the next', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const controller = new AbortController();
    const received = outcomeOf(rx.recv({ signal: controller.signal }));
    await settle(4);
    controller.abort();
    expect(await received).toBe('error Cancelled');
    sent.fulfil(3);
    await settle(4);
    expect(rx.tryRecv()).toBe(sent.promise);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it("a recv() parked in the window in a task that is aborted: Cancelled, the value stays for the next", async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const task = runtime.spawn(() => outcomeOf(rx.recv()));
    await settle(4);
    task.abort();
    expect(await Promise.resolve(task).catch((e: Error) => `task ${e.name}`)).toMatch(/Cancelled/);
    sent.fulfil(4);
    await settle(4);
    expect(await runtime.run(() => rx.recv())).toBe(4);
  });

  it('two recv() parked in the window: the first gets the value given back, the second "already received" once final', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      const first = outcomeOf(rx.recv());
      const second = outcomeOf(rx.recv());
      controller.abort();
      return Promise.all([first, second]);
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toEqual(['value 7', 'error RecvError']);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it("the receiver's close in the window: the parked recv() still gets the value given back (a value sent before the close can be taken)", async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const received = outcomeOf(rx.recv());
    rx.close();
    await settle(4);
    sent.fulfil(8);
    expect(await received).toBe('value 8');
    expect(keeps(rx)).toBe(0);
  });

  it('a value tryRecv itself took while a timeout is unfinished: a recv() then waits for that outcome, then "already received"', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      controller.abort();
      // The abort gave the value back: tryRecv takes it for good, but the timeout is unfinished.
      const taken = tryRecvOf(rx);
      return Promise.all([taken, outcomeOf(rx.recv())]);
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toEqual(['value 7', 'error RecvError']);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  // Guards for whoever closes the window (they pass on the base and must keep passing): a timeout's
  // own receive that reaches the window counts in the keeps it would wait on.
  it('a timeout started in the window, elapsing before the held promise settles: nothing hangs, nothing is lost', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const second = runtime.spawn(() => outcomeOf(timeout(10, rx)));
    await settle(4);
    await runtime.run(() => advance(10));
    expect(['error Elapsed', 'error RecvError']).toContain(await Promise.resolve(second));
    sent.fulfil(5);
    await settle(4);
    expect(keeps(rx)).toBe(0);
    expect(rx.tryRecv()).toBe(sent.promise);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('a timeout started in the window, the held promise settling first: its caller gets the value or the value is back', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const second = runtime.spawn(() => outcomeOf(timeout(10, rx)));
    await settle(4);
    sent.fulfil(6);
    await settle(4);
    const outcome = await Promise.race([Promise.resolve(second), runtime.run(() => advance(10)).then(() => Promise.resolve(second))]);
    await settle(4);
    expect(keeps(rx)).toBe(0);
    if (outcome === 'value 6') expect(tryRecvOf(rx)).toBe('Disconnected');
    else expect([outcome, tryRecvOf(rx)]).toEqual(['error RecvError', 'value [object Promise]']);
  });

  it('a timeout started in the window outside any task, the first delivering: told at once, the count back to zero (no receive waits on its own keep)', async () => {
    const [tx, rx] = oneshot.channel<number>();
    // Outside any task `timeout` keeps no handle on its receive, so nothing would end one left
    // waiting in the window: its keep would then hold the count above zero for the receiver's life.
    const [outcome, second] = await sendIntoTimeout(runtime, rx, tx, () => outcomeOf(timeout(5, rx)));
    expect(outcome).toBe('value 7');
    expect(await second).toBe('error RecvError');
    await settle(4);
    expect([tryRecvOf(rx), rx.isClosed, keeps(rx)]).toEqual(['Disconnected', true, 0]);
  });
});
