import fc from 'fast-check';
import { Ring } from '../src/internal/ring.js';

describe('Ring (the queue under mpsc channels)', () => {
  it('is FIFO across the overflow chunks past 4,096 values, and counts its shifts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 6_000 }) }), fc.record({ shift: fc.integer({ min: 1, max: 6_000 }) })), { maxLength: 12 }),
        fc.integer({ min: 1, max: 2_000 }),
        (ops, initial) => {
          const ring = new Ring<number>(initial);
          const model: number[] = [];
          let head = 0;
          let next = 0;
          let shifted = 0;
          for (const op of ops) {
            if ('push' in op) {
              for (let i = 0; i < op.push; i++) {
                ring.push(next);
                model.push(next++);
              }
            } else {
              const got: number[] = [];
              const want: number[] = [];
              for (let i = 0; i < op.shift && head < model.length; i++) {
                got.push(ring.shift());
                want.push(model[head++]!);
                shifted++;
              }
              expect(got).toEqual(want);
            }
            expect(ring.length).toBe(model.length - head);
            expect(ring.shifts).toBe(shifted);
          }
          const rest: number[] = [];
          while (ring.length > 0) rest.push(ring.shift());
          expect(rest).toEqual(model.slice(head));
          expect(ring.length).toBe(0);
          ring.push(-1);
          expect(ring.shift()).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps no value alive once it was taken, in the ring or in a chunk', () => {
    const ring = new Ring<object>(16);
    const values = Array.from({ length: 10_000 }, () => ({}));
    for (const v of values) ring.push(v);
    for (let i = 0; i < values.length; i++) ring.shift();
    const slots = (ring as unknown as { slots: unknown[] }).slots;
    expect(slots.every((s) => s === undefined)).toBe(true);
    expect((ring as unknown as { firstChunk: unknown }).firstChunk).toBeUndefined();
    // The drained chunks kept for reuse hold nothing either (and there are some: 10,000 values ran through chunks).
    const spares = (ring as unknown as { spares: ({ values: unknown[] } | undefined)[] }).spares;
    expect(spares.some((spare) => spare !== undefined)).toBe(true);
    expect(spares.every((spare) => spare === undefined || spare.values.every((s) => s === undefined))).toBe(true);
  });

  it('reuses drained chunks: a backlog that stays past the ring allocates no new chunk per 4,096 values', () => {
    const ring = new Ring<number>(16);
    const internals = ring as unknown as { lastChunk: object | undefined };
    // A backlog of 4,096 (the ring) + 10,000 (chunked), then 100,000 values through it.
    let next = 0;
    let expected = 0;
    for (; next < 4096 + 10_000; next++) ring.push(next);
    const chunks = new Set<object>();
    let outOfOrder = 0;
    for (let i = 0; i < 100_000; i++) {
      ring.push(next++);
      if (ring.shift() !== expected++) outOfOrder++;
      if (internals.lastChunk !== undefined) chunks.add(internals.lastChunk);
    }
    expect(outOfOrder).toBe(0);
    expect(ring.length).toBe(4096 + 10_000);
    // Once the ring has drained, all 14,096 values wait in chunks: they span at most five at
    // once (a partly read one, three full, a filling one), plus the spare: six chunks, reused
    // (without reuse, a new chunk per 4,096 values: 25 here).
    expect(chunks.size).toBeLessThanOrEqual(6);
    while (ring.length > 0) expect(ring.shift()).toBe(expected++);
  });

  it('starts its chunks small: a backlog of a few dozen values holds no 4,096-slot chunk, and one built and drained again allocates no new chunk', () => {
    type Internals = { slots: unknown[]; firstChunk: { values: unknown[]; next: unknown } | undefined; lastChunk: object | undefined };
    const ring = new Ring<number>(16);
    const internals = ring as unknown as Internals;
    // 16 in the ring, then chunks of 16, 32, 64: every path of push and shift runs in the first ~130 values.
    for (let i = 0; i < 60; i++) ring.push(i);
    expect(internals.slots.length).toBe(16);
    const sizes: number[] = [];
    for (let c = internals.firstChunk; c !== undefined; c = c.next as typeof c) sizes.push(c.values.length);
    expect(sizes).toEqual([16, 32]);
    for (let i = 0; i < 60; i++) expect(ring.shift()).toBe(i);
    expect(internals.firstChunk).toBeUndefined();
    // A backlog of 5,000 built and drained five times: the chunks of the first time are reused.
    const seen = new Set<object>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5000; i++) {
        ring.push(next++);
        if (internals.lastChunk !== undefined) seen.add(internals.lastChunk);
      }
      while (ring.length > 0) expect(ring.shift()).toBe(expected++);
    }
    // 16 + 32 + … + 2,048 + 4,096 + 4,096 (sizes 16 to 4,096, one of each, and a second of 4,096 at most).
    expect(seen.size).toBeLessThanOrEqual(10);
  });
});
