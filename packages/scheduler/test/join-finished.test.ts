// Joins of finished tasks (issue 16, pass sj30): a join reacts to a settled promise of the task's
// value, and a value (a number, boolean, null or undefined) that the joins just before met twice in
// a row is reacted to on the promise made for it then. What a join gives must not change with that: each value its
// own (0 and -0, NaN), callbacks called later, a new promise per `then`.
import { promiseHooks } from 'node:v8';
import { Builder, JoinError, spawn, type JoinHandle } from '@rt/scheduler';

const VALUES: unknown[] = [1, 1, 0, -0, -0, 0, 0, NaN, NaN, undefined, undefined, null, null, true, true, false, false, 2.5, 2.5, 'a', 'a', 1n, 1n];

describe('a join of a finished task', () => {
  it('gives each task its own value when tasks joined one after another return the same or equal values', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const object = { n: 1 };
      const values = [...VALUES, object, object, Symbol.for('s'), Symbol.for('s')];
      const inside = await runtime.run(async () => {
        const handles = values.map((value) => spawn(async () => value));
        const got: unknown[] = [];
        for (const handle of handles) got.push(await handle);
        // Again, now that every one has been joined once (and via `then` with a callback).
        for (const handle of handles) got.push(await handle.then((value) => value));
        return got;
      });
      expect(inside).toHaveLength(2 * values.length);
      inside.forEach((value, i) => expect(Object.is(value, values[i % values.length])).toBe(true));
      // From outside any task (`then` of a finished task there too).
      const handles = values.map((value) => runtime.spawn(async () => value));
      await runtime.run(async () => {
        for (const handle of handles) await handle;
      });
      const outside: unknown[] = [];
      for (const handle of handles) outside.push(await handle);
      outside.forEach((value, i) => expect(Object.is(value, values[i])).toBe(true));
    } finally {
      await runtime.shutdown();
    }
  });

  it('calls then() callbacks later, never inside the call, and returns a new promise per call', async () => {
    const runtime = Builder.currentThread().build();
    try {
      await runtime.run(async () => {
        const a = spawn(async () => 7);
        const b = spawn(async () => 7);
        expect(await a).toBe(7);
        expect(await b).toBe(7);
        const order: string[] = [];
        const first = a.then((value) => {
          order.push(`a ${value}`);
          return value + 1;
        });
        const second = b.then((value) => {
          order.push(`b ${value}`);
          return value + 2;
        });
        order.push('sync');
        expect(first).not.toBe(second);
        expect(first).toBeInstanceOf(Promise);
        expect(await Promise.all([first, second])).toEqual([8, 9]);
        expect(order).toEqual(['sync', 'a 7', 'b 7']);
      });
    } finally {
      await runtime.shutdown();
    }
  });

  it('still rejects with the JoinError of a failed task between joins of equal values', async () => {
    const runtime = Builder.currentThread().build();
    try {
      await runtime.run(async () => {
        const ok1 = spawn(async () => undefined);
        const failed = spawn(async (): Promise<undefined> => {
          throw new Error('boom');
        });
        const ok2 = spawn(async () => undefined);
        expect(await ok1).toBeUndefined();
        const error = await (failed as JoinHandle<undefined>).then(
          () => 'fulfilled',
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(JoinError);
        expect((error as JoinError).isPanic()).toBe(true);
        expect(await ok2).toBeUndefined();
      });
    } finally {
      await runtime.shutdown();
    }
  });

  it('makes one promise per then() of a finished task whose value the joins before it met twice in a row, not a settled one as well', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const counts = await runtime.run(async () => {
        const handles = [1, 1, 1, 1, undefined, undefined, undefined].map((value) => spawn(async () => value));
        for (const handle of handles) await handle;
        const made: number[] = [];
        for (const handle of handles) {
          let promises = 0;
          const stop = promiseHooks.onInit(() => {
            promises++;
          });
          const joined = handle.then((value) => value);
          stop();
          made.push(promises);
          await joined;
        }
        return made;
      });
      // The first two joins of a value in a row make a settled promise each; the next ones only their own.
      expect(counts).toEqual([2, 2, 1, 1, 2, 2, 1]);
    } finally {
      await runtime.shutdown();
    }
  });
});
