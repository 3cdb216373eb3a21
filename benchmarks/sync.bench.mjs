// @rt/sync against named baselines, each case in its own child process (a fresh V8 heap,
// and no AsyncLocalStorage promise hooks leaking from one case into the next), all in one
// run, printed as tables with two ratios: wall-clock throughput, and CPU time per operation
// (the steadier one on a shared machine). A ratio above 1 means rt is faster.
//
//   `npx turbo run build` && node --expose-gc benchmarks/sync.bench.mjs
//   node benchmarks/sync.bench.mjs --quick          (or SYNC_BENCH_QUICK=1): ~1/10 of the work
//   node benchmarks/sync.bench.mjs --only=mpsc      (mpsc | locks | fanout)
//
// Sections:
// - mpsc: one producer and one consumer through a bounded channel of 1024, 10,000,000
//   messages; also recvMany batches; unbounded, and 4 producers, bounded and unbounded
//   (2,000,000 messages). Baselines: a plain array + promise queue with the same
//   backpressure (baselines/promise-queue.mjs),
//   fastq (the most downloaded npm async queue) and p-queue, used as bounded queues; Effect's
//   Queue.bounded between two fibers (the JavaScript peer). And the floor of the unbounded rows
//   under the cooperative budget (the plain queue with a setImmediate turn every 128 receives,
//   as rt's budget forces on the consumer): rt's unbounded rows print their ratio to the plain
//   queue and to the floor, the floor its own to the plain queue, and a table of the backlog and
//   forced turns each reached (the floor must match rt's to do the same work).
// - locks: Mutex and Semaphore, uncontended and with 100 contending tasks, vs async-mutex;
//   uncontended also vs a hand-written promise semaphore (baselines/promise-semaphore.mjs)
//   and Semaphore(10) vs Effect's Semaphore; and the floor of the uncontended rows under the
//   cooperative budget (the hand-written semaphore with a setImmediate turn every 128 acquires;
//   and the same resolving each acquire with a fresh permit object, as rt's interface must).
// - fanout: broadcast to 100 receivers, watch with 100 receivers, Notify ping-pong, vs the
//   same patterns written by hand with arrays and promises.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Handle, spawn, unconstrained } from '@rt/scheduler';
import { Mutex, Notify, RwLock, Semaphore, broadcast, mpsc, watch } from '@rt/sync';
import { Mutex as AmMutex, Semaphore as AmSemaphore } from 'async-mutex';
import fastq from 'fastq';
import PQueue from 'p-queue';
import { Effect, Fiber, Queue, Semaphore as EffectSemaphore } from 'effect';
import { ArrayChannel, BudgetedUnboundedChannel } from './baselines/promise-queue.mjs';
import { PermitSemaphore, PromiseSemaphore } from './baselines/promise-semaphore.mjs';

const quick = process.env.SYNC_BENCH_QUICK === '1' || process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
// SYNC_BENCH_N=n sets every case's count to n (benchmarks/sync-callgrind.bench.mjs and
// locks-callgrind.mjs count one run of n under callgrind, SYNC_BENCH_WINDOW below); otherwise the
// counts below, scaled by --quick.
const fixedN = Number(process.env.SYNC_BENCH_N ?? 0);
const size = (n) => (fixedN > 0 ? fixedN : n * scale);
const CAP = 1024;
const tick = () => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------- hand-written baselines


// ---------------------------------------------------------------- cases
// Each returns a checksum the parent verifies, and the number of operations it timed.

const sumTo = (n) => (n * (n - 1)) / 2;

async function mpscPair(n, consume) {
  const [tx, rx] = mpsc.channel(CAP);
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) await tx.send(i);
    tx.close();
  });
  const consumer = spawn(() => consume(rx));
  await producer;
  return consumer;
}
/** As mpscPair, each task opting out of the cooperative budget (`unconstrained`). */
async function mpscPairUnconstrained(n) {
  const [tx, rx] = mpsc.channel(CAP);
  const producer = spawn(() =>
    unconstrained(async () => {
      for (let i = 0; i < n; i++) await tx.send(i);
      tx.close();
    }),
  );
  const consumer = spawn(() => unconstrained(() => recvLoop(rx)));
  await producer;
  return consumer;
}
const recvLoop = async (rx) => {
  let sum = 0;
  let v;
  while ((v = await rx.recv()) !== undefined) sum += v;
  return sum;
};
const recvManyLoop = async (rx) => {
  let sum = 0;
  const buffer = [];
  let got;
  while ((got = await rx.recvMany(buffer, CAP)) > 0) {
    for (let i = 0; i < got; i++) sum += buffer[i];
    buffer.length = 0;
  }
  return sum;
};
async function arrayPairTasks(n) {
  const ch = new ArrayChannel(CAP);
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) await ch.send(i);
    ch.close();
  });
  const consumer = spawn(async () => {
    let sum = 0;
    let v;
    while ((v = await ch.recv()) !== undefined) sum += v;
    return sum;
  });
  await producer;
  return consumer;
}
async function rtPairPlain(n) {
  const [tx, rx] = mpsc.channel(CAP);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await tx.send(i);
    tx.close();
  })();
  const sum = await recvLoop(rx);
  await producer;
  return sum;
}
async function arrayPair(n) {
  const ch = new ArrayChannel(CAP);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await ch.send(i);
    ch.close();
  })();
  let sum = 0;
  let v;
  while ((v = await ch.recv()) !== undefined) sum += v;
  await producer;
  return sum;
}

/**
 * What the unbounded rows did besides their messages, reported beside the table (not timed): the
 * most values queued when a producer yields its turn (the backlog the consumer's budget leaves),
 * and the consumer's forced turns. The floor rows must match rt's in both to do the same work.
 */
const probe = { backlog: 0, turns: () => 0 };
/** rt's forced yields (the cooperative budget's turns) so far, on the default runtime. */
const rtForcedYields = () => Handle.current().metrics().forcedYields;

/**
 * The unbounded rows' channels, as `[send, recv, close, length]` for unboundedPair / fourProducers
 * (`length`: values queued now, read once per producer turn for `probe.backlog`). rt (the rows with
 * and without the consumer's budget):
 */
function rtUnboundedSides() {
  const [tx, rx] = mpsc.unboundedChannel();
  probe.turns = rtForcedYields;
  return [(v) => tx.send(v), () => rx.recv(), () => tx.close(), () => rx.len];
}
/** The plain hand-written queue (the rows' baseline): no budget, so no forced turn. */
function plainUnboundedSides() {
  const ch = new ArrayChannel();
  return [(v) => ch.push(v), () => ch.recv(), () => ch.close(), () => ch.items.length];
}
/**
 * The floor of the unbounded rows under the cooperative budget (not a target row): the plain
 * queue with the turns rt's budget forces on its consumer and nothing else of rt, in the same two
 * rt tasks: after 128 receives that found a value ready the next one waits for a `setImmediate`
 * (one promise and one immediate per turn, as rt's forced yield), `coop.test.ts` requires that
 * turn. The backlog it leaves (~1,750,000 values SPSC) is kept in arrays of 4,096 read at an index
 * (`BudgetedUnboundedChannel`): the plain queue's one array would copy itself on every `shift()`
 * at that size (an array in large-object space cannot move its start).
 */
function floorUnboundedSides() {
  const ch = new BudgetedUnboundedChannel();
  probe.turns = () => ch.turns;
  return [(v) => ch.push(v), () => ch.recv(), () => ch.close(), () => ch.length];
}

/**
 * Unbounded: the producer sends `n` values with a turn every 1024 (so memory stays bounded when
 * the consumer keeps up), the consumer sums them (`unconstrained`: with no cooperative budget).
 */
async function unboundedPair(n, makeChannel, consumerUnconstrained = false) {
  const [send, recv, close, length] = makeChannel();
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) {
      send(i);
      if ((i & 1023) === 1023) {
        if (length() > probe.backlog) probe.backlog = length();
        await tick();
      }
    }
    close();
  });
  const consume = async () => {
    let sum = 0;
    let v;
    while ((v = await recv()) !== undefined) sum += v;
    return sum;
  };
  const consumer = spawn(consumerUnconstrained ? () => unconstrained(consume) : consume);
  await producer;
  return consumer;
}
/**
 * Four producer tasks share the channel (values split by index), one consumer task sums them.
 * Each producer awaits every send; or, with `turnEvery`, sends at once (unbounded) and yields a
 * turn every `turnEvery` of its sends (as unboundedPair). `consumerUnconstrained`: as unboundedPair.
 */
async function fourProducers(n, send, recv, close, turnEvery = 0, consumerUnconstrained = false, length = () => 0) {
  const producers = [];
  for (let p = 0; p < 4; p++) {
    producers.push(
      spawn(async () => {
        if (turnEvery === 0) {
          for (let i = p; i < n; i += 4) await send(i);
          return;
        }
        let k = 0;
        for (let i = p; i < n; i += 4) {
          send(i);
          if (++k % turnEvery === 0) {
            if (length() > probe.backlog) probe.backlog = length();
            await tick();
          }
        }
      }),
    );
  }
  const consume = async () => {
    let sum = 0;
    let v;
    while ((v = await recv()) !== undefined) sum += v;
    return sum;
  };
  const consumer = spawn(consumerUnconstrained ? () => unconstrained(consume) : consume);
  for (const producer of producers) await producer;
  close();
  return consumer;
}

/** fourProducers on an unbounded channel from `makeChannel` (see rtUnboundedSides), each producer yielding a turn every 1,024 sends. */
function fourUnbounded(makeChannel, consumerUnconstrained = false) {
  const [send, recv, close, length] = makeChannel();
  return fourProducers(MPSC_SIDE_N, send, recv, close, 1024, consumerUnconstrained, length);
}

const MPSC_N = size(10_000_000);
const MPSC_SIDE_N = size(2_000_000); // the variants beside the headline case
const NPM_N = 300_000 * scale;
const PQ_N = 20_000 * scale;

const LOCK_N = size(1_000_000);
const TASKS = 100;
const PER_TASK = 5_000 * scale;

/** `tasks` rt tasks (for rt and the baseline alike) each running `body` `perTask` times. */
async function contend(tasks, perTask, body) {
  let sum = 0;
  const all = [];
  for (let t = 0; t < tasks; t++) {
    all.push(
      spawn(async () => {
        for (let i = 0; i < perTask; i++) {
          const one = await body();
          sum += one;
        }
      }),
    );
  }
  for (const task of all) await task;
  return sum;
}

/** The uncontended acquire + release loop on rt's Semaphore. */
async function rtSemaphoreLoop(permits) {
  const s = new Semaphore(permits);
  let n = 0;
  for (let i = 0; i < LOCK_N; i++) {
    const p = await s.acquire();
    n++;
    p.release();
  }
  return n;
}

/** The uncontended acquire + release loop on the hand-written promise semaphore. */
async function plainSemaphoreLoop(permits) {
  const s = new PromiseSemaphore(permits);
  let n = 0;
  for (let i = 0; i < LOCK_N; i++) {
    await s.acquire();
    n++;
    s.release();
  }
  return n;
}

/**
 * The floor of the uncontended lock rows under the cooperative budget: the same loop on the
 * hand-written semaphore with one event-loop turn (`setImmediate`) every 128 acquires, as rt's
 * budget forces (`coop.test.ts` requires it), and no other rt work. Not a target row.
 */
async function plainSemaphoreLoopWithTurns(permits) {
  const s = new PromiseSemaphore(permits);
  let n = 0;
  for (let i = 0; i < LOCK_N; i++) {
    if ((i & 127) === 127) await tick();
    await s.acquire();
    n++;
    s.release();
  }
  return n;
}

/**
 * The floor of the uncontended lock rows with rt's interface: as plainSemaphoreLoopWithTurns, each
 * acquire resolving with a fresh permit object released through it (PermitSemaphore), as rt's
 * `Semaphore.acquire()` must. Not a target row.
 */
async function permitSemaphoreLoopWithTurns(permits) {
  const s = new PermitSemaphore(permits);
  let n = 0;
  for (let i = 0; i < LOCK_N; i++) {
    if ((i & 127) === 127) await tick();
    const p = await s.acquirePermit();
    n++;
    p.release();
  }
  return n;
}

const RECEIVERS = 100;
const BCAST_N = size(30_000);
const WATCH_N = size(10_000);
const PING_N = size(300_000);

const cases = {
  // mpsc
  'mpsc/rt send+recv': { vs: ["baseline array+promise queue, same two rt tasks", "baseline fastq (concurrency 1)", "baseline p-queue (concurrency 1)", "baseline Effect Queue.bounded, two fibers"], section: 'mpsc', ops: MPSC_N, expect: sumTo(MPSC_N), run: () => mpscPair(MPSC_N, recvLoop) },
  'mpsc/rt send+recvMany(1024)': { vs: ["baseline array+promise queue, same two rt tasks", "baseline fastq (concurrency 1)"], section: 'mpsc', ops: MPSC_N, expect: sumTo(MPSC_N), run: () => mpscPair(MPSC_N, recvManyLoop) },
  'mpsc/rt send+recv, unconstrained budget': {
    vs: ["baseline array+promise queue, same two rt tasks"], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), run: () => mpscPairUnconstrained(MPSC_SIDE_N),
  },
  'mpsc/baseline array+promise queue, same two rt tasks': {
    section: 'mpsc', ops: MPSC_N, expect: sumTo(MPSC_N), baseline: 'hand', run: () => arrayPairTasks(MPSC_N),
  },
  'mpsc/rt send+recv, plain async functions (no task)': {
    vs: ["baseline array+promise queue, plain async functions"], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), run: () => rtPairPlain(MPSC_SIDE_N),
  },
  'mpsc/baseline array+promise queue, plain async functions': {
    section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), baseline: 'hand', run: () => arrayPair(MPSC_SIDE_N),
  },
  'mpsc/rt unbounded send+recv': {
    vs: ['baseline unbounded array+promise queue, same two rt tasks', 'floor: unbounded array+promise queue, a setImmediate turn every 128 receives'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => unboundedPair(MPSC_SIDE_N, rtUnboundedSides),
  },
  // The row's floor under the cooperative budget (floorUnboundedSides): the plain queue with the
  // consumer turns rt's budget forces. Its ratio to the plain queue is the most any consumer that
  // yields as coop.test.ts requires can read against the target; rt's row prints its ratio to it too.
  'mpsc/floor: unbounded array+promise queue, a setImmediate turn every 128 receives': {
    vs: ['baseline unbounded array+promise queue, same two rt tasks'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => unboundedPair(MPSC_SIDE_N, floorUnboundedSides),
  },
  // What the unbounded rows' budget costs: the same row with the consumer task `unconstrained` (no
  // forced yields: it drains the producer's 1,024 values per turn at once, as the hand-written
  // queue does, where with the budget it takes 128 per turn and a backlog of ~1,750,000 builds).
  // Not a target row: the budget stays (coop.test.ts); this shows rt's own cost beside it.
  'mpsc/rt unbounded send+recv, consumer unconstrained': {
    vs: ['baseline unbounded array+promise queue, same two rt tasks'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => unboundedPair(MPSC_SIDE_N, rtUnboundedSides, true),
  },
  'mpsc/baseline unbounded array+promise queue, same two rt tasks': {
    section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), baseline: 'hand',
    run: () => unboundedPair(MPSC_SIDE_N, plainUnboundedSides),
  },
  'mpsc/rt 4 producers, capacity 1024': {
    vs: ['baseline array+promise queue, 4 producers'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => {
      const [tx, rx] = mpsc.channel(CAP);
      return fourProducers(MPSC_SIDE_N, (v) => tx.send(v), () => rx.recv(), () => tx.close());
    },
  },
  'mpsc/baseline array+promise queue, 4 producers': {
    section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), baseline: 'hand',
    run: () => {
      const ch = new ArrayChannel(CAP);
      return fourProducers(MPSC_SIDE_N, (v) => ch.send(v), () => ch.recv(), () => ch.close());
    },
  },
  'mpsc/rt unbounded, 4 producers': {
    vs: ['baseline unbounded array+promise queue, 4 producers', 'floor: unbounded, 4 producers, a setImmediate turn every 128 receives'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => fourUnbounded(rtUnboundedSides),
  },
  // The 4-producer row's floor under the budget, as the SPSC one above.
  'mpsc/floor: unbounded, 4 producers, a setImmediate turn every 128 receives': {
    vs: ['baseline unbounded array+promise queue, 4 producers'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => fourUnbounded(floorUnboundedSides),
  },
  'mpsc/rt unbounded, 4 producers, consumer unconstrained': {
    vs: ['baseline unbounded array+promise queue, 4 producers'], section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N),
    run: () => fourUnbounded(rtUnboundedSides, true),
  },
  'mpsc/baseline unbounded array+promise queue, 4 producers': {
    section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), baseline: 'hand',
    run: () => fourUnbounded(plainUnboundedSides),
  },
  'mpsc/baseline fastq (concurrency 1)': {
    section: 'mpsc', ops: NPM_N, expect: sumTo(NPM_N), baseline: 'npm',
    run: async () => {
      let sum = 0;
      const q = fastq.promise(async (v) => {
        sum += v;
      }, 1);
      for (let i = 0; i < NPM_N; i++) {
        q.push(i);
        if (q.length() >= CAP) await q.drained();
      }
      await q.drained();
      return sum;
    },
  },
  'mpsc/baseline Effect Queue.bounded, two fibers': {
    // Effect (a named JavaScript peer): a producer fiber offers, the main fiber takes.
    section: 'mpsc', ops: MPSC_SIDE_N, expect: sumTo(MPSC_SIDE_N), baseline: 'npm',
    run: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const q = yield* Queue.bounded(CAP);
          const producer = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < MPSC_SIDE_N; i++) yield* Queue.offer(q, i);
            }),
          );
          let sum = 0;
          for (let i = 0; i < MPSC_SIDE_N; i++) sum += yield* Queue.take(q);
          yield* Fiber.join(producer);
          return sum;
        }),
      ),
  },
  'mpsc/baseline p-queue (concurrency 1)': {
    section: 'mpsc', ops: PQ_N, expect: sumTo(PQ_N), baseline: 'npm',
    run: async () => {
      let sum = 0;
      const q = new PQueue({ concurrency: 1 });
      for (let i = 0; i < PQ_N; i++) {
        q.add(async () => {
          sum += i;
        });
        if (q.size >= CAP) await q.onSizeLessThan(CAP);
      }
      await q.onIdle();
      return sum;
    },
  },

  // locks
  'locks/rt Mutex uncontended': {
    vs: ["async-mutex Mutex uncontended", "plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: async () => {
      const m = new Mutex(0);
      for (let i = 0; i < LOCK_N; i++) {
        const g = await m.lock();
        g.value++;
        g.release();
      }
      return (await m.lock()).value;
    },
  },
  'locks/rt RwLock write uncontended': {
    vs: ["plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: async () => {
      const lock = new RwLock(0);
      for (let i = 0; i < LOCK_N; i++) {
        const g = await lock.write();
        g.value++;
        g.release();
      }
      return (await lock.read()).value;
    },
  },
  'locks/rt RwLock read uncontended': {
    vs: ["plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: async () => {
      const lock = new RwLock(1);
      let sum = 0;
      for (let i = 0; i < LOCK_N; i++) {
        const g = await lock.read();
        sum += g.value;
        g.release();
      }
      return sum;
    },
  },
  'locks/async-mutex Mutex uncontended': {
    section: 'locks', ops: LOCK_N, expect: LOCK_N, baseline: 'npm',
    run: async () => {
      const m = new AmMutex();
      let value = 0;
      for (let i = 0; i < LOCK_N; i++) {
        const release = await m.acquire();
        value++;
        release();
      }
      return value;
    },
  },
  'locks/rt Mutex 100 tasks': {
    vs: ["async-mutex Mutex 100 tasks"], section: 'locks', ops: TASKS * PER_TASK, expect: TASKS * PER_TASK,
    run: () => {
      const m = new Mutex(0);
      return contend(TASKS, PER_TASK, async () => {
        const g = await m.lock();
        await null;
        g.release();
        return 1;
      });
    },
  },
  'locks/async-mutex Mutex 100 tasks': {
    section: 'locks', ops: TASKS * PER_TASK, expect: TASKS * PER_TASK, baseline: 'npm',
    run: () => {
      const m = new AmMutex();
      return contend(TASKS, PER_TASK, async () => {
        const release = await m.acquire();
        await null;
        release();
        return 1;
      });
    },
  },
  'locks/rt Semaphore(10) uncontended': {
    vs: ["async-mutex Semaphore(10) uncontended", "Effect Semaphore(10) uncontended", "plain promise semaphore(10) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: () => rtSemaphoreLoop(10),
  },
  'locks/rt Semaphore(1) uncontended': {
    vs: ["plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: () => rtSemaphoreLoop(1),
  },
  'locks/floor: plain promise semaphore(1), a setImmediate turn every 128 acquires': {
    vs: ["plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: () => plainSemaphoreLoopWithTurns(1),
  },
  'locks/floor: promise semaphore(1) resolving a fresh permit, a setImmediate turn every 128 acquires': {
    vs: ["plain promise semaphore(1) uncontended"], section: 'locks', ops: LOCK_N, expect: LOCK_N,
    run: () => permitSemaphoreLoopWithTurns(1),
  },
  'locks/plain promise semaphore(1) uncontended': {
    section: 'locks', ops: LOCK_N, expect: LOCK_N, baseline: 'hand',
    run: () => plainSemaphoreLoop(1),
  },
  'locks/plain promise semaphore(10) uncontended': {
    section: 'locks', ops: LOCK_N, expect: LOCK_N, baseline: 'hand',
    run: () => plainSemaphoreLoop(10),
  },
  'locks/Effect Semaphore(10) uncontended': {
    // Effect (a named JavaScript peer): take 1 permit, count, release it, in one fiber.
    section: 'locks', ops: LOCK_N, expect: LOCK_N, baseline: 'npm',
    run: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const s = yield* EffectSemaphore.make(10);
          let n = 0;
          for (let i = 0; i < LOCK_N; i++) {
            yield* EffectSemaphore.take(s, 1);
            n++;
            yield* EffectSemaphore.release(s, 1);
          }
          return n;
        }),
      ),
  },
  'locks/async-mutex Semaphore(10) uncontended': {
    section: 'locks', ops: LOCK_N, expect: LOCK_N, baseline: 'npm',
    run: async () => {
      const s = new AmSemaphore(10);
      let n = 0;
      for (let i = 0; i < LOCK_N; i++) {
        const [, release] = await s.acquire();
        n++;
        release();
      }
      return n;
    },
  },
  'locks/rt Semaphore(10) 100 tasks': {
    vs: ["async-mutex Semaphore(10) 100 tasks"], section: 'locks', ops: TASKS * PER_TASK, expect: TASKS * PER_TASK,
    run: () => {
      const s = new Semaphore(10);
      return contend(TASKS, PER_TASK, async () => {
        const p = await s.acquire();
        await null;
        p.release();
        return 1;
      });
    },
  },
  'locks/async-mutex Semaphore(10) 100 tasks': {
    section: 'locks', ops: TASKS * PER_TASK, expect: TASKS * PER_TASK, baseline: 'npm',
    run: () => {
      const s = new AmSemaphore(10);
      return contend(TASKS, PER_TASK, async () => {
        const [, release] = await s.acquire();
        await null;
        release();
        return 1;
      });
    },
  },

  // fanout
  'fanout/rt broadcast 1→100': {
    vs: ["baseline 100 array+promise queues in rt tasks"], section: 'fanout', ops: BCAST_N * RECEIVERS, expect: sumTo(BCAST_N) * RECEIVERS,
    run: async () => {
      const [tx, first] = broadcast.channel(CAP);
      const receivers = [first];
      for (let r = 1; r < RECEIVERS; r++) receivers.push(tx.subscribe());
      const done = receivers.map((rx) =>
        spawn(async () => {
          let sum = 0;
          for await (const v of rx) sum += v;
          return sum;
        }),
      );
      for (let i = 0; i < BCAST_N; i++) {
        tx.send(i);
        if ((i & 63) === 63) await tick();
      }
      tx.close();
      return (await Promise.all(done)).reduce((a, b) => a + b, 0);
    },
  },
  'fanout/baseline 100 array+promise queues in rt tasks': {
    section: 'fanout', ops: BCAST_N * RECEIVERS, expect: sumTo(BCAST_N) * RECEIVERS, baseline: 'hand',
    run: async () => {
      const queues = Array.from({ length: RECEIVERS }, () => new ArrayChannel());
      // Receivers in rt tasks, as the rt case: the same AsyncLocalStorage costs.
      const done = queues.map((q) =>
        spawn(async () => {
          let sum = 0;
          let v;
          while ((v = await q.recv()) !== undefined) sum += v;
          return sum;
        }),
      );
      for (let i = 0; i < BCAST_N; i++) {
        for (const q of queues) q.push(i);
        if ((i & 63) === 63) await tick();
      }
      for (const q of queues) q.close();
      return (await Promise.all(done)).reduce((a, b) => a + b, 0);
    },
  },
  'fanout/rt watch 1→100': {
    vs: ["baseline latest value + shared promise"], section: 'fanout', ops: WATCH_N * RECEIVERS, expect: WATCH_N * RECEIVERS,
    run: async () => {
      const [tx, first] = watch.channel(0);
      const receivers = [first];
      for (let r = 1; r < RECEIVERS; r++) receivers.push(tx.subscribe());
      let seen = 0;
      const done = receivers.map(async (rx) => {
        try {
          for (;;) {
            await rx.changed();
            rx.borrowAndUpdate();
            seen++;
          }
        } catch {
          // closed
        }
      });
      for (let i = 1; i <= WATCH_N; i++) {
        tx.send(i);
        await tick();
      }
      tx.close();
      await Promise.all(done);
      return seen;
    },
  },
  'fanout/baseline latest value + shared promise': {
    section: 'fanout', ops: WATCH_N * RECEIVERS, expect: WATCH_N * RECEIVERS, baseline: 'hand',
    run: async () => {
      let current = 0;
      let closed = false;
      let resolveChange;
      let change = new Promise((r) => (resolveChange = r));
      let seen = 0;
      const done = Array.from({ length: RECEIVERS }, async () => {
        for (;;) {
          await change;
          if (closed) return;
          void current;
          seen++;
        }
      });
      for (let i = 1; i <= WATCH_N; i++) {
        current = i;
        const r = resolveChange;
        change = new Promise((res) => (resolveChange = res));
        r();
        await tick();
      }
      closed = true;
      resolveChange();
      await Promise.all(done);
      return seen;
    },
  },
  'fanout/rt Notify ping-pong': {
    vs: ["baseline promise-resolver ping-pong"], section: 'fanout', ops: PING_N, expect: PING_N,
    run: async () => {
      const ping = new Notify();
      const pong = new Notify();
      let n = 0;
      const other = (async () => {
        for (let i = 0; i < PING_N; i++) {
          await ping.notified();
          pong.notifyOne();
        }
      })();
      for (let i = 0; i < PING_N; i++) {
        ping.notifyOne();
        await pong.notified();
        n++;
      }
      await other;
      return n;
    },
  },
  'fanout/baseline promise-resolver ping-pong': {
    section: 'fanout', ops: PING_N, expect: PING_N, baseline: 'hand',
    run: async () => {
      // A one-permit notify written by hand: a flag and a resolver.
      const make = () => {
        let permit = false;
        let waiter = null;
        return {
          notify() {
            if (waiter) {
              const w = waiter;
              waiter = null;
              w();
            } else permit = true;
          },
          wait() {
            if (permit) {
              permit = false;
              return Promise.resolve();
            }
            return new Promise((r) => (waiter = r));
          },
        };
      };
      const ping = make();
      const pong = make();
      let n = 0;
      const other = (async () => {
        for (let i = 0; i < PING_N; i++) {
          await ping.wait();
          pong.notify();
        }
      })();
      for (let i = 0; i < PING_N; i++) {
        ping.notify();
        await pong.wait();
        n++;
      }
      await other;
      return n;
    },
  },
};

// ---------------------------------------------------------------- child / parent

const caseArg = process.argv.find((a) => a.startsWith('--case='));
if (caseArg !== undefined) {
  const c = cases[caseArg.slice('--case='.length)];
  if (process.env.SYNC_BENCH_WINDOW === '1') {
    // The counted window (benchmarks/locks-callgrind.mjs, `callgrindWindow` in
    // benchmarks/lib/callgrind.mjs): a full GC first (node --expose-gc), so no marking cycle that
    // start-up began spans the count (its write barrier on every store, stepped by time: what made
    // the N / 2N difference read 471-2,181 for one tree); then SYNC_BENCH_WARMUPS runs of the case
    // (default 8: at N = 100,000 the last compilation, of the functions the forced turn calls once
    // per 128 operations, lands in the sixth on Node 20); then one more run between two reads of
    // `process.ppid`, the process's only getppid(2) calls, where callgrind (--dump-before=getppid)
    // dumps and zeroes its counters.
    globalThis.gc?.();
    for (let i = Number(process.env.SYNC_BENCH_WARMUPS ?? 8); i > 0; i--) if ((await c.run()) !== c.expect) throw new Error('warm-up checksum');
    if (process.env.SYNC_BENCH_TRACE === '1') console.log('window start');
    void process.ppid;
    const result = await c.run();
    void process.ppid;
    if (process.env.SYNC_BENCH_TRACE === '1') console.log('window end');
    if (result !== c.expect) throw new Error(`checksum ${result} !== ${c.expect}`);
    process.exit(0);
  }
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const result = await c.run();
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  if (result !== c.expect) throw new Error(`checksum ${result} !== ${c.expect}`);
  const cpuNsPerOp = ((cpu.user + cpu.system) * 1000) / c.ops;
  const turns = probe.turns();
  const work = probe.backlog > 0 || turns > 0 ? { backlog: probe.backlog, turns } : undefined;
  process.stdout.write(JSON.stringify({ opsPerSec: (c.ops / ns) * 1e9, cpuNsPerOp, work }) + '\n');
  process.exit(0);
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const reps = quick ? 3 : 1; // quick runs are short and noisy: best of three
const self = fileURLToPath(import.meta.url);
const results = new Map();
for (let rep = 0; rep < reps; rep++) {
  for (const [name, c] of Object.entries(cases)) {
    if (only !== undefined && c.section !== only) continue;
    const r = spawnSync(process.execPath, ['--expose-gc', self, `--case=${name}`, ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`${name} failed:\n${r.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const { opsPerSec, cpuNsPerOp, work } = JSON.parse(r.stdout.trim().split('\n').pop());
    const previous = results.get(name);
    results.set(name, {
      opsPerSec: Math.max(previous?.opsPerSec ?? 0, opsPerSec),
      cpuNsPerOp: Math.min(previous?.cpuNsPerOp ?? Infinity, cpuNsPerOp),
      work,
    });
  }
}

const titles = {
  mpsc: `mpsc: one producer, one consumer, capacity ${CAP}`,
  locks: 'locks: lock/acquire + release; contended = 100 tasks with an await inside the critical section',
  fanout: 'fanout: broadcast / watch with 100 receivers, Notify ping-pong',
};
const fmt = (n) => Math.round(n).toLocaleString('en');
for (const section of Object.keys(titles)) {
  const rows = Object.entries(cases).filter(([name, c]) => c.section === section && c.vs !== undefined && results.has(name));
  if (rows.length === 0) continue;
  console.log(`\n${titles[section]}${quick ? ' (quick, best of 3)' : ''}`);
  // Wall-clock throughput, and CPU time per operation (steadier on a shared machine).
  console.log('| rt case | ops | rt ops/s | rt CPU ns/op | baseline | baseline ops/s | baseline CPU ns/op | speed ratio (ops/s) | CPU ratio (baseline ÷ rt) |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const [name, c] of rows) {
    const ours = results.get(name);
    for (const b of c.vs) {
      const theirs = results.get(`${section}/${b}`);
      if (theirs === undefined) continue;
      console.log(
        `| ${name.slice(section.length + 1)} | ${c.ops.toLocaleString('en')} | ${fmt(ours.opsPerSec)} | ${fmt(ours.cpuNsPerOp)} | ${b.replace(/^baseline /, '')} | ${fmt(theirs.opsPerSec)} | ${fmt(theirs.cpuNsPerOp)} | ${(ours.opsPerSec / theirs.opsPerSec).toFixed(2)}× | ${(theirs.cpuNsPerOp / ours.cpuNsPerOp).toFixed(2)}× |`,
      );
    }
  }
  // The work besides the messages of the rows that report it (the unbounded rows): a floor does
  // the same work as rt's row when both reach the same backlog with the same consumer turns.
  const worked = Object.entries(cases).filter(([name, c]) => c.section === section && results.get(name)?.work !== undefined);
  if (worked.length === 0) continue;
  console.log('\n| case | most values queued at a producer turn | consumer forced turns |');
  console.log('|---|---:|---:|');
  for (const [name] of worked) {
    const { backlog, turns } = results.get(name).work;
    console.log(`| ${name.slice(section.length + 1)} | ${fmt(backlog)} | ${fmt(turns)} |`);
  }
}
