import { Builder, Cancelled, spawn } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Instant, advance, sleep } from '@rt/time';
import fc from 'fast-check';
import { DelayQueue } from '@rt/util';

function paused(autoAdvance = true): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(autoAdvance).build();
}

describe('DelayQueue', () => {
  let runtime: Runtime;
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('yields items in deadline order at their deadlines, equal deadlines in insertion order', async () => {
    runtime = paused();
    const seen = await runtime.run(async () => {
      const start = Instant.now();
      const queue = new DelayQueue<string>();
      queue.insert('c', 30);
      queue.insert('a', 10);
      queue.insert('b1', 20);
      queue.insert('b2', 20);
      const out: [string, number][] = [];
      for await (const { value } of queue) out.push([value, start.elapsed()]);
      return out;
    });
    expect(seen).toEqual([
      ['a', 10],
      ['b1', 20],
      ['b2', 20],
      ['c', 30],
    ]);
  });

  it('remove takes an item out early; reset moves its deadline earlier or later', async () => {
    runtime = paused();
    const seen = await runtime.run(async () => {
      const start = Instant.now();
      const queue = new DelayQueue<string>();
      const a = queue.insert('a', 10);
      const b = queue.insert('b', 20);
      const c = queue.insert('c', 30);
      expect(queue.remove(b).value).toBe('b');
      expect(queue.tryRemove(b)).toBeUndefined();
      expect(() => queue.remove(b)).toThrow(RangeError);
      queue.reset(a, 50);
      queue.resetAt(c, start.add(5));
      expect(queue.has(a)).toBe(true);
      expect(queue.len).toBe(2);
      const out: [string, number][] = [];
      for await (const { value } of queue) out.push([value, start.elapsed()]);
      return out;
    });
    expect(seen).toEqual([
      ['c', 5],
      ['a', 50],
    ]);
  });

  it('a waiting next() follows changes to the head: earlier insert, removal, emptying', async () => {
    runtime = paused(false);
    await runtime.run(async () => {
      const start = Instant.now();
      const queue = new DelayQueue<string>();
      const late = queue.insert('late', 1_000);
      const first = track(queue.next());
      await settle();
      queue.insert('early', 10);
      await advance(10);
      await settle();
      expect(first.value?.value).toBe('early');
      expect(start.elapsed()).toBe(10);
      const second = track(queue.next());
      await settle();
      queue.remove(late);
      await settle();
      expect(second.isResolved()).toBe(true);
      expect(second.value).toBeUndefined();
    });
  });

  it('an aborted next() removes nothing; the item comes out of the next call (cancel safe)', async () => {
    runtime = paused(false);
    await runtime.run(async () => {
      const queue = new DelayQueue<number>();
      queue.insert(1, 100);
      const controller = new AbortController();
      const aborted = track(queue.next({ signal: controller.signal }));
      await settle();
      controller.abort();
      await settle();
      expect(aborted.error).toBeInstanceOf(Cancelled);
      expect(queue.len).toBe(1);
      const task = spawn(() => queue.next());
      await settle();
      task.abort();
      await expect(task).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
      await advance(100);
      expect((await queue.next())?.value).toBe(1);
    });
  });

  it('works on the real clock, and reports deadlines', async () => {
    runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const queue = new DelayQueue<string>();
      const start = Instant.now();
      const key = queue.insert('x', 5);
      expect(queue.deadline(key)!.durationSince(start)).toBeGreaterThanOrEqual(5);
      expect(queue.peekDeadline()!.equals(queue.deadline(key)!)).toBe(true);
      const item = await queue.next();
      expect(item?.key).toBe(key);
      expect(start.elapsed()).toBeGreaterThanOrEqual(5);
      expect(queue.deadline(key)).toBeUndefined();
      await sleep(0);
    });
  });

  it('rejects bad input at once, and overlapping next() with ResourceBusy', async () => {
    runtime = paused();
    await runtime.run(async () => {
      const queue = new DelayQueue<number>();
      expect(() => queue.insert(1, -1)).toThrow(RangeError);
      expect(() => queue.insert(1, NaN)).toThrow(RangeError);
      expect(() => queue.insertAt(1, 5 as never)).toThrow(TypeError);
      expect(() => queue.reset(99, 1)).toThrow(RangeError);
      queue.insert(1, 10);
      const first = queue.next();
      await expect(queue.next()).rejects.toMatchObject({ code: 'ERR_RT_RESOURCE_BUSY' });
      await first;
      {
        using q = new DelayQueue<number>();
        q.insert(2, 10);
      }
    });
  });

  it('yields what a sorted model says after any inserts, removals and resets (fuzz)', async () => {
    runtime = paused();
    await runtime.run(async () => {
      type Op = { kind: 'insert'; ms: number } | { kind: 'remove' | 'reset'; pick: number; ms: number };
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.nat(50).map((ms) => ({ kind: 'insert' as const, ms })),
        fc.record({ kind: fc.constantFrom('remove' as const, 'reset' as const), pick: fc.nat(100), ms: fc.nat(50) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const start = Instant.now().valueOf();
          const queue = new DelayQueue<number>();
          // model: key -> [deadline, order of the last insert/reset]
          const model = new Map<number, [number, number]>();
          let order = 0;
          for (const o of ops) {
            if (o.kind === 'insert') {
              const key = queue.insert(order, o.ms);
              model.set(key, [start + o.ms, order++]);
            } else if (model.size > 0) {
              const key = [...model.keys()][o.pick % model.size]!;
              if (o.kind === 'remove') {
                queue.remove(key);
                model.delete(key);
              } else {
                queue.reset(key, o.ms);
                model.set(key, [start + o.ms, order++]);
              }
            }
          }
          const expected = [...model.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]).map(([key, [deadline]]) => [key, deadline]);
          const got: number[][] = [];
          for await (const item of queue) got.push([item.key, Instant.now().valueOf()]);
          expect(got).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    });
  });
});
