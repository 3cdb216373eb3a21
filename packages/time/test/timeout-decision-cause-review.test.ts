// Review rv39 of pass rc31: the `Cancelled` a pending turn-end decision settles with, when the
// caller's abort overtakes the deadline's decision, carries the abort's reason as `cause`, kept
// beside the timer (a module WeakMap keyed by the timer) until the turn's end reads it. The entry
// goes with the timer (nothing else keeps the reason once the work's promise is gone), and the
// decision settles with the first abort's reason, never a later one's.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep, timeout } from '@rt/time';

const outcome = (p: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(p).then(
    (v) => `value ${String(v)}`,
    (e: unknown) => {
      const cause = (e as Error).cause as Error | undefined;
      return `error ${(e as Error).name}${cause === undefined ? '' : ` cause ${cause.name}: ${cause.message}`}`;
    },
  );

async function collect(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("timeout: the abort's reason during the deadline's decision (review rv39 of pass rc31)", () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("is let go with the timer: nothing but the timer (its work's promise) keeps it after the caller was told", async () => {
    // The work's promise, let go after the outcome: while it lives its reactions hold the timer,
    // and the timer holds the reason (its settled waiter's `Cancelled`, the decision's, kept
    // beside it in a WeakMap), as it held an ordinary abort's before pass rc31.
    let hung: Promise<never> | undefined = new Promise<never>(() => undefined);
    let ref: WeakRef<object> | undefined;
    let wait: Promise<string> | undefined;
    // The caller's controller, let go once it aborted (its signal's `reason` is the caller's).
    let controller: AbortController | undefined = new AbortController();
    runtime.spawn(() => (wait = outcome(timeout(10, () => hung!, { signal: controller!.signal }))));
    runtime.spawn(async () => {
      await sleep(10);
      // Right after the deadline, in its run: the decision is pending.
      const reason = new RangeError('the caller gave up');
      ref = new WeakRef(reason);
      controller!.abort(reason);
      controller = undefined;
    });
    await settle(2);
    await runtime.run(() => advance(10));
    expect(await wait!).toBe('error Cancelled cause RangeError: the caller gave up');
    wait = undefined;
    hung = undefined;
    await collect();
    expect(ref!.deref()).toBeUndefined();
  });

  it('the first abort wins: the signal, then the task (and the shutdown), the signal\'s reason is the cause', async () => {
    const controller = new AbortController();
    let wait: Promise<string> | undefined;
    const task = runtime.spawn(() => (wait = outcome(timeout(10, () => new Promise<never>(() => undefined), { signal: controller.signal }))));
    runtime.spawn(async () => {
      await sleep(10);
      controller.abort(new RangeError('first'));
      task.abort();
    });
    await settle(2);
    await runtime.run(() => advance(10));
    expect(await wait!).toBe('error Cancelled cause RangeError: first');
  });
});
