import fc from 'fast-check';
import { LocalQueue } from '../src/jobs/local-queue.js';
import { Injector } from '../src/jobs/injector.js';

function queue(capacity: number): LocalQueue {
  return new LocalQueue(new Int32Array(new SharedArrayBuffer(LocalQueue.words(capacity) * 4)), capacity);
}

function injector(capacity = 1024): Injector {
  return new Injector(new Int32Array(new SharedArrayBuffer(Injector.words(capacity) * 4)), capacity);
}

function drain(q: LocalQueue): number[] {
  const out: number[] = [];
  for (let job = q.pop(); job >= 0; job = q.pop()) out.push(job);
  return out;
}

describe('LocalQueue', () => {
  it('pops what the owner pushed in FIFO order', () => {
    const q = queue(8);
    const inj = injector();
    for (let i = 0; i < 5; i++) expect(q.push(i, inj)).toBe(0);
    expect(q.length).toBe(5);
    expect(drain(q)).toEqual([0, 1, 2, 3, 4]);
    expect(q.isEmpty()).toBe(true);
    expect(q.pop()).toBe(-1);
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => queue(100)).toThrow(RangeError);
    expect(() => queue(1)).toThrow(/power of two/);
    expect(() => queue(65536)).toThrow(RangeError);
  });

  it('keeps FIFO order across the wrap-around of its 16-bit indices', () => {
    const q = queue(4);
    const inj = injector();
    let next = 0;
    let expected = 0;
    let outOfOrder = 0;
    for (let round = 0; round < 70_000; round++) {
      q.push(next++, inj);
      q.push(next++, inj);
      if (q.pop() !== expected++) outOfOrder++;
      if (q.pop() !== expected++) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
    expect(inj.length).toBe(0);
    expect(q.isEmpty()).toBe(true);
  });

  it('moves half of a full queue plus the new job to the injector', () => {
    const q = queue(8);
    const inj = injector();
    for (let i = 0; i < 8; i++) q.push(i, inj);
    expect(q.push(8, inj)).toBe(5);
    expect(inj.length).toBe(5);
    const moved: number[] = [];
    inj.popBatch(moved, 100);
    expect(moved).toEqual([0, 1, 2, 3, 8]);
    expect(drain(q)).toEqual([4, 5, 6, 7]);
  });

  it('lets a thief take half of the queue (rounded up) and run one of them', () => {
    const victim = queue(16);
    const thief = queue(16);
    const inj = injector();
    for (let i = 0; i < 7; i++) victim.push(i, inj);
    const stolen = { count: 0 };
    const first = victim.stealInto(thief, stolen);
    expect(stolen.count).toBe(4);
    expect(first).toBe(3);
    expect(drain(thief)).toEqual([0, 1, 2]);
    expect(drain(victim)).toEqual([4, 5, 6]);
  });

  it('steals nothing from an empty queue', () => {
    const stolen = { count: -1 };
    expect(queue(8).stealInto(queue(8), stolen)).toBe(-1);
    expect(stolen.count).toBe(0);
  });

  it('steals a single queued job', () => {
    const victim = queue(8);
    victim.push(42, injector());
    expect(victim.stealInto(queue(8))).toBe(42);
    expect(victim.isEmpty()).toBe(true);
  });

  it('refuses to steal into a queue that is more than half full', () => {
    const victim = queue(8);
    const thief = queue(8);
    const inj = injector();
    for (let i = 0; i < 4; i++) victim.push(i, inj);
    for (let i = 10; i < 15; i++) thief.push(i, inj);
    expect(victim.stealInto(thief)).toBe(-1);
    expect(victim.length).toBe(4);
  });

  it('hands every queued job to drainAll (a crashed owner)', () => {
    const q = queue(8);
    const inj = injector();
    for (let i = 0; i < 6; i++) q.push(i, inj);
    q.pop();
    const out: number[] = [];
    expect(q.drainAll(out)).toBe(5);
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(q.pop()).toBe(-1);
  });

  it('takes every job exactly once under random push/pop/steal/overflow interleavings', () => {
    const workers = 3;
    const command = fc.oneof(
      fc.record({ op: fc.constant('push' as const), w: fc.nat(workers - 1), n: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ op: fc.constant('pop' as const), w: fc.nat(workers - 1) }),
      fc.record({ op: fc.constant('steal' as const), w: fc.nat(workers - 1), v: fc.nat(workers - 1) }),
      fc.record({ op: fc.constant('inject' as const), w: fc.nat(workers - 1) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 300 }), fc.constantFrom(2, 4, 8, 16), (commands, capacity) => {
        const qs = Array.from({ length: workers }, () => queue(capacity));
        const inj = injector(4096);
        const taken = new Map<number, number>();
        let next = 0;
        const take = (job: number): void => {
          if (job >= 0) taken.set(job, (taken.get(job) ?? 0) + 1);
        };
        for (const c of commands) {
          if (c.op === 'push') for (let i = 0; i < c.n; i++) qs[c.w]!.push(next++, inj);
          else if (c.op === 'pop') take(qs[c.w]!.pop());
          else if (c.op === 'inject') take(inj.pop());
          else if (c.v !== c.w) take(qs[c.v]!.stealInto(qs[c.w]!));
          for (const q of qs) expect(q.length).toBeLessThanOrEqual(capacity);
        }
        for (const q of qs) for (let job = q.pop(); job >= 0; job = q.pop()) take(job);
        for (let job = inj.pop(); job >= 0; job = inj.pop()) take(job);
        expect(taken.size).toBe(next);
        for (const [, times] of taken) expect(times).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Injector', () => {
  it('is a FIFO shared by pushes and batches', () => {
    const inj = injector(4);
    inj.push(1);
    inj.pushBatch([2, 3], 2);
    expect(inj.length).toBe(3);
    expect(inj.pop()).toBe(1);
    inj.push(4);
    inj.push(5);
    const out: number[] = [];
    expect(inj.popBatch(out, 10)).toBe(4);
    expect(out).toEqual([2, 3, 4, 5]);
    expect(inj.pop()).toBe(-1);
  });

  it('refuses a push beyond its capacity', () => {
    const inj = injector(2);
    inj.pushBatch([1, 2], 2);
    expect(() => inj.push(3)).toThrow(RangeError);
    expect(() => inj.pushBatch([3], 1)).toThrow(RangeError);
    expect(inj.length).toBe(2);
  });
});
