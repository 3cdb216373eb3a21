// What observability costs: the same workloads with nobody listening (the baseline: what every
// program pays), with a subscriber on every rt:task:* channel and the net TracingChannels, and
// on a runtime built with Builder.instrument() (promise hooks, per-task accounting, a stack
// capture for the first 32 spawns of a turn), instrumented without spawn locations and with
// every one. Each run is its own child process (promise hooks and subscribers must not leak
// into the next); the modes alternate round by round; ratios against "off" (nobody listening)
// of the same run.
//
// Two figures per mode, from the same processes:
//   steady  the per-operation cost at steady state: each child first runs the same workload twice
//           as a warm-up (same count, same work in every mode: V8 compiles and optimizes the
//           code there, and the first runs' one-offs are paid), then the measured phase. This is
//           the figure a per-operation target is about.
//   whole   the first (cold) phase alone, the figure this bench printed before: it includes V8
//           compiling the (larger, when instrumented) code once, which N operations only partly
//           spread.
// Also printed: heap bytes allocated per operation in the steady phase (v8.GCProfiler: the used
// heap before each GC minus after the previous one, plus the growth since the last; best round).
//
//   node benchmarks/observability.bench.mjs [--quick] [--only=spawn|mpsc|echo] [--modes=off,instrumented,...] [--trees=DIR,DIR]   (pnpm build first; --modes starts with off)
//
// Modes: off, subscribed, instrumented, no-locations, all-locations (the default set), and on
// request `hooks`: a runtime that is not instrumented, with empty V8 promise hooks `before` and
// `after` installed (what `instrument()` installs on AsyncContextFrame, Node 24+, doing nothing):
// the floor an instrumented runtime cannot go below while it times segments with promise hooks
// (V8 calls them for every reaction, and its promise builtins take their slower paths while any
// hook is installed). On Node 20/22 the promise-hook context already runs hooks in "off", so
// there `hooks` is a second set.
//   node benchmarks/observability.bench.mjs --callgrind [--only=spawn] [--modes=off,instrumented] [--trees=DIR,DIR]
//
// --trees: run the children of this bench file as found in each of these checkouts (each built),
// alternating round by round: two builds compared in the same run (labels: the directories).
//
// --callgrind: instructions per operation under valgrind's callgrind instead of CPU time (nearly
// noise-free on a shared machine), V8 with --single-threaded (compilation and GC on the measured
// thread), each count the median of --reps=3 runs; ratio against "off". steady = (a run of
// warm-up 2 x N, then N) minus (warm-up 2 x N, then 0), over N: the marginal cost of N more
// operations once warm; whole = a run of N minus a run of 0 (no warm-up), over N, with
// --predictable-gc-schedule as well: the figure this bench printed before. The steady runs leave
// that flag out: it pins the young generation at its smallest size, so a spawn storm paid 44
// scavenges per 100k spawn + join against 11 natively (--trace-gc, Node 20), GC work that swells
// both modes alike and so understated the ratio. Instead they fix the young generation at the
// size it grows to natively (16 MB semi-spaces: 11-12 scavenges per 100k, as natively) and turn
// off the memory reducer (its timers fire by wall time, which valgrind stretches).
//
// Workloads: benchmarks/lib/observability-workloads.mjs (spawn + join of N trivial tasks inside a
// task; an @rt/sync mpsc ping-pong, capacity 1; a 64-byte TCP echo over loopback).
import { spawn, spawnSync } from 'node:child_process';
import diagnostics_channel from 'node:diagnostics_channel';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { subscribeEverything, workloads } from './lib/observability-workloads.mjs';

const self = fileURLToPath(import.meta.url);
const callgrind = process.argv.includes('--callgrind');
const quick = callgrind || process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const SPAWN_N = quick ? 100_000 : 300_000;
const MPSC_N = quick ? 50_000 : 200_000;
const ECHO_N = quick ? 5_000 : 20_000;
const REPS = quick ? 5 : 7;
const counts = { spawn: SPAWN_N, mpsc: MPSC_N, echo: ECHO_N };
/** V8 flags of the steady callgrind runs (see the file comment). */
const STEADY_FLAGS = ['--single-threaded', '--no-memory-reducer', '--min-semi-space-size=16', '--max-semi-space-size=16'];
/** Warm-up runs of the workload before the measured ("steady") one (see child()). */
const WARM_RUNS = 2;

const modes = process.argv.find((a) => a.startsWith('--modes='))?.slice(8).split(',') ?? ['off', 'subscribed', 'instrumented', 'no-locations', 'all-locations'];

/** Runs `work`; its CPU ms and the heap bytes it allocated (GCs included: see the file comment). */
async function phase(work) {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  const heapAfter = v8.getHeapStatistics().used_heap_size;
  let allocated = 0;
  let last = heapBefore;
  for (const gc of profiler.stop().statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - last;
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += heapAfter - last;
  return { cpuMs: (used.user + used.system) / 1000, allocated };
}

async function child(workload, mode, n, warm, warmRuns) {
  const scheduler = await import('@rt/scheduler');
  if (mode === 'subscribed') subscribeEverything(diagnostics_channel);
  if (mode === 'hooks') v8.promiseHooks.createHook({ before() {}, after() {} });
  const builder = scheduler.Builder.currentThread().enableAll();
  if (mode === 'instrumented') builder.instrument();
  if (mode === 'no-locations') builder.instrument({ spawnLocations: false });
  if (mode === 'all-locations') builder.instrument({ spawnLocations: 'all' });
  const runtime = builder.build();
  const [sync, net] = await Promise.all([import('@rt/sync'), import('@rt/net')]);
  const run = (count) => () => workloads[workload](runtime, scheduler, count, sync, net);
  // The warm-up is the same workload, the same count, in every mode (none under callgrind's
  // "whole" runs), run WARM_RUNS times: the first run is the cold one (V8 compiles the code);
  // the second still pays one-offs of its own (code first reached once objects are reused, and
  // on the spawn workload a major GC of the first run's tasks, which the first run promoted:
  // under callgrind off 16.3k instructions per spawn + join in the second run, 13.5k from the
  // third on); from the third run on the cost per operation is flat.
  let cold;
  for (let r = 0; r < warmRuns; r++) {
    const result = await phase(run(warm));
    cold ??= result;
  }
  const steady = await phase(run(n));
  await runtime.shutdown();
  process.stdout.write(JSON.stringify({ cold, steady }));
}

const labels = {
  hooks: 'empty promise hooks (the floor)',
  subscribed: 'a subscriber on every channel',
  instrumented: 'instrument()',
  'no-locations': "instrument({ spawnLocations: false })",
  'all-locations': "instrument({ spawnLocations: 'all' })",
};

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
/** The bench files whose children run: this one, or the same file in each of --trees. */
const trees = process.argv.find((a) => a.startsWith('--trees='))?.slice(8).split(',');
const files = trees === undefined ? [self] : trees.map((dir) => resolve(dir, 'benchmarks/observability.bench.mjs'));
const treeLabel = (k) => (trees === undefined ? '' : `[${trees[k]}] `);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

if (process.argv[2] === '--child') {
  const [workload, mode, n, warm, warmRuns] = process.argv.slice(3);
  await child(workload, mode, Number(n ?? counts[workload]), Number(warm ?? counts[workload]), Number(warmRuns ?? WARM_RUNS));
} else if (callgrind) {
  const chosen = process.argv.find((a) => a.startsWith('--modes='))?.slice(8).split(',') ?? ['off', 'instrumented'];
  const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
  const cgCounts = { spawn: SPAWN_N, mpsc: MPSC_N, echo: 1_000 };
  const instructions = (file, workload, mode, n, warm) =>
    new Promise((resolve, reject) => {
      // The old "whole" figure keeps its flags; the steady one leaves out
      // --predictable-gc-schedule (see the file comment).
      const flags = warm === 0 ? ['--single-threaded', '--predictable-gc-schedule'] : STEADY_FLAGS;
      const argv = ['--tool=callgrind', '--dump-instr=no', '--callgrind-out-file=/dev/null', process.execPath, ...flags, file, '--child', workload, mode, String(n), String(warm), String(warm === 0 ? 0 : WARM_RUNS)];
      const child = spawn('valgrind', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => {
        const collected = /Collected : (\d+)/.exec(stderr);
        if (code !== 0 || collected === null) reject(new Error(`callgrind ${workload}/${mode} ${n} (warm-up ${warm}) failed: ${stderr.slice(-2000)}`));
        else resolve(Number(collected[1]));
      });
    });
  // Identical runs still differ (by ~1 %, and now and then one instrumented run of 100k by 5 %:
  // a GC step, or the event-loop delay monitor's timer, which fires by wall time), so each count
  // is the median of `reps` runs, and every run is printed. The four runs of a rep go two at a
  // time (instruction counts do not depend on the load).
  const M = (v) => (v / 1e6).toFixed(1);
  console.log(`observability cost under callgrind (Node ${process.version}): instructions per operation, each count the median of ${reps} runs`);
  console.log(`  steady = (warm-up ${WARM_RUNS} x N, then N) - (warm-up ${WARM_RUNS} x N, then 0), over N, ${STEADY_FLAGS.join(' ')};  whole = N - 0 with no warm-up, over N, --single-threaded --predictable-gc-schedule (the old figure)`);
  for (const workload of Object.keys(workloads)) {
    if (only !== undefined && only !== workload) continue;
    const n = cgCounts[workload];
    console.log(`${workload}, N = ${n}:`);
    for (const [k, file] of files.entries()) {
      let off;
      for (const mode of chosen) {
        const runs = { full: [], base: [], warmFull: [], warmBase: [] };
        for (let r = 0; r < reps; r++) {
          const [full, base] = await Promise.all([instructions(file, workload, mode, n, 0), instructions(file, workload, mode, 0, 0)]);
          const [warmFull, warmBase] = await Promise.all([instructions(file, workload, mode, n, n), instructions(file, workload, mode, 0, n)]);
          Object.entries({ full, base, warmFull, warmBase }).forEach(([key, v]) => runs[key].push(v));
        }
        const whole = (median(runs.full) - median(runs.base)) / n;
        const steady = (median(runs.warmFull) - median(runs.warmBase)) / n;
        if (mode === 'off') off = { whole, steady };
        const ratio = (v, o) => (off === undefined || mode === 'off' ? '       ' : `${(v / o).toFixed(3)}x`);
        console.log(
          `  ${treeLabel(k)}${(labels[mode] ?? 'off').padEnd(40)} steady ${steady.toFixed(0).padStart(7)} ${ratio(steady, off?.steady)}   whole ${whole.toFixed(0).padStart(7)} ${ratio(whole, off?.whole)}` +
            `  (runs M: N ${runs.full.map(M).join('/')}, 0 ${runs.base.map(M).join('/')}, warm+N ${runs.warmFull.map(M).join('/')}, warm+0 ${runs.warmBase.map(M).join('/')})`,
        );
      }
    }
  }
} else {
  console.log(`observability cost (Node ${process.version}, ${REPS} alternating rounds, each run a fresh process${quick ? ', quick' : ''})`);
  console.log('CPU ms of the workload (process.cpuUsage), best of the rounds; ratio = mode / off as best-vs-best, and the range of the per-round ratios;');
  console.log(`steady = the measured run after ${WARM_RUNS} warm-up runs of the same work; whole = the first (cold) phase alone (the old figure); heap = bytes allocated per operation, steady run`);
  for (const workload of Object.keys(workloads)) {
    if (only !== undefined && only !== workload) continue;
    const n = counts[workload];
    // rounds[k][i]: tree k, mode i, one { cold, steady } per round.
    const rounds = files.map(() => modes.map(() => []));
    // Alternate the modes (and trees) round by round, so drift on a shared machine hits all of them alike.
    for (let rep = 0; rep < REPS; rep++) {
      files.forEach((file, k) => {
        modes.forEach((mode, i) => {
          const r = spawnSync(process.execPath, [file, '--child', workload, mode, String(n), String(n), String(WARM_RUNS)], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`${workload}/${mode} failed: ${r.stderr}`);
          rounds[k][i].push(JSON.parse(r.stdout));
        });
      });
    }
    console.log(`${workload}, N = ${n}:`);
    files.forEach((_, k) => {
      const off = rounds[k][0];
      const column = (values, offValues) => {
        const best = Math.min(...values);
        const perRound = values.map((v, r) => v / offValues[r]);
        return offValues === values
          ? `${best.toFixed(1).padStart(7)} ms               (rounds ${values.map((v) => v.toFixed(0)).join(', ')})`
          : `${best.toFixed(1).padStart(7)} ms ${(best / Math.min(...offValues)).toFixed(3)}x (${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x)`;
      };
      const offSteady = off.map((r) => r.steady.cpuMs);
      const offCold = off.map((r) => r.cold.cpuMs);
      modes.forEach((mode, i) => {
        const steady = rounds[k][i].map((r) => r.steady.cpuMs);
        const cold = rounds[k][i].map((r) => r.cold.cpuMs);
        const heap = Math.min(...rounds[k][i].map((r) => r.steady.allocated)) / n;
        console.log(
          `  ${treeLabel(k)}${(labels[mode] ?? 'off').padEnd(40)} steady ${column(steady, i === 0 ? steady : offSteady)}  whole ${column(cold, i === 0 ? cold : offCold)}  heap ${heap.toFixed(0)} B/op`,
        );
      });
    });
  }
}
