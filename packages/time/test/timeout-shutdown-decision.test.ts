// Pass rc31: a `timeout` whose decision is pending (the function form's work may have completed:
// its outcome decides until the turn's end, passes rc29/rc30) when the runtime shuts down, or when
// the caller aborts. Every other rt wait parked in a task rejects at shutdown with `Cancelled`
// whose `cause` is the runtime's `RuntimeShutdown` (the shutdown aborts every live task with it),
// and an aborted `timeout` with `Cancelled` whose `cause` is the abort's reason (park's rule). The
// pending decision settled with a bare `Cancelled` (no cause) on the base: the shutdown was not
// told apart from any other abort. A value that wins still wins.
import { Builder, Cancelled, RuntimeShutdown, type Runtime } from '@rt/scheduler';
import { WaitList, parkSimple } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep, timeout } from '@rt/time';

/** An rt wait of the simplest kind (a receive's shape): `recv` parks, `send` wakes the oldest. */
function channel(): { recv(options?: { signal?: AbortSignal }): Promise<number>; send(value: number): void } {
  const list = new WaitList<number>();
  return {
    recv: (options) => parkSimple(list, 'test.recv', options),
    send: (value) => void list.shift()?.waiter!.wake(value),
  };
}

/** What a wait came to: its value, or its error's name and its cause's name. */
const outcome = (p: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(p).then(
    (v) => `value ${String(v)}`,
    (e: unknown) => {
      const cause = (e as Error).cause;
      return `error ${(e as Error).name}${cause === undefined ? '' : ` cause ${(cause as Error).name}`}`;
    },
  );

/** A work that ignores its signal and parks no rt wait: it never completes. */
const forever = (): Promise<never> => new Promise<never>(() => undefined);

describe('timeout: a decision pending when the runtime shuts down or the caller aborts (pass rc31)', () => {
  let runtime: Runtime;
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('an ordinary wait at shutdown, for comparison: Cancelled, its cause the RuntimeShutdown', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const rx = channel();
    const waits: Promise<string>[] = [];
    runtime.spawn(() => {
      waits.push(outcome(timeout(1_000, (signal) => rx.recv({ signal }))), outcome(rx.recv()), outcome(sleep(1_000)));
      return Promise.all(waits);
    });
    await settle(2);
    await runtime.shutdown();
    expect(await Promise.all(waits)).toEqual(Array(3).fill('error Cancelled cause RuntimeShutdown'));
  });

  it('the shutdown aborts a task whose function-form timeout parked no rt wait: Cancelled, its cause the RuntimeShutdown', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let wait: Promise<string> | undefined;
    runtime.spawn(() => (wait = outcome(timeout(1_000, forever))));
    await settle(2);
    await runtime.shutdown();
    expect(await wait!).toBe('error Cancelled cause RuntimeShutdown');
  });

  it("the shutdown during the deadline's decision (same run as the deadline): Cancelled, its cause the RuntimeShutdown", async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let wait: Promise<string> | undefined;
    let shut: Promise<void> | undefined;
    runtime.spawn(() => (wait = outcome(timeout(10, forever))));
    // Fires at the same tick, right after the timeout's deadline: the decision is pending then.
    runtime.spawn(async () => {
      await sleep(10);
      shut = runtime.shutdown();
    });
    await settle(2);
    await runtime.run(() => advance(10)).catch(() => undefined);
    await shut;
    expect(await wait!).toBe('error Cancelled cause RuntimeShutdown');
  });

  it("the caller's signal aborts first, then the shutdown: Cancelled, its cause the signal's reason (the first abort's)", async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    let wait: Promise<string> | undefined;
    runtime.spawn(() => (wait = outcome(timeout(1_000, forever, { signal: controller.signal }))));
    await settle(2);
    controller.abort(new RangeError('the caller gave up'));
    await runtime.shutdown();
    expect(await wait!).toBe('error Cancelled cause RangeError');
  });

  it("the deadline's decision, then the caller's signal, then the shutdown: the signal's reason is the cause", async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    let wait: Promise<string> | undefined;
    let shut: Promise<void> | undefined;
    runtime.spawn(() => (wait = outcome(timeout(10, forever, { signal: controller.signal }))));
    runtime.spawn(async () => {
      await sleep(10);
      controller.abort(new RangeError('the caller gave up'));
      shut = runtime.shutdown();
    });
    await settle(2);
    await runtime.run(() => advance(10)).catch(() => undefined);
    await shut;
    expect(await wait!).toBe('error Cancelled cause RangeError');
  });

  it('a rejection the abort caused, during the decision: Cancelled, with the abort\'s reason as cause', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let wait: Promise<string> | undefined;
    // The work rejects with its signal's reason once aborted (a fetch-like work that parked no rt wait).
    const work = (signal: AbortSignal): Promise<never> => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    runtime.spawn(() => (wait = outcome(timeout(1_000, work))));
    await settle(2);
    await runtime.shutdown();
    expect(await wait!).toBe('error Cancelled cause RuntimeShutdown');
  });

  it('a value handed to the work in the shutdown\'s own run still wins', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const rx = channel();
    let wait: Promise<string> | undefined;
    runtime.spawn(() => (wait = outcome(timeout(1_000, (signal) => rx.recv({ signal })))));
    await settle(2);
    rx.send(5);
    const shut = runtime.shutdown();
    expect(await wait!).toBe('value 5');
    await shut;
  });

  it('the Cancelled the work\'s signal aborts with carries the same cause', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let reason: unknown;
    runtime.spawn(() =>
      timeout(1_000, (signal) => {
        signal.addEventListener('abort', () => (reason = signal.reason));
        return forever();
      }).catch(() => undefined),
    );
    await settle(2);
    await runtime.shutdown();
    expect(reason).toBeInstanceOf(Cancelled);
    expect((reason as Cancelled).cause).toBeInstanceOf(RuntimeShutdown);
  });
});
