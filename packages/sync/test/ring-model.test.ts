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

describe('Ring against an array model (fine-grained push/shift around the chunk boundaries)', () => {
  it('stays FIFO with the chunks of 16..4,096 and their reuse, and keeps its structure sound', () => {
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
          const model: number[] = [];
          let head = 0;
          let next = 0;
          for (const op of ops) {
            if ('push' in op) {
              for (let i = 0; i < op.push; i++) {
                ring.push(next);
                model.push(next++);
              }
            } else {
              for (let i = 0; i < op.shift && head < model.length; i++) {
                const got = ring.shift();
                if (got !== model[head]) expect(got).toBe(model[head]);
                head++;
              }
            }
            expect(ring.length).toBe(model.length - head);
            expect(fault(ring)).toBe('');
          }
          while (ring.length > 0) {
            const got = ring.shift();
            if (got !== model[head]) expect(got).toBe(model[head]);
            head++;
          }
          expect(head).toBe(model.length);
          expect(fault(ring)).toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('alternating push/shift at every backlog size up to 300 (each chunk boundary crossed both ways)', () => {
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
