import fc from 'fast-check';
import { Ring } from '../src/internal/ring.js';

type ChunkI = { values: unknown[]; size: number; read: number; write: number; next: ChunkI | undefined };
type Internals = { slots: unknown[]; mask: number; head: number; inRing: number; firstChunk: ChunkI | undefined; lastChunk: ChunkI | undefined; spares: (ChunkI | undefined)[] };

/** Why the ring's structure is unsound (counts, list ends, a chunk both listed and spare, a spare or a free slot holding a value), or '' when sound. */
function fault(ring: Ring<number>): string {
  const r = ring as unknown as Internals;
  if (r.inRing < 0 || r.inRing > r.mask + 1) return `inRing ${r.inRing}`;
  let chunked = 0;
  const listed = new Set<ChunkI>();
  let last: ChunkI | undefined;
  for (let c = r.firstChunk; c !== undefined; c = c.next) {
    if (listed.has(c)) return 'a chunk listed twice';
    listed.add(c);
    if (c.values.length !== c.size) return 'chunk size';
    if (!(c.read < c.write)) return `a listed chunk drained (read ${c.read}, write ${c.write})`;
    if (c.next !== undefined && c.write !== c.size) return 'a chunk before the newest not full';
    chunked += c.write - c.read;
    for (let i = 0; i < c.read; i++) if (c.values[i] !== undefined) return 'a read chunk slot kept';
    for (let i = c.write; i < c.size; i++) if (c.values[i] !== undefined) return 'a free chunk slot holds a value';
    last = c;
  }
  if (r.lastChunk !== last) return 'lastChunk is not the newest';
  if (r.inRing + chunked !== ring.length) return `length ${ring.length}, held ${r.inRing + chunked}`;
  for (let offset = r.inRing; offset <= r.mask; offset++) if (r.slots[(r.head + offset) & r.mask] !== undefined) return 'a free ring slot holds a value';
  for (let k = 0; k < r.spares.length; k++) {
    const s = r.spares[k];
    if (s === undefined) continue;
    if (listed.has(s)) return 'a spare chunk is still listed';
    if (s.size !== 16 << k || s.read !== 0 || s.write !== 0 || s.next !== undefined) return 'a spare not reset';
    for (let i = 0; i < s.size; i++) if (s.values[i] !== undefined) return 'a spare holds a value';
  }
  return '';
}

type Op = { push: number } | { shift: number };

/**
 * Runs `ops` on `ring` and on an array beside it (values 0, 1, 2, … pushed in order): every value
 * shifted, `length` and `shifts` checked against the array, `after` called after each op; then
 * drains the ring, checking the rest.
 */
function runAgainstArray(ring: Ring<number>, ops: readonly Op[], after: () => void = () => undefined): void {
  const model: number[] = [];
  let head = 0;
  let next = 0;
  let wrong = 0;
  for (const op of ops) {
    if ('push' in op) {
      for (let i = 0; i < op.push; i++) {
        ring.push(next);
        model.push(next++);
      }
    } else {
      for (let i = 0; i < op.shift && head < model.length; i++) if (ring.shift() !== model[head++]) wrong++;
    }
    expect(wrong).toBe(0);
    expect(ring.length).toBe(model.length - head);
    expect(ring.shifts).toBe(head);
    after();
  }
  while (ring.length > 0) if (ring.shift() !== model[head++]) wrong++;
  expect(wrong).toBe(0);
  expect(head).toBe(model.length);
}

describe('Ring (the queue under mpsc channels)', () => {
  it('is FIFO across the overflow chunks past 4,096 values, and counts its shifts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 6_000 }) }), fc.record({ shift: fc.integer({ min: 1, max: 6_000 }) })), { maxLength: 12 }),
        fc.integer({ min: 1, max: 2_000 }),
        (ops, initial) => {
          const ring = new Ring<number>(initial);
          runAgainstArray(ring, ops);
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

  it('against an array, pushes and shifts of a few values around every chunk size (16..4,096): FIFO, chunks reused, its structure sound after each step', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ push: fc.integer({ min: 1, max: 40 }) }),
            fc.record({ shift: fc.integer({ min: 1, max: 40 }) }),
            fc.record({ push: fc.constantFrom(15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 4095, 4096, 4097) }),
            fc.record({ shift: fc.constantFrom(15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 4095, 4096, 4097) }),
          ),
          { maxLength: 80 },
        ),
        fc.constantFrom(0, 1, 16, 17, 100, 1024, 1025, 5000),
        (ops, initial) => {
          const ring = new Ring<number>(initial);
          runAgainstArray(ring, ops, () => expect(fault(ring)).toBe(''));
          expect(fault(ring)).toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('one push and one shift in turn at every backlog size up to 300 (each chunk boundary crossed both ways)', () => {
    for (let backlog = 0; backlog <= 300; backlog++) {
      const ring = new Ring<number>(16);
      let next = 0;
      let expected = 0;
      for (let i = 0; i < backlog; i++) ring.push(next++);
      let wrong = 0;
      for (let i = 0; i < 600; i++) {
        ring.push(next++);
        if (ring.shift() !== expected++) wrong++;
      }
      expect(wrong).toBe(0);
      expect(fault(ring)).toBe('');
      while (ring.length > 0) if (ring.shift() !== expected++) wrong++;
      expect(wrong).toBe(0);
      expect(expected).toBe(next);
      expect(fault(ring)).toBe('');
    }
  });
});
