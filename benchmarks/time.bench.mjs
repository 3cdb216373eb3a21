// @rt/time against Node's own timers, in one run, printed as a table with ratios.
//
//   node --expose-gc benchmarks/time.bench.mjs            full run (~30–60 s)
//   node --expose-gc benchmarks/time.bench.mjs --quick    (or RT_BENCH_QUICK=1) smaller counts
//
// Build first: `npx tsc -b packages/time` (benchmarks import the built packages).
//
// 1. schedule + cancel N timers with random 1–60 000 ms deadlines
//      rt: sleep(ms) then [Symbol.dispose]()   vs   setTimeout(fn, ms) then clearTimeout()
// 2. schedule + fire N timers spread over 0–1 000 ms (CPU time, wall time until the last fires,
//    and how late the last one fires after the latest deadline)
//      rt: sleep(ms).then(fn)                   vs   setTimeout(fn, ms)
// 3. M timeout() wrappers around ready work, one after another
//      rt: await timeout(1000, ready)           vs   Promise.race([ready, setTimeout-rejection]) + clearTimeout
// 4. heap bytes per pending timer (nobody waiting; then with a waiter)
//      rt: sleep(60 000) [.then(fn)]            vs   setTimeout(fn, 60 000)
import { performance } from 'node:perf_hooks';
import { Builder } from '@rt/scheduler';
import { sleep, timeout } from '@rt/time';

const quick = process.argv.includes('--quick') || process.env.RT_BENCH_QUICK === '1';
const N = quick ? 100_000 : 1_000_000;
const FIRE_N = quick ? 100_000 : 1_000_000;
const M = quick ? 20_000 : 100_000;
const MEM_N = quick ? 50_000 : 200_000;
const ROUNDS = 1;

const gc = globalThis.gc ?? (() => {});
const noop = () => {};

/** Deterministic pseudo-random numbers, same sequence for both sides. */
function randoms(count, min, max, seed = 12345) {
  const out = new Float64Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = min + Math.floor((x / 0x7fffffff) * (max - min + 1));
  }
  return out;
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const delaysLong = randoms(N, 1, 60_000);
const delaysFire = randoms(FIRE_N, 0, 1_000, 777);

function scheduleCancelRt(count) {
  const sleeps = new Array(count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) sleeps[i] = sleep(delaysLong[i]);
  for (let i = 0; i < count; i++) sleeps[i][Symbol.dispose]();
  return performance.now() - t0;
}

function scheduleCancelNode(count) {
  const timers = new Array(count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) timers[i] = setTimeout(noop, delaysLong[i]);
  for (let i = 0; i < count; i++) clearTimeout(timers[i]);
  return performance.now() - t0;
}

/**
 * Schedules `count` timers with `schedule(ms, done)` and resolves when all have fired, with
 * the CPU and wall time, and how late the last one fired after the latest deadline (each
 * deadline is when its timer was scheduled plus its delay; the clock is read every 256
 * timers, so the latest deadline is known to within that much scheduling time).
 */
function fire(count, schedule) {
  return new Promise((resolve) => {
    let left = count;
    let latestDeadline = 0;
    const c0 = cpuMs();
    const t0 = performance.now();
    const done = () => {
      if (--left === 0) {
        const end = performance.now();
        resolve({ wall: end - t0, cpu: cpuMs() - c0, late: end - latestDeadline });
      }
    };
    let base = t0;
    for (let i = 0; i < count; i++) {
      if ((i & 255) === 0) base = performance.now();
      const deadline = base + delaysFire[i];
      if (deadline > latestDeadline) latestDeadline = deadline;
      schedule(delaysFire[i], done);
    }
  });
}

const fireVariants = {
  rt: (ms, done) => sleep(ms).then(done),
  node: (ms, done) => setTimeout(done, ms),
  nodePromise: (ms, done) => new Promise((resolve) => setTimeout(resolve, ms)).then(done),
};

async function timeoutRt(count) {
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += await timeout(1_000, Promise.resolve(i));
  if (sum < 0) throw new Error('unreachable');
  return performance.now() - t0;
}

function raceWithSetTimeout(ms, work) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}

async function timeoutNode(count) {
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += await raceWithSetTimeout(1_000, Promise.resolve(i));
  if (sum < 0) throw new Error('unreachable');
  return performance.now() - t0;
}

async function settleHeap() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function memoryPerTimer(kind, count) {
  const keep = new Array(count).fill(null);
  const before = await settleHeap();
  for (let i = 0; i < count; i++) {
    if (kind === 'rt') keep[i] = sleep(60_000 + i);
    else if (kind === 'rt-awaited') {
      const s = sleep(60_000 + i);
      s.then(noop, noop);
      keep[i] = s;
    } else if (kind === 'node-promise') {
      let timer;
      new Promise((resolve) => {
        timer = setTimeout(resolve, 60_000 + i);
      }).then(noop);
      keep[i] = timer;
    } else keep[i] = setTimeout(noop, 60_000 + i);
  }
  const after = await settleHeap();
  const perTimer = (after - before) / count;
  for (let i = 0; i < count; i++) {
    if (kind === 'node' || kind === 'node-promise') clearTimeout(keep[i]);
    else keep[i][Symbol.dispose]();
  }
  keep.fill(null);
  await settleHeap();
  return perTimer;
}

const rows = [];
function row(name, rt, node, unit, better = 'lower') {
  const ratio = better === 'lower' ? node / rt : rt / node;
  rows.push({ benchmark: name, rt: `${rt.toFixed(1)} ${unit}`, baseline: `${node.toFixed(1)} ${unit}`, 'rt advantage (×)': ratio.toFixed(2) });
}

async function main() {
  console.log(`@rt/time vs Node timers${quick ? ' (quick mode)' : ''}; N=${N}, fire N=${FIRE_N}, timeouts=${M}, memory N=${MEM_N}`);

  // Warm both sides up (JIT), then measure the best of four.
  scheduleCancelRt(Math.min(N, 100_000));
  scheduleCancelNode(Math.min(N, 100_000));
  let rtBest = Infinity;
  let nodeBest = Infinity;
  for (let round = 0; round < 4; round++) {
    // Alternate which side runs first after the collection.
    gc();
    if (round % 2 === 0) rtBest = Math.min(rtBest, scheduleCancelRt(N));
    nodeBest = Math.min(nodeBest, scheduleCancelNode(N));
    if (round % 2 === 1) rtBest = Math.min(rtBest, scheduleCancelRt(N));
  }
  row(`schedule+cancel ${N} (1–60 000 ms)`, rtBest, nodeBest, 'ms');

  const runtime = Builder.currentThread().name('bench').build();
  // Warm-up: the first rounds of promise-heavy loops are dominated by JIT and GC.
  for (let round = 0; round < 3; round++) {
    await timeoutRt(M);
    await timeoutNode(M);
    await runtime.run(() => timeoutRt(M));
  }
  let toR = Infinity;
  let toN = Infinity;
  let toT = Infinity;
  // No forced gc() here: a full collection shrinks the young generation, and whichever
  // side runs right after it pays for the regrowth (it halved rt's numbers in quick runs).
  for (let round = 0; round < 5; round++) {
    toR = Math.min(toR, await timeoutRt(M));
    toN = Math.min(toN, await timeoutNode(M));
    toT = Math.min(toT, await runtime.run(() => timeoutRt(M)));
  }
  row(`timeout() around ready work ×${M} vs Promise.race+setTimeout`, toR, toN, 'ms');
  row(`timeout() ×${M} in a task vs Promise.race+setTimeout`, toT, toN, 'ms');

  // Fire: wall time is mostly the 1 s spread; CPU time is the cost (one round: 1M timers
  // take seconds each, and the whole run should stay under a minute).
  const best = { rt: Infinity, rtTask: Infinity, node: Infinity, nodePromise: Infinity };
  const wall = { rt: Infinity, node: Infinity };
  const late = { rt: Infinity, rtTask: Infinity, node: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['rt', 'node', 'nodePromise']) {
      gc();
      const result = await fire(FIRE_N, fireVariants[name]);
      best[name] = Math.min(best[name], result.cpu);
      if (name in wall) wall[name] = Math.min(wall[name], result.wall);
      if (name in late) late[name] = Math.min(late[name], result.late);
    }
    gc();
    const inTask = await runtime.run(() => fire(FIRE_N, fireVariants.rt));
    best.rtTask = Math.min(best.rtTask, inTask.cpu);
    late.rtTask = Math.min(late.rtTask, inTask.late);
  }
  row(`fire ${FIRE_N} over 0–1 000 ms, CPU: sleep().then vs setTimeout(cb)`, best.rt, best.node, 'ms');
  row(`fire ${FIRE_N} over 0–1 000 ms, wall: sleep().then vs setTimeout(cb)`, wall.rt, wall.node, 'ms');
  row(`fire ${FIRE_N}: the last fires this late after the latest deadline, sleep().then vs setTimeout(cb)`, late.rt, late.node, 'ms');
  row(`fire ${FIRE_N}: the same, sleep().then in a task vs setTimeout(cb)`, late.rtTask, late.node, 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then vs new Promise(setTimeout).then`, best.rt, best.nodePromise, 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then in a task vs new Promise(setTimeout).then`, best.rtTask, best.nodePromise, 'ms');

  await runtime.shutdown();

  const memRt = await memoryPerTimer('rt', MEM_N);
  const memNode = await memoryPerTimer('node', MEM_N);
  const memRtAwaited = await memoryPerTimer('rt-awaited', MEM_N);
  const memNodePromise = await memoryPerTimer('node-promise', MEM_N);
  row('heap bytes per pending timer: sleep() vs setTimeout(cb)', memRt, memNode, 'B');
  row('heap bytes per awaited timer: sleep().then vs new Promise(setTimeout).then', memRtAwaited, memNodePromise, 'B');

  console.table(rows);
}

await main();
// Nothing waits any more: the process exits on its own (no stray ref'd timer).
