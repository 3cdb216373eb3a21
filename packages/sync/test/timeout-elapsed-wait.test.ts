// Pass lk28: what a wait wrapped in `timeout(ms, …)` leaves behind when the deadline wins.
// `timeout(ms, rx)` around a oneshot receiver (a thenable whose every `then` is a receive of its
// own) ends that receive when the deadline wins, as Tokio's timeout drops the future: it leaves
// the task's list, and a value sent later stays in the channel for the next receive. Before, the
// receive stayed parked until a send: a long-lived task doing RPCs (`pending.set(id, tx)`, on
// timeout `pending.delete(id)`) kept one parked wait (~1.7 KB) per timed-out request for its life,
// and a retry lost the value (the old receive took it; the retry failed "already received").
// The cancellable form `timeout(ms, (signal) => x.recv({ signal }))` ends any rt wait; the promise
// form `timeout(ms, x.recv())` cannot (the time README).
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';
import { Notify, Semaphore, mpsc, oneshot } from '@rt/sync';
import { describeTimeoutOneshot, waitingOn } from './support/timeout-specs.js';

/** Never notified: a task parks on it to live on until aborted. */
const forever = new Notify();

// The first two specs of pass lk28 and its long-lived task are shared with shared.oneshot (pass mt29: support/timeout-specs.ts, with the helpers).
describeTimeoutOneshot('timeout(ms, rx) around a oneshot receiver when the deadline wins', oneshot, 20_000);

describe('timeout(ms, …) when the deadline wins: a oneshot receiver and the cancellable form end their wait, a promise cannot', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });
  /** Lets `n` deadlines of 100 ms pass, one after the other. */
  async function elapse(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await runtime.run(() => advance(100));
      await settle(2);
    }
  }

  it('ends only its own receive: another receive of the same receiver still gets the value', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(async () => {
      const other = rx.recv();
      await expect(timeout(100, rx)).rejects.toBeInstanceOf(Elapsed);
      expect(waitingOn(runtime, task.id)).toEqual(['oneshot.Receiver.recv']);
      return await other;
    });
    await settle(2);
    await runtime.run(() => advance(100));
    await settle(2);
    tx.send(9);
    await expect(Promise.resolve(task)).resolves.toBe(9);
  });

  it("the caller's signal aborting ends the receive too; a value that came first wins", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(async () => {
      await expect(timeout(100, rx, { signal: controller.signal })).rejects.toThrow(/cancelled|aborted/);
      expect(waitingOn(runtime, task.id)).toEqual([]);
      const [tx2, rx2] = oneshot.channel<number>();
      tx2.send(3);
      return (await timeout(0, rx2)) + (await rx);
    });
    await settle(2);
    controller.abort();
    await settle(2);
    tx.send(4);
    await expect(Promise.resolve(task)).resolves.toBe(7);
  });

  // Other waits: the cancellable form ends them, the promise form cannot.
  it('mpsc: (signal) => rx.recv({ signal }) ends the receive, the message stays for the next; rx.recv() stays parked and takes it', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const seen: string[] = [];
    const task = runtime.spawn(async () => {
      await timeout(100, (signal) => rx.recv({ signal })).catch((error: unknown) => seen.push((error as Error).name));
      seen.push(waitingOn(runtime, task.id).join());
      await timeout(100, rx.recv()).catch((error: unknown) => seen.push((error as Error).name));
      seen.push(waitingOn(runtime, task.id).join());
      await forever.notified();
    });
    await settle(2);
    await elapse(2);
    expect(seen).toEqual(['Elapsed', '', 'Elapsed', 'mpsc.Receiver.recv']);
    // The promise form's receive is still parked: the next message goes to it, which nobody reads.
    await tx.send(1);
    await tx.send(2);
    await settle(2);
    expect(rx.tryRecv()).toBe(2);
    task.abort();
    await expect(Promise.resolve(task)).rejects.toThrow();
  });

  it("Semaphore: the cancellable form leaves the permit with the semaphore; the promise form's acquire takes it when it comes", async () => {
    const semaphore = new Semaphore(1);
    const held = semaphore.tryAcquire()!;
    const task = runtime.spawn(async () => {
      await expect(timeout(100, (signal) => semaphore.acquire({ signal }))).rejects.toBeInstanceOf(Elapsed);
      await expect(timeout(100, semaphore.acquire())).rejects.toBeInstanceOf(Elapsed);
      await forever.notified();
    });
    await settle(2);
    await elapse(2);
    expect(waitingOn(runtime, task.id)).toEqual(['Notify.notified', 'Semaphore.acquire']);
    held.release();
    await settle(2);
    // The orphaned acquire holds the permit (its SemaphorePermit is unreachable, never released).
    expect(semaphore.availablePermits).toBe(0);
    task.abort();
    await expect(Promise.resolve(task)).rejects.toThrow();
  });
});
