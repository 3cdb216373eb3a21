// Job throughput on the multi-thread runtime under SKEWED load: work stealing vs a fixed
// round-robin assignment, and vs no redistribution at all, in one run, with ratios.
//
// The load: N jobs of uneven cost (seeded random: 1..20 units of arithmetic, a few 60-unit
// ones) where worker 0 spawns 90 % of them and worker 1 spawns 10 % (each worker runs a
// `producer` job that spawns its share from inside the worker and awaits them all).
// - stealing     : producers spawn with target 'any' → their own local queue; an idle worker
//                  steals half of a busy worker's queue (the runtime's default).
// - round-robin  : producers pin job k to worker k % 2 (fixed assignment: even counts, no
//                  stealing; uneven costs are not balanced).
// - local only   : producers pin every job to themselves (no redistribution at all).
// Throughput = N / wall time from the first spawn to the last result. Best of REPS.
//
//   node benchmarks/multi-thread-jobs.bench.mjs           (~30 s)
//   node benchmarks/multi-thread-jobs.bench.mjs --quick   (~8 s; or RT_BENCH_QUICK=1)
//   node benchmarks/multi-thread-jobs.bench.mjs --tune    stealing only, for several local
//                                                          queue capacities and injector intervals
//
// Needs the built packages (`npx turbo run build`). This file is also the job
// module the workers import (its main part runs on the main thread only).
import { isMainThread } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as multiThread from '@rt/multi-thread';

const { spawnOn } = multiThread;
const self = new URL(import.meta.url);

/** One job: `units` × a few µs of arithmetic (calibrated below). Returns a checksum so the work is not optimised out. */
export function work(_job, units) {
  let x = 0;
  for (let i = 0; i < units * 2_000; i++) x = (x * 31 + i) | 0;
  return x & 1;
}

/** Runs inside a worker: spawns its share of jobs (`costs`) with the given placement, awaits them. */
export async function producer(job, costs, placement, workers) {
  const handles = new Array(costs.length);
  for (let k = 0; k < costs.length; k++) {
    const target = placement === 'any' ? 'any' : placement === 'self' ? job.worker : k % workers;
    handles[k] = spawnOn(target, self, 'work', [costs[k]]);
  }
  let sum = 0;
  for (const h of handles) sum += await h;
  return sum;
}

/** µs of CPU per unit of `work`, measured on this thread. */
function calibrate() {
  work(null, 200);
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    work(null, 100);
    best = Math.min(best, (performance.now() - start) * 10);
  }
  return best;
}

/**
 * `n` job costs, seeded. An LCG in 32-bit integer arithmetic whose high 16 bits are used: the
 * form this file had, `(s * 1103515245 + 12345) & 0x7fffffff` in doubles, lost the product's low
 * bits past 2^53, and its costs were only 1, 5, 6, 9, 10, 11, 13, 14, 17, 18 or 60 units.
 */
function costs(n, seed) {
  const out = new Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const r = s >>> 16;
    out[i] = r % 50 === 0 ? 60 : 1 + (r % 20);
  }
  return out;
}

async function runMode(runtime, placement, n, workers) {
  const heavy = Math.round(n * 0.9);
  const shares = [costs(heavy, 1), costs(n - heavy, 2)];
  const before = runtime.metrics();
  const start = performance.now();
  await Promise.all(shares.map((share, w) => runtime.spawnOn(w, self, 'producer', [share, placement, workers])));
  const ms = performance.now() - start;
  const after = runtime.metrics();
  const ran = after.workers.map((w, i) => w.jobsRun - before.workers[i].jobsRun - 1);
  const steals = after.workers.reduce((s, w, i) => s + w.steals - before.workers[i].steals, 0);
  return { ms, perSecond: (n / ms) * 1000, ran, steals };
}

async function tune(quick) {
  const N = quick ? 4_000 : 12_000;
  const REPS = quick ? 2 : 3;
  const settings = [
    [64, 61],
    [256, 61],
    [1024, 61],
    [256, 31],
    [256, 127],
  ];
  console.log(`stealing under skewed load, ${N} jobs, best of ${REPS}`);
  console.log('localQueueCapacity  globalQueueInterval   jobs/s   steals');
  for (const [capacity, interval] of settings) {
    const runtime = multiThread.Builder.multiThread().workerThreads(2).localQueueCapacity(capacity).globalQueueInterval(interval).name('jobs-tune').build();
    try {
      await runMode(runtime, 'any', 1_000, 2);
      let best;
      for (let rep = 0; rep < REPS; rep++) {
        const r = await runMode(runtime, 'any', N, 2);
        if (best === undefined || r.perSecond > best.perSecond) best = r;
      }
      console.log(`${String(capacity).padStart(18)}  ${String(interval).padStart(19)}  ${best.perSecond.toFixed(0).padStart(7)}  ${String(best.steals).padStart(7)}`);
    } finally {
      await runtime.shutdown({ timeout: 5000 });
    }
  }
}

if (isMainThread && process.argv.includes('--tune')) {
  await tune(process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick'));
} else if (isMainThread) {
  const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
  const N = quick ? 4_000 : 12_000;
  const REPS = quick ? 2 : 3;
  const WORKERS = 2;
  const modes = [
    ['stealing', 'any'],
    ['round-robin', 'round-robin'],
    ['local only', 'self'],
  ];
  const runtime = multiThread.Builder.multiThread().workerThreads(WORKERS).name('jobs-bench').build();
  try {
    // Warm-up: load the module in both workers, JIT the job.
    await runMode(runtime, 'any', 1_000, WORKERS);
    const best = new Map();
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, placement] of modes) {
        const result = await runMode(runtime, placement, N, WORKERS);
        const prev = best.get(name);
        if (prev === undefined || result.perSecond > prev.perSecond) best.set(name, result);
      }
    }
    const base = best.get('stealing').perSecond;
    const avgUnits = costs(N, 1).reduce((a, b) => a + b, 0) / N;
    const unitMicros = calibrate();
    const ideal = ((N * avgUnits * unitMicros) / WORKERS / 1000).toFixed(0);
    console.log(`multi-thread jobs, skewed load${quick ? ' (quick)' : ''}: ${N} jobs of uneven cost (avg ${avgUnits.toFixed(1)} units ≈ ${(avgUnits * unitMicros).toFixed(0)} µs of CPU), 90 % spawned on worker 0, ${WORKERS} workers, best of ${REPS}; perfect split ≈ ${ideal} ms`);
    console.log('mode          jobs/s     wall ms   run on w0/w1      steals   stealing ÷ mode');
    for (const [name] of modes) {
      const r = best.get(name);
      console.log(
        `${name.padEnd(13)} ${r.perSecond.toFixed(0).padStart(7)}  ${r.ms.toFixed(0).padStart(8)}   ${r.ran.join('/').padEnd(15)}  ${String(r.steals).padStart(6)}   ${(base / r.perSecond).toFixed(2)}×`,
      );
    }
  } finally {
    await runtime.shutdown({ timeout: 5000 });
  }
}
