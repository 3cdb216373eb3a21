// @rt/time against Node's own timers, in one run, printed as a table with ratios.
//
//   node --expose-gc benchmarks/time.bench.mjs            full run (~30–60 s)
//   node --expose-gc benchmarks/time.bench.mjs --quick    (or RT_BENCH_QUICK=1) smaller counts
//   node --expose-gc benchmarks/time.bench.mjs --only=fire     only the fire rows (2.)
//
// Build first: `npx turbo run build` (benchmarks import the built packages).
//
// 1. schedule + cancel N timers with random 1–60 000 ms deadlines
//      rt: sleep(ms) then [Symbol.dispose]()   vs   setTimeout(fn, ms) then clearTimeout()
// 2. schedule + fire N timers spread over 0–1 000 ms (CPU time, wall time until the last fires,
//    how late the last one fires after the latest deadline, the max, p99 and p50 lateness of
//    all of them, and the wall time of the scheduling loop), outside and inside a task,
//    ROUNDS rounds in alternating order, after one unrecorded warm-up pass of 100k timers per side
//      rt: sleep(ms).then(fn)                   vs   setTimeout(fn, ms)
//      (+ new Promise(setTimeout).then(fn), and the floor of a then-able timer: a promise and
//      `then` per timer, resolved by one Node timer per millisecond, with no wheel at all; and that
//      floor plus a cancellable handle per timer: lib/timer-floor.mjs)
// 3. M timeout() wrappers around ready work, one after another
//      rt: await timeout(1000, ready)           vs   Promise.race([ready, setTimeout-rejection]) + clearTimeout
// 4. heap bytes per pending timer (nobody waiting; then with a waiter)
//      rt: sleep(60 000) [.then(fn)]            vs   setTimeout(fn, 60 000)
import { performance } from 'node:perf_hooks';
import { Builder } from '@rt/scheduler';
import { sleep, timeout } from '@rt/time';
import { floorCancellableSleep, floorSleep } from './lib/timer-floor.mjs';

const quick = process.argv.includes('--quick') || process.env.RT_BENCH_QUICK === '1';
const N = quick ? 100_000 : 1_000_000;
const FIRE_N = quick ? 100_000 : 1_000_000;
const M = quick ? 20_000 : 100_000;
const MEM_N = quick ? 50_000 : 200_000;
const ROUNDS = quick ? 1 : 3;
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);

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
 * the CPU and wall time and the lateness. Each deadline is when its timer was scheduled plus
 * its delay (the clock is read every 256 timers). Every 16th firing reads the clock (a few ns
 * per timer, the same on every side); the k-th firing is matched with the k-th earliest
 * deadline (timers fire in deadline order). A timer whose deadline passes while the
 * synchronous loop that schedules the million is still running cannot fire before the loop
 * ends, on any side, so lateness counts from max(deadline, end of the loop): `lateMax`,
 * `lateP99` and `lateP50` over all timers, and `last`, how late the last one fires after the
 * latest deadline; `loop` is the wall time of the scheduling loop (the backlog it leaves is
 * what the lateness figures mostly measure).
 */
function fire(count, schedule) {
  return new Promise((resolve) => {
    let left = count;
    let fired = 0;
    const times = new Float64Array((count >> 4) + 1);
    const deadlines = new Float64Array(count);
    let loopEnd = Infinity;
    const c0 = cpuMs();
    const t0 = performance.now();
    const done = () => {
      if ((++fired & 15) === 0) times[fired >> 4] = performance.now();
      if (--left === 0) {
        const end = performance.now();
        const cpu = cpuMs() - c0;
        deadlines.sort();
        const late = new Float64Array((count >> 4) + 1);
        for (let k = 1; k <= count >> 4; k++) late[k - 1] = times[k] - Math.max(deadlines[k * 16 - 1], loopEnd);
        late[count >> 4] = end - Math.max(deadlines[count - 1], loopEnd);
        late.sort();
        resolve({ wall: end - t0, cpu, last: end - deadlines[count - 1], lateMax: late[late.length - 1], lateP99: late[Math.floor(late.length * 0.99)], lateP50: late[late.length >> 1], loop: loopEnd - t0 });
      }
    };
    let base = t0;
    for (let i = 0; i < count; i++) {
      if ((i & 255) === 0) base = performance.now();
      deadlines[i] = base + delaysFire[i];
      schedule(delaysFire[i], done);
    }
    loopEnd = performance.now();
  });
}

const fireVariants = {
  rt: (ms, done) => sleep(ms).then(done),
  node: (ms, done) => setTimeout(done, ms),
  nodePromise: (ms, done) => new Promise((resolve) => setTimeout(resolve, ms)).then(done),
  floor: (ms, done) => floorSleep(ms).then(done),
  floorCancel: (ms, done) => floorCancellableSleep(ms).then(done),
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

/** The fire rows (2.): ROUNDS rounds, the order of the sides alternating. */
async function fireRows(runtime) {
  const sides = ['rt', 'node', 'rtTask', 'nodePromise', 'floor', 'floorCancel'];
  const results = Object.fromEntries(sides.map((side) => [side, []]));
  // Warm-up, not recorded: one pass of 100k timers per side, so no side's first measured round
  // is the process's cold one (with `--only=fire` the first round's first side, rt, read
  // 2.90× against 1.22–1.46× in the later rounds, nineteenth session).
  for (const side of sides) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const warm = Math.min(FIRE_N, 100_000);
    if (side === 'rtTask') await runtime.run(() => fire(warm, fireVariants.rt));
    else await fire(warm, fireVariants[side]);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      const result = side === 'rtTask' ? await runtime.run(() => fire(FIRE_N, fireVariants.rt)) : await fire(FIRE_N, fireVariants[side]);
      results[side].push(result);
    }
  }
  const range = (values, digits = 2) => {
    const low = Math.min(...values);
    const high = Math.max(...values);
    return low.toFixed(digits) === high.toFixed(digits) ? low.toFixed(digits) : `${low.toFixed(digits)}–${high.toFixed(digits)}`;
  };
  // Ratios per round (each side against the baseline of the same round), as ranges.
  const cpuRatio = (side, base) => range(results[side].map((r, k) => r.cpu / results[base][k].cpu));
  const fireTable = sides.map((side) => ({
    side: { rt: 'sleep(ms).then(cb)', rtTask: 'sleep(ms).then(cb) in a task', node: 'setTimeout(cb, ms)', nodePromise: 'new Promise(setTimeout).then(cb)', floor: 'floor: promise+then, 1 Node timer/ms', floorCancel: 'floor + a cancellable handle/timer' }[side],
    'CPU ms': range(results[side].map((r) => r.cpu), 0),
    'CPU × setTimeout(cb)': cpuRatio(side, 'node'),
    'last late ms': range(results[side].map((r) => r.last), 1),
    'late max ms': range(results[side].map((r) => r.lateMax), 1),
    'late p99 ms': range(results[side].map((r) => r.lateP99), 1),
    'late p50 ms': range(results[side].map((r) => r.lateP50), 1),
    'loop wall ms': range(results[side].map((r) => r.loop), 0),
    'wall ms': range(results[side].map((r) => r.wall), 0),
  }));
  console.log(`\nfire ${FIRE_N} timers over 0–1 000 ms, ${ROUNDS} round(s), alternating order (ranges over rounds; CPU ratio per round, < 1 favours the side; lateness from max(deadline, end of the scheduling loop))`);
  console.table(fireTable);
  const best = (side, key) => Math.min(...results[side].map((r) => r[key]));
  row(`fire ${FIRE_N} over 0–1 000 ms, CPU: sleep().then vs setTimeout(cb)`, best('rt', 'cpu'), best('node', 'cpu'), 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then in a task vs setTimeout(cb)`, best('rtTask', 'cpu'), best('node', 'cpu'), 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then vs new Promise(setTimeout).then`, best('rt', 'cpu'), best('nodePromise', 'cpu'), 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then vs the floor (promise+then, no wheel)`, best('rt', 'cpu'), best('floor', 'cpu'), 'ms');
  row(`fire ${FIRE_N}, CPU: sleep().then vs the floor + a cancellable handle per timer`, best('rt', 'cpu'), best('floorCancel', 'cpu'), 'ms');
  row(`fire ${FIRE_N}: the last fires this late after the latest deadline, sleep().then vs setTimeout(cb)`, best('rt', 'last'), best('node', 'last'), 'ms');
  row(`fire ${FIRE_N}: the same, sleep().then in a task vs setTimeout(cb)`, best('rtTask', 'last'), best('node', 'last'), 'ms');
  row(`fire ${FIRE_N}: max lateness, sleep().then vs setTimeout(cb)`, best('rt', 'lateMax'), best('node', 'lateMax'), 'ms');
  row(`fire ${FIRE_N}: max lateness, sleep().then in a task vs setTimeout(cb)`, best('rtTask', 'lateMax'), best('node', 'lateMax'), 'ms');
}

async function main() {
  console.log(`@rt/time vs Node timers${quick ? ' (quick mode)' : ''}; N=${N}, fire N=${FIRE_N}, timeouts=${M}, memory N=${MEM_N}`);

  if (only === 'fire') {
    const runtime = Builder.currentThread().name('bench').build();
    await fireRows(runtime);
    await runtime.shutdown();
    console.table(rows);
    return;
  }
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

  await fireRows(runtime);
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
