import fc from 'fast-check';
import { LocalQueue } from '../src/jobs/local-queue.js';
import { Injector } from '../src/jobs/injector.js';
import { JobArena, CANCELLED, JOB_ID, stateOf } from '../src/jobs/job-arena.js';

// A single-thread simulation of the jobs service's moving parts: spawns into local queues,
// the injector and pinned inboxes, pops, steals, aborts, runs and frees, in random order.
describe('jobs (simulation)', () => {
  it('runs every job at most once, never one that was aborted while queued, and frees every slot', () => {
    const workers = 3;
    const w = fc.nat(workers - 1);
    const command = fc.oneof(
      fc.record({ op: fc.constant('spawn' as const), w, n: fc.integer({ min: 1, max: 10 }), where: fc.constantFrom('local', 'injector', 'pinned') }),
      fc.record({ op: fc.constant('take' as const), w }),
      fc.record({ op: fc.constant('steal' as const), w, v: w }),
      fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('finish' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 250 }), (commands) => {
        const arena = new JobArena(JobArena.create(256, 256));
        const locals = Array.from({ length: workers }, () => new LocalQueue(new Int32Array(new SharedArrayBuffer(LocalQueue.words(8) * 4)), 8));
        const injector = new Injector(new Int32Array(new SharedArrayBuffer(Injector.words(256) * 4)), 256);
        const inboxes = Array.from({ length: workers }, () => new Injector(new Int32Array(new SharedArrayBuffer(Injector.words(256) * 4)), 256));
        const slotOf = new Map<number, number>();
        const ran = new Map<number, number>();
        const abortedQueued = new Set<number>();
        const running: number[] = []; // slots
        let nextId = 1;
        const run = (slot: number, worker: number): void => {
          if (slot < 0) return;
          if (arena.claim(slot, worker)) {
            const id = arena.field(slot, JOB_ID);
            ran.set(id, (ran.get(id) ?? 0) + 1);
            arena.takePayload(slot);
            running.push(slot);
          } else if (stateOf(arena.state(slot)) === CANCELLED) {
            arena.free(slot);
          } else {
            throw new Error(`slot ${slot} dequeued in an unexpected state`);
          }
        };
        for (const c of commands) {
          switch (c.op) {
            case 'spawn':
              for (let i = 0; i < c.n; i++) {
                const id = nextId++;
                const slot = arena.allocate(id, c.w, c.where === 'pinned' ? c.w : -1, Buffer.from([id & 255]));
                if (slot < 0) {
                  nextId--;
                  break;
                }
                slotOf.set(id, slot);
                if (c.where === 'local') locals[c.w]!.push(slot, injector);
                else if (c.where === 'injector') injector.push(slot);
                else inboxes[c.w]!.push(slot);
              }
              break;
            case 'take': {
              let slot = inboxes[c.w]!.pop();
              if (slot < 0) slot = locals[c.w]!.pop();
              if (slot < 0) slot = injector.pop();
              run(slot, c.w);
              break;
            }
            case 'steal':
              if (c.v !== c.w) run(locals[c.v]!.stealInto(locals[c.w]!), c.w);
              break;
            case 'abort': {
              if (nextId === 1) break;
              const id = 1 + (c.pick % (nextId - 1));
              const slot = slotOf.get(id)!;
              if (arena.cancel(slot, id) === 'cancelled') abortedQueued.add(id);
              break;
            }
            case 'finish':
              if (running.length > 0) arena.free(running.splice(c.pick % running.length, 1)[0]!);
              break;
          }
        }
        // Drain everything that is left, then finish what runs.
        for (let worker = 0; worker < workers; worker++) {
          for (let slot = inboxes[worker]!.pop(); slot >= 0; slot = inboxes[worker]!.pop()) run(slot, worker);
          for (let slot = locals[worker]!.pop(); slot >= 0; slot = locals[worker]!.pop()) run(slot, worker);
        }
        for (let slot = injector.pop(); slot >= 0; slot = injector.pop()) run(slot, 0);
        for (const slot of running) arena.free(slot);
        for (let id = 1; id < nextId; id++) {
          const times = ran.get(id) ?? 0;
          if (abortedQueued.has(id)) expect(times).toBe(0);
          else expect(times).toBe(1);
        }
        expect(arena.slotsInUse()).toBe(0);
        expect(arena.blocksInUse()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
