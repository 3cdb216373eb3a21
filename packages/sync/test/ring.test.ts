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
  });
});
