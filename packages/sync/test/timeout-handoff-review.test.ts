// Review rv33 of pass rc29 (timeout's hand-off races: `parkedAfter`, `parkedOn`, `giveBack`).
// What the deadline's wait for a woken work's outcome (the function form) and the give-back of a
// oneshot value do around the edges: Node's own abortable waits, the caller's abort and the
// runtime's shutdown in that window, what a long-lived signal keeps, and what many timeouts leave.
import { once, EventEmitter, getEventListeners } from 'node:events';
import { setTimeout as nodeDelay } from 'node:timers/promises';
import { Builder, type Runtime } from '@rt/scheduler';
import { parkedOn } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';
import { RecvError, Semaphore, mpsc, oneshot } from '@rt/sync';

function leftIn(rx: oneshot.Receiver<number>): number | undefined {
  try {
    return rx.tryRecv();
  } catch {
    return undefined;
  }
}

function outcomeOf(wait: Promise<unknown>): Promise<string> {
  return wait.then((v) => `value ${String(v)}`, (e: unknown) => `error ${(e as Error).name}`);
}

function waitingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['waitingTimers'] ?? 0);
}

describe('timeout: the function form after its rt waits ended (review rv33)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  async function raced(wait: () => Promise<unknown>, race: () => unknown): Promise<string> {
    const task = runtime.spawn(() => outcomeOf(wait()));
    await settle(2);
    await runtime.run(async () => {
      await race();
    });
    return Promise.resolve(task);
  }

  // Node's abortable APIs reject with an AbortError whose `cause` is the signal's reason (not rt's
  // Cancelled): the deadline passed first, so the caller must get Elapsed, as before pass rc29.
  it("a work in Node's timers/promises delay (with the signal) after its rt receive ended: Elapsed", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const outcome = await raced(
      () =>
        timeout(100, async (signal) => {
          await rx.recv({ signal });
          await nodeDelay(60_000, undefined, { signal });
          return 2;
        }),
      async () => {
        tx.send(1);
        await advance(100);
      },
    );
    expect(outcome).toBe(`error ${Elapsed.name}`);
  });

  it("a work in events.once (with the signal) after its rt receive ended: Elapsed", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const emitter = new EventEmitter();
    const outcome = await raced(
      () =>
        timeout(100, async (signal) => {
          await rx.recv({ signal });
          await once(emitter, 'never', { signal });
          return 2;
        }),
      async () => {
        tx.send(1);
        await advance(100);
      },
    );
    expect(outcome).toBe(`error ${Elapsed.name}`);
  });

  it("the caller's task aborted while the deadline waits for the work's outcome: Cancelled, at its next await", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(100, (signal) => rx.recv({ signal }).then(() => new Promise<number>(() => undefined)))));
    await settle(2);
    await runtime.run(async () => {
      tx.send(1);
      const advanced = advance(100);
      // The deadline fired (a few microtasks), the turn has not ended: the outcome is awaited.
      for (let i = 0; i < 10; i++) await Promise.resolve();
      task.abort();
      await advanced;
    });
    const outcome = await Promise.resolve(task).catch((e: unknown) => `task ${(e as Error).name}`);
    expect(outcome).toMatch(/Cancelled/);
    await settle(4);
    expect(waitingTimers(runtime)).toBe(0);
  });

  it('the runtime shuts down while the deadline waits for the outcome: the caller is not left hanging', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const wait = runtime.run(() => outcomeOf(timeout(100, (signal) => rx.recv({ signal }).then(() => new Promise<number>(() => undefined)))));
    await settle(2);
    await runtime.run(async () => {
      tx.send(1);
      await advance(100);
    });
    const shut = runtime.shutdown();
    const outcome = await wait;
    await shut;
    expect(outcome).toMatch(/^error (Elapsed|RuntimeShutdown)$/);
  });

  it('many function-form timeouts decided at the deadline leave no waiting timer, Immediate or abort listener', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const signals: AbortSignal[] = [];
    const rounds = 200;
    const tasks = [];
    const senders: mpsc.UnboundedSender<number>[] = [];
    for (let i = 0; i < rounds; i++) {
      const [tx, rx] = mpsc.unboundedChannel<number>();
      senders.push(tx);
      tasks.push(
        runtime.spawn(() =>
          timeout(100, (signal) => {
            signals.push(signal);
            return i % 2 === 0 ? rx.recv({ signal }) : rx.recv({ signal }).then(() => new Promise<number | undefined>(() => undefined));
          }).catch((e: unknown) => (e as Error).name),
        ),
      );
    }
    await settle(2);
    await runtime.run(async () => {
      for (const tx of senders) tx.send(1);
      await advance(100);
    });
    const outcomes = await Promise.all(tasks.map((t) => Promise.resolve(t)));
    expect(outcomes.filter((o) => o === 1).length).toBe(rounds / 2);
    expect(outcomes.filter((o) => o === Elapsed.name).length).toBe(rounds / 2);
    await settle(4);
    expect(waitingTimers(runtime)).toBe(0);
    for (const signal of signals) {
      expect(parkedOn(signal)).not.toBe(true);
      expect(getEventListeners(signal, 'abort').length).toBe(0);
    }
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('a long-lived signal shared by many waits (review rv33)', () => {
  it('its record does not grow, its abort listener leaves with the last wait and comes back with the next', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const controller = new AbortController();
      const signal = controller.signal;
      const semaphore = new Semaphore(0);
      await runtime.run(async () => {
        // Parked and woken one by one: one listener while parked, none after.
        for (let i = 0; i < 20_000; i++) {
          const wait = semaphore.acquire({ signal });
          if (i % 1000 === 0) expect(getEventListeners(signal, 'abort').length).toBe(1);
          semaphore.addPermits(1);
          (await wait).forget();
        }
      });
      expect(parkedOn(signal)).not.toBe(true);
      expect(getEventListeners(signal, 'abort').length).toBe(0);
      // The listener comes back with the next wait: the abort still cancels it.
      const [, rx] = oneshot.channel<number>();
      const outcome = runtime.run(() => outcomeOf(rx.recv({ signal })));
      await settle(2);
      expect(parkedOn(signal)).toBe(true);
      controller.abort();
      expect(await outcome).toBe('error Cancelled');
      expect(parkedOn(signal)).not.toBe(true);
      expect(getEventListeners(signal, 'abort').length).toBe(0);
    } finally {
      await runtime.shutdown();
    }
  });
});

describe('timeout(ms, rx, { signal }): the value given back (review rv33)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('a give-back happens once: a second receive after it gets the value, a third finds it taken', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    controller.abort();
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe('value 7');
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe(`error ${RecvError.name}`);
    expect(leftIn(rx)).toBeUndefined();
  });

  it('closed by the receiver in the same run: the value sent before the close stays takeable with tryRecv (as documented)', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    controller.abort();
    rx.close();
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    expect(leftIn(rx)).toBe(7);
  });

  // Left (review rv33): the give-back comes a microtask after the abort; a receive started in
  // between (same synchronous run) is told "already received" (RecvError), and then the value
  // reappears in the channel: the caller who saw RecvError drops the receiver, and the value is lost
  // to it. Either that receive should get the value, or the value should not come back.
  it.failing("a receive started in the abort's own run: it gets the value, or the value does not come back", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    controller.abort();
    const closedNow = rx.isClosed;
    // Started synchronously in this run (as code after the abort in the same function would).
    const next = outcomeOf(rx.recv());
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    const got = await next;
    await settle(2);
    const left = leftIn(rx);
    expect(got === 'value 7' ? left : [got, closedNow, rx.isClosed, left]).toEqual(got === 'value 7' ? undefined : [`error ${RecvError.name}`, true, true, undefined]);
  });
});
