import { JobArena, CANCELLED, QUEUED, RUNNING, stateOf, runnerOf, MAX_BLOCKS_PER_JOB, BLOCK_SIZE } from '../src/jobs/job-arena.js';

function arena(slots = 64, blocks = 64): JobArena {
  return new JobArena(JobArena.create(slots, blocks));
}

describe('JobArena', () => {
  it('stores a payload that the runner reads back once, then frees its blocks', () => {
    const a = arena();
    const slot = a.allocate(7, -1, -1, Buffer.from('hello'));
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(stateOf(a.state(slot))).toBe(QUEUED);
    expect(a.claim(slot, 2)).toBe(true);
    expect(stateOf(a.state(slot))).toBe(RUNNING);
    expect(runnerOf(a.state(slot))).toBe(2);
    expect(a.takePayload(slot).toString()).toBe('hello');
    expect(a.blocksInUse()).toBe(0);
    a.free(slot);
    expect(a.slotsInUse()).toBe(0);
  });

  it('lets exactly one claimant run a job', () => {
    const a = arena();
    const slot = a.allocate(1, 0, -1, Buffer.alloc(10));
    expect(a.claim(slot, 0)).toBe(true);
    expect(a.claim(slot, 1)).toBe(false);
  });

  it('cancels a queued job so that no claimant runs it', () => {
    const a = arena();
    const slot = a.allocate(3, 0, -1, Buffer.alloc(10));
    expect(a.cancel(slot, 3)).toBe('cancelled');
    expect(a.claim(slot, 1)).toBe(false);
    expect(stateOf(a.state(slot))).toBe(CANCELLED);
    a.free(slot);
    expect(a.slotsInUse()).toBe(0);
    expect(a.blocksInUse()).toBe(0);
  });

  it('reports the runner of a running job to an abort, and nothing once it was freed', () => {
    const a = arena();
    const slot = a.allocate(5, 0, -1, Buffer.alloc(1));
    a.claim(slot, 3);
    expect(a.cancel(slot, 5)).toBe(3);
    a.free(slot);
    expect(a.cancel(slot, 5)).toBe(-1);
    // The slot is reused by another job: an old abort does not touch it.
    const again = a.allocate(6, 0, -1, Buffer.alloc(1));
    expect(again).toBe(slot);
    expect(a.cancel(slot, 5)).toBe(-1);
    expect(stateOf(a.state(slot))).toBe(QUEUED);
  });

  it('fails when the slots or the payload blocks run out, and refuses oversized payloads', () => {
    const a = arena(32, 64);
    for (let i = 0; i < 32; i++) expect(a.allocate(i + 1, 0, -1, Buffer.alloc(1))).toBeGreaterThanOrEqual(0);
    expect(a.allocate(99, 0, -1, Buffer.alloc(1))).toBe(-1);
    const b = arena(64, 32);
    expect(b.allocate(1, 0, -1, Buffer.alloc(BLOCK_SIZE * 20))).toBeGreaterThanOrEqual(0);
    expect(b.allocate(2, 0, -1, Buffer.alloc(BLOCK_SIZE * 20))).toBe(-2);
    expect(b.slotsInUse()).toBe(1);
    expect(() => b.allocate(3, 0, -1, Buffer.alloc(BLOCK_SIZE * MAX_BLOCKS_PER_JOB + 1))).toThrow(RangeError);
  });

  it('packs payload runs of different sizes without overlap', () => {
    const a = arena(64, 128);
    const slots = [1, 5, 17, 2, 32].map((kb, i) => a.allocate(i + 1, 0, -1, Buffer.alloc(kb * BLOCK_SIZE, i + 1)));
    expect(slots.every((s) => s >= 0)).toBe(true);
    slots.forEach((slot, i) => {
      const payload = a.takePayload(slot);
      expect(payload.every((byte) => byte === i + 1)).toBe(true);
    });
    expect(a.blocksInUse()).toBe(0);
  });
});
