// The wheel is private machinery (src/internal/), so this test imports it by path: it is
// the one test that cannot go through the public package name.
import fc from 'fast-check';
import { MAX_DURATION, Wheel, WheelEntry, levelFor } from '../../src/internal/wheel.js';

class Named extends WheelEntry {
  constructor(readonly name: string) {
    super();
  }
}

/** Runs the wheel to empty, jumping from expiration to expiration; returns [name, tick] in firing order. */
function runToEmpty(wheel: Wheel<Named>): [string, number][] {
  const fired: [string, number][] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const next = wheel.nextExpiration();
    if (next === undefined) break;
    wheel.poll(next);
    for (let entry = wheel.popExpired(); entry !== null; entry = wheel.popExpired()) {
      fired.push([entry.name, wheel.elapsed]);
    }
  }
  return fired;
}

const boundaries = [64, 64 ** 2, 64 ** 3, 64 ** 4, 64 ** 5, 64 ** 6];

describe('Wheel', () => {
  it('places an entry at the lowest level that agrees with elapsed above it', () => {
    expect(levelFor(0, 1)).toBe(0);
    expect(levelFor(0, 63)).toBe(0);
    expect(levelFor(0, 64)).toBe(1);
    expect(levelFor(63, 64)).toBe(1);
    expect(levelFor(64, 127)).toBe(0);
    expect(levelFor(0, 4095)).toBe(1);
    expect(levelFor(0, 4096)).toBe(2);
    expect(levelFor(0, 64 ** 5 - 1)).toBe(4);
    expect(levelFor(0, 64 ** 5)).toBe(5);
    expect(levelFor(0, MAX_DURATION)).toBe(5);
    expect(levelFor(0, MAX_DURATION * 4)).toBe(5);
    expect(levelFor(2 ** 30 - 1, 2 ** 30)).toBe(5);
  });

  it.each(boundaries)('fires entries around the %i ms level boundary at their exact tick', (boundary) => {
    const wheel = new Wheel<Named>();
    const ticks = [boundary - 2, boundary - 1, boundary, boundary + 1, boundary + 63, boundary + 64];
    for (const tick of ticks) wheel.insert(new Named(String(tick)), tick);
    expect(wheel.size).toBe(ticks.length);
    const fired = runToEmpty(wheel);
    expect(fired).toEqual(ticks.map((tick) => [String(tick), tick]));
    expect(wheel.size).toBe(0);
  });

  it.each(boundaries)('fires at the %i ms boundary when inserted one tick before it', (boundary) => {
    const wheel = new Wheel<Named>(boundary - 1);
    wheel.insert(new Named('next'), boundary);
    wheel.insert(new Named('after'), boundary + 1);
    expect(runToEmpty(wheel)).toEqual([
      ['next', boundary],
      ['after', boundary + 1],
    ]);
  });

  it('does not fire an entry before its tick when polled tick by tick across 63/64', () => {
    const wheel = new Wheel<Named>();
    wheel.insert(new Named('a'), 63);
    wheel.insert(new Named('b'), 64);
    wheel.insert(new Named('c'), 65);
    const fired: string[] = [];
    for (let now = 1; now <= 70; now++) {
      wheel.poll(now);
      for (let entry = wheel.popExpired(); entry !== null; entry = wheel.popExpired()) fired.push(`${entry.name}@${now}`);
    }
    expect(fired).toEqual(['a@63', 'b@64', 'c@65']);
  });

  it('keeps insertion order among equal deadlines, also across cascades', () => {
    const wheel = new Wheel<Named>();
    wheel.insert(new Named('first'), 5000); // level 2 at elapsed 0
    wheel.poll(4095);
    wheel.insert(new Named('second'), 5000); // level 1 at elapsed 4095
    wheel.poll(4990);
    wheel.insert(new Named('third'), 5000); // level 0 at elapsed 4990
    wheel.insert(new Named('early'), 4999);
    expect(runToEmpty(wheel)).toEqual([
      ['early', 4999],
      ['first', 5000],
      ['second', 5000],
      ['third', 5000],
    ]);
  });

  it('moves every due entry to the pending list in deadline order on a big jump', () => {
    const wheel = new Wheel<Named>();
    const ticks = [7, 300_000, 64, 1, 4096, 4096, 63, 70_000_000];
    ticks.forEach((tick, index) => wheel.insert(new Named(`${index}`), tick));
    wheel.poll(100_000_000);
    const fired: string[] = [];
    for (let entry = wheel.popExpired(); entry !== null; entry = wheel.popExpired()) fired.push(entry.name);
    expect(fired).toEqual(['3', '0', '6', '2', '4', '5', '1', '7']);
    expect(wheel.nextExpiration()).toBeUndefined();
  });

  it('refuses an entry that is already due and links nothing', () => {
    const wheel = new Wheel<Named>(100);
    const entry = new Named('late');
    expect(wheel.insert(entry, 100)).toBe(false);
    expect(wheel.insert(entry, 3)).toBe(false);
    expect(entry.linked).toBe(false);
    expect(wheel.size).toBe(0);
  });

  it('rejects inserting an entry that is already linked', () => {
    const wheel = new Wheel<Named>();
    const entry = new Named('x');
    wheel.insert(entry, 10);
    expect(() => wheel.insert(entry, 20)).toThrow(/already linked/);
  });

  it('clamps deadlines past the top level and re-cascades them until due', () => {
    const wheel = new Wheel<Named>();
    const far = MAX_DURATION + 12_345;
    const farther = 2 ** 40 + 7;
    wheel.insert(new Named('far'), far);
    wheel.insert(new Named('farther'), farther);
    wheel.insert(new Named('top'), MAX_DURATION);
    expect(runToEmpty(wheel)).toEqual([
      ['top', MAX_DURATION],
      ['far', far],
      ['farther', farther],
    ]);
  });

  it('clamps from a non-zero elapsed too', () => {
    const start = 3 * 2 ** 30 + 17;
    const wheel = new Wheel<Named>(start);
    const when = start + MAX_DURATION + 1;
    wheel.insert(new Named('x'), when);
    expect(runToEmpty(wheel)).toEqual([['x', when]]);
  });

  it('removes entries from the head, middle and tail of a slot in O(1) and clears the slot', () => {
    const wheel = new Wheel<Named>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => new Named(name)) as [Named, Named, Named, Named];
    for (const entry of [a, b, c, d]) wheel.insert(entry, 10);
    wheel.remove(b);
    wheel.remove(a);
    wheel.remove(d);
    expect(wheel.size).toBe(1);
    expect(runToEmpty(wheel)).toEqual([['c', 10]]);
    wheel.insert(a, 20);
    wheel.remove(a);
    wheel.remove(a); // a second remove is a no-op
    expect(wheel.size).toBe(0);
    expect(wheel.nextExpiration()).toBeUndefined();
  });

  it('removes an expired entry that was not taken yet', () => {
    const wheel = new Wheel<Named>();
    const a = new Named('a');
    const b = new Named('b');
    wheel.insert(a, 5);
    wheel.insert(b, 5);
    wheel.poll(5);
    expect(wheel.hasExpired).toBe(true);
    wheel.remove(a);
    expect(wheel.popExpired()).toBe(b);
    expect(wheel.popExpired()).toBeNull();
    expect(wheel.size).toBe(0);
  });

  it('reports the next expiration, including a cascade point', () => {
    const wheel = new Wheel<Named>();
    expect(wheel.nextExpiration()).toBeUndefined();
    wheel.insert(new Named('x'), 100);
    expect(wheel.nextExpiration()).toBe(64); // the level-1 slot [64, 128) cascades at 64
    wheel.poll(64);
    expect(wheel.nextExpiration()).toBe(100);
  });

  it('hands expired entries to a callback, which may remove and insert entries', () => {
    const wheel = new Wheel<Named>();
    const a = new Named('a');
    const b = new Named('b');
    const c = new Named('c');
    const late = new Named('late');
    for (const entry of [a, b, c]) wheel.insert(entry, 100);
    const fired: string[] = [];
    wheel.poll(100, (entry) => {
      fired.push(entry.name);
      expect(entry.linked).toBe(false);
      if (entry === a) {
        wheel.remove(b); // a later entry of the slot being walked
        wheel.insert(late, 101);
      }
    });
    expect(fired).toEqual(['a', 'c']);
    expect(wheel.size).toBe(1);
    wheel.poll(101, (entry) => fired.push(entry.name));
    expect(fired).toEqual(['a', 'c', 'late']);
    expect(wheel.size).toBe(0);
  });

  it('re-cascades clamped entries that land in the slot being walked', () => {
    const wheel = new Wheel<Named>();
    const when = 2 * 2 ** 36 + 5; // two rotations of the top level away
    wheel.insert(new Named('far'), when);
    const fired: [string, number][] = [];
    for (let guard = 0; guard < 1_000; guard++) {
      const next = wheel.nextExpiration();
      if (next === undefined) break;
      wheel.poll(next, (entry) => fired.push([entry.name, wheel.elapsed]));
    }
    expect(fired).toEqual([['far', when]]);
  });

  it('drains every entry for shutdown', () => {
    const wheel = new Wheel<Named>();
    const entries = [1, 100, 10_000, 5].map((tick) => {
      const entry = new Named(String(tick));
      wheel.insert(entry, tick);
      return entry;
    });
    wheel.poll(1);
    expect(wheel.drain().map((entry) => entry.name).sort()).toEqual(['1', '100', '10000', '5']);
    expect(entries.every((entry) => !entry.linked)).toBe(true);
    expect(wheel.size).toBe(0);
    expect(wheel.nextExpiration()).toBeUndefined();
  });

  it('fires every entry exactly once, at the first poll at or after its tick, in stable deadline order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 37 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70_000_000 }), fc.integer({ min: 1, max: 2 ** 37 })), { minLength: 1, maxLength: 60 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 2 ** 36 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(59), { maxLength: 10 }),
        (start, offsets, steps, removals) => {
          const wheel = new Wheel<Named>(start);
          const entries = offsets.map((offset, index) => {
            const entry = new Named(String(index));
            expect(wheel.insert(entry, start + offset)).toBe(true);
            return entry;
          });
          const removed = new Set<number>();
          for (const index of removals) {
            const entry = entries[index];
            if (entry !== undefined) {
              wheel.remove(entry);
              removed.add(index);
            }
          }
          const fired: number[] = [];
          let now = start;
          let previous = start;
          const poll = (to: number): void => {
            wheel.poll(to);
            for (let entry = wheel.popExpired(); entry !== null; entry = wheel.popExpired()) {
              expect(entry.when).toBeLessThanOrEqual(to);
              expect(entry.when).toBeGreaterThan(previous);
              fired.push(Number(entry.name));
            }
            previous = to;
          };
          for (const step of steps) {
            now += step;
            poll(now);
          }
          poll(start + 2 ** 38);
          const expected = offsets
            .map((offset, index) => ({ offset, index }))
            .filter(({ index }) => !removed.has(index))
            .sort((x, y) => x.offset - y.offset || x.index - y.index)
            .map(({ index }) => index);
          expect(fired).toEqual(expected);
          expect(wheel.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
