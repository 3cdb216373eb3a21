// The shared fd table behind SharedListener (internal): each fd has exactly one owner at a
// time, and whoever frees a slot is the only one that closes its fd.
import { closeSync, fstatSync, openSync } from 'node:fs';
import fc from 'fast-check';
import { ACTIVE, FdTable, HELD, PENDING, SLOTS, createFdTableMemory } from '../src/listener/fd-table.js';

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

const file = (): number => openSync(__filename, 'r');

describe('FdTable', () => {
  it('lets a worker take a pending hand-off once, and the supervisor reclaim only what is left', () => {
    const table = new FdTable(createFdTableMemory(2));
    const a = file();
    const b = file();
    const slotA = table.claim(a, 0, PENDING);
    const slotB = table.claim(b, 0, PENDING);
    expect(table.take(slotA)).toBe(true);
    expect(table.take(slotA)).toBe(false);
    expect(table.inUse()).toBe(2);
    // Worker 0 exits holding A and with B still in flight: both are closed, once.
    expect(table.reclaim(0)).toBe(2);
    expect(isOpen(a)).toBe(false);
    expect(isOpen(b)).toBe(false);
    expect(table.take(slotB)).toBe(false);
    expect(table.drop(slotB)).toBe(false);
    expect(table.inUse()).toBe(0);
  });

  it('never reclaims a slot its stream released (the fd number may belong to someone else by then)', () => {
    const table = new FdTable(createFdTableMemory(1));
    const fd = file();
    const slot = table.claim(fd, 0, HELD);
    table.release(slot);
    expect(table.reclaim(0)).toBe(0);
    expect(isOpen(fd)).toBe(true);
    const reused = table.claim(fd, 0, PENDING);
    expect(table.drop(reused)).toBe(true);
    expect(isOpen(fd)).toBe(false);
  });

  it('reassigns a bounced hand-off only while it is still exactly that one', () => {
    const table = new FdTable(createFdTableMemory(2));
    const fd = file();
    const slot = table.claim(fd, 0, PENDING);
    expect(table.reassign(slot, fd + 1, 0, 1)).toBe(false);
    expect(table.reassign(slot, fd, 1, 0)).toBe(false);
    expect(table.reassign(slot, fd, 0, 1)).toBe(true);
    expect(table.reclaim(0)).toBe(0);
    expect(table.reclaim(1)).toBe(1);
    expect(isOpen(fd)).toBe(false);
    expect(table.reassign(slot, fd, 1, 0)).toBe(false);
  });

  it('reports a full table and keeps per-worker counters', () => {
    const table = new FdTable(createFdTableMemory(2));
    for (let i = 0; i < SLOTS; i++) expect(table.claim(1_000_000 + i, 1, HELD)).toBeGreaterThanOrEqual(0);
    expect(table.claim(7, 1, HELD)).toBe(-1);
    for (let slot = 0; slot < SLOTS; slot++) table.release(slot);
    expect(table.inUse()).toBe(0);
    table.add(1, ACTIVE, 3);
    table.add(1, ACTIVE, -1);
    expect(table.counter(1, ACTIVE)).toBe(2);
    expect(table.counter(0, ACTIVE)).toBe(0);
    table.resetActive(1);
    expect(table.counter(1, ACTIVE)).toBe(0);
  });

  it('closes every fd exactly once whatever the order of take, release, drop and reclaim', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('handoff' as const), worker: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ kind: fc.constantFrom('take' as const, 'release' as const, 'drop' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('reclaim' as const), worker: fc.integer({ min: 0, max: 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const table = new FdTable(createFdTableMemory(2));
        // Model: each hand-off is pending (in flight), held (a stream owns it) or gone.
        const entries: { slot: number; fd: number; worker: number; state: 'pending' | 'held' | 'gone' }[] = [];
        for (const o of ops) {
          if (o.kind === 'handoff') {
            const fd = file();
            entries.push({ slot: table.claim(fd, o.worker, PENDING), fd, worker: o.worker, state: 'pending' });
            continue;
          }
          if (o.kind === 'reclaim') {
            const expected = entries.filter((e) => e.worker === o.worker && e.state !== 'gone');
            expect(table.reclaim(o.worker)).toBe(expected.length);
            for (const e of expected) {
              e.state = 'gone';
              expect(isOpen(e.fd)).toBe(false);
            }
            continue;
          }
          const live = entries.filter((e) => e.state !== 'gone');
          if (live.length === 0) continue;
          const e = live[o.pick % live.length]!;
          if (o.kind === 'take') {
            expect(table.take(e.slot)).toBe(e.state === 'pending');
            e.state = 'held';
            expect(isOpen(e.fd)).toBe(true);
          } else if (o.kind === 'drop') {
            expect(table.drop(e.slot)).toBe(e.state === 'pending');
            if (e.state === 'pending') {
              e.state = 'gone';
              expect(isOpen(e.fd)).toBe(false);
            }
          } else if (e.state === 'held') {
            table.release(e.slot);
            e.state = 'gone';
            // The stream closes its own fd after releasing the slot: it must still be open.
            expect(isOpen(e.fd)).toBe(true);
            closeSync(e.fd);
          }
        }
        // Clean up what the sequence left entered.
        expect(table.reclaim(0) + table.reclaim(1)).toBe(entries.filter((e) => e.state !== 'gone').length);
        expect(table.inUse()).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
