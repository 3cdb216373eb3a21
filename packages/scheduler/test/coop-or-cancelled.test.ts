import { Builder, Cancelled, coop, coopOrCancelled, spawn, unconstrained, yieldNow } from '@rt/scheduler';
import { readyNow, refundNow } from '@rt/scheduler/primitives';

describe('coopOrCancelled', () => {
  it('spends the budget as coop does: undefined while it lasts, then the yield promise (one per 128 calls)', async () => {
    await spawn(async () => {
      await yieldNow(); // a fresh turn: a full budget
      let yielded = 0;
      let calls = 0;
      for (let i = 0; i < 1000; i++) {
        calls++;
        const y = coopOrCancelled();
        if (y !== undefined) {
          yielded++;
          expect(calls).toBeGreaterThan(128 * (yielded - 1)); // never before the budget ran out
          await y;
        }
      }
      expect(yielded).toBeGreaterThan(0);
      expect(yielded).toBeLessThanOrEqual(Math.ceil(1000 / 128));
    });
  });

  it('shares the budget with coop (one budget per task)', async () => {
    await spawn(async () => {
      await yieldNow();
      for (let i = 0; i < 64; i++) expect(coop()).toBeUndefined();
      let more = 0;
      while (coopOrCancelled() === undefined) more++;
      expect(more).toBe(64);
    });
  });

  it('throws Cancelled in an aborted task, with the abort reason as cause', async () => {
    let thrown: unknown;
    const task = spawn(async () => {
      await yieldNow();
      await new Promise<void>((resolve) => setImmediate(resolve)); // aborted meanwhile (not an rt await)
      try {
        coopOrCancelled();
      } catch (error) {
        thrown = error;
      }
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    task.abort('stop');
    await Promise.resolve(task).catch(() => undefined);
    expect(thrown).toBeInstanceOf(Cancelled);
    expect((thrown as Cancelled).cause).toBe('stop');
  });

  it('throws Cancelled for an aborted signal, outside and inside a task, and TypeError for bad options', async () => {
    expect(() => coopOrCancelled({ signal: AbortSignal.abort('why') })).toThrow(Cancelled);
    await spawn(async () => {
      expect(() => coopOrCancelled({ signal: AbortSignal.abort() })).toThrow(Cancelled);
      expect(coopOrCancelled({ signal: new AbortController().signal })).toBeUndefined();
    });
    expect(() => coopOrCancelled({ signal: 'no' as unknown as AbortSignal })).toThrow(TypeError);
  });

  it('never forces a yield inside unconstrained(), but still sees cancellation there', async () => {
    await spawn(() =>
      unconstrained(async () => {
        for (let i = 0; i < 1000; i++) expect(coopOrCancelled()).toBeUndefined();
        expect(() => coopOrCancelled({ signal: AbortSignal.abort() })).toThrow(Cancelled);
      }),
    );
  });
});

describe('readyNow (primitives)', () => {
  it('spends the shared budget while it lasts, then says false with nothing spent or counted: the fallback yields once', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      await spawn(async () => {
        await yieldNow(); // a fresh turn: a full budget
        for (let i = 0; i < 64; i++) expect(coop()).toBeUndefined();
        let now = 0;
        while (readyNow()) now++;
        expect(now).toBe(64); // one budget with coop
        const before = runtime.metrics().forcedYields;
        for (let i = 0; i < 10; i++) expect(readyNow()).toBe(false);
        expect(runtime.metrics().forcedYields).toBe(before); // no yield counted by the refusals
        const y = coopOrCancelled(); // the fallback's own check yields, counted once
        expect(y).toBeInstanceOf(Promise);
        expect(runtime.metrics().forcedYields).toBe(before + 1);
        await y;
        expect(readyNow()).toBe(true); // a new turn: the budget refilled
      });
    });
    await runtime.shutdown();
  });

  it('refundNow gives back what a readyNow that said yes spent (an operation that found nothing to do), never more', async () => {
    await spawn(async () => {
      await yieldNow(); // a fresh turn: a full budget
      for (let i = 0; i < 10; i++) {
        expect(readyNow()).toBe(true);
        refundNow();
      }
      refundNow(); // nothing spent to give back: the budget stays 128
      let left = 0;
      while (coop() === undefined) left++;
      expect(left).toBe(128);
    });
    unconstrained(() => refundNow()); // no budget there: nothing happens
  });

  it('says false (no throw) in a cancelled task or for an aborted signal; inside unconstrained() always true otherwise', async () => {
    expect(readyNow({ signal: AbortSignal.abort() })).toBe(false);
    let seen: boolean | undefined;
    const task = spawn(async () => {
      await yieldNow();
      await new Promise<void>((resolve) => setImmediate(resolve)); // aborted meanwhile (not an rt await)
      seen = readyNow();
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    task.abort('stop');
    await Promise.resolve(task).catch(() => undefined);
    expect(seen).toBe(false);
    await spawn(() =>
      unconstrained(async () => {
        for (let i = 0; i < 1000; i++) expect(readyNow()).toBe(true);
        expect(readyNow({ signal: AbortSignal.abort() })).toBe(false);
      }),
    );
  });
});
