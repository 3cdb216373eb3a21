// Pass rc31: `timeout(ms, rx, { signal })` on a value already in the channel, the caller's abort in
// the same run: the value goes back into the channel at the abort, as sent (pass rc30). A sent
// promise that rejects was the exception on the base: the receive took it (ready) and its promise
// rejected with the sent promise's reason, which the settled timeout ignored, so nothing was given
// back and the channel said "already received". Now it comes back like any value; a receive told
// "already received" (another took the value) gives nothing back.
import { Builder, coop, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { timeout } from '@rt/time';
import { RecvError, oneshot } from '@rt/sync';
import { tryRecvOf } from './support/try-recv.js';
import { abortedTimeout, stateOf } from './support/recv-window.js';

/** The outcome of a wait as a string: 'value …' or 'error <name>' ('error <message>' for a plain Error). */
function outcomeOf(wait: PromiseLike<unknown>): Promise<string> {
  return Promise.resolve(wait).then(
    (v) => `value ${String(v)}`,
    (e: unknown) => `error ${(e as Error).name === 'Error' ? (e as Error).message : (e as Error).name}`,
  );
}

/** A promise rejected with `message`, marked handled (as a sender would keep it from being reported). */
function rejected(message: string): Promise<number> {
  const promise = Promise.reject(new Error(message));
  promise.catch(() => undefined);
  return promise;
}

describe("timeout(ms, rx) around a sent promise that rejects, already in the channel, the caller's abort (pass rc31)", () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('the promise itself goes back into the channel, as sent', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const controller = new AbortController();
    const sent = rejected('sent');
    tx.send(sent);
    const outcome = await runtime.run(() => {
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      expect(stateOf(rx)).toBe('Taken'); // taken at once (no yield)
      controller.abort();
      return wait;
    });
    expect(outcome).toBe('error Cancelled');
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
  });

  it('the same after a cooperative yield (the receive takes the value a microtask after the abort)', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const controller = new AbortController();
    const sent = rejected('sent');
    tx.send(sent);
    const outcome = await runtime.run(() => {
      // The task's budget spent: the receive yields before it takes the ready value.
      while (coop() === undefined);
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      expect(stateOf(rx)).toBe('Value'); // not taken yet
      controller.abort();
      return wait;
    });
    expect(outcome).toBe('error Cancelled');
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
  });

  it('a receive started after the give-back gets the promise (and so its rejection), once', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const controller = new AbortController();
    tx.send(rejected('sent'));
    await runtime.run(() => {
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      controller.abort();
      return wait;
    });
    await settle(4);
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe('error sent');
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe(`error ${RecvError.name}`);
  });

  it('without the abort the caller gets the rejection (the work\'s own error) and nothing comes back', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    tx.send(rejected('sent'));
    expect(await runtime.run(() => outcomeOf(timeout(100, rx)))).toBe('error sent');
    await settle(4);
    expect(tryRecvOf(rx)).toBe('Disconnected');
  });

  it('another receive took the promise while the timeout\'s receive yielded: the timeout\'s "already received" gives nothing back', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const controller = new AbortController();
    const sent = rejected('sent');
    tx.send(sent);
    const [mine, taken] = await runtime.run(() => {
      while (coop() === undefined);
      const wait = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      expect(stateOf(rx)).toBe('Value'); // not taken yet
      // Taken before the timeout's receive comes back from its yield.
      const got = rx.tryRecv();
      controller.abort();
      return Promise.all([wait, got === sent]);
    });
    expect([mine, taken]).toEqual(['error Cancelled', true]);
    await settle(4);
    expect(tryRecvOf(rx)).toBe('Disconnected');
  });

  it('a sent promise that fulfils, for comparison: back as sent too (pass rc30)', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const sent = Promise.resolve(5);
    tx.send(sent);
    const outcome = await abortedTimeout(runtime, rx);
    expect(outcome).toBe('error Cancelled');
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
  });
});
