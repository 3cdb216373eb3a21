// What observability costs: the same workloads with nobody listening (the baseline: what every
// program pays), with a subscriber on every rt:task:* channel and the net TracingChannels, and
// on a runtime built with Builder.instrument() (promise hooks, per-task accounting, a stack
// capture for the first 32 spawns of a turn), instrumented without spawn locations and with
// every one. Each run is its own child process (promise hooks and subscribers must not leak
// into the next); the modes alternate round by round; CPU time of the workload, ratios against
// "off" (nobody listening) of the same run.
//
//   node benchmarks/observability.bench.mjs [--quick] [--only=spawn|mpsc|echo]   (npx tsc -b packages/console first)
//   node benchmarks/observability.bench.mjs --callgrind [--only=spawn] [--modes=off,instrumented]
//
// --callgrind: instructions per operation under valgrind's callgrind instead of CPU time (nearly
// noise-free on a shared machine): per mode a run of the quick count minus a run of 0 (the same
// setup, no operations; each the median of --reps=3 runs), V8 with --single-threaded
// --predictable-gc-schedule (compilation and GC on the measured thread); ratio against "off".
//
// Workloads: benchmarks/lib/observability-workloads.mjs (spawn + join of N trivial tasks inside a
// task; an @rt/sync mpsc ping-pong, capacity 1; a 64-byte TCP echo over loopback).
import { spawn, spawnSync } from 'node:child_process';
import diagnostics_channel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { subscribeEverything, workloads } from './lib/observability-workloads.mjs';

const self = fileURLToPath(import.meta.url);
const callgrind = process.argv.includes('--callgrind');
const quick = callgrind || process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const SPAWN_N = quick ? 100_000 : 300_000;
const MPSC_N = quick ? 50_000 : 200_000;
const ECHO_N = quick ? 5_000 : 20_000;
const REPS = quick ? 5 : 7;

const modes = ['off', 'subscribed', 'instrumented', 'no-locations', 'all-locations'];

async function child(workload, mode, n) {
  const scheduler = await import('@rt/scheduler');
  if (mode === 'subscribed') subscribeEverything(diagnostics_channel);
  const builder = scheduler.Builder.currentThread().enableAll();
  if (mode === 'instrumented') builder.instrument();
  if (mode === 'no-locations') builder.instrument({ spawnLocations: false });
  if (mode === 'all-locations') builder.instrument({ spawnLocations: 'all' });
  const runtime = builder.build();
  const counts = { spawn: SPAWN_N, mpsc: MPSC_N, echo: ECHO_N };
  const [sync, net] = await Promise.all([import('@rt/sync'), import('@rt/net')]);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await workloads[workload](runtime, scheduler, n ?? counts[workload], sync, net);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await runtime.shutdown();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }));
}

const labels = {
  subscribed: 'a subscriber on every channel',
  instrumented: 'instrument()',
  'no-locations': "instrument({ spawnLocations: false })",
  'all-locations': "instrument({ spawnLocations: 'all' })",
};

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5] === undefined ? undefined : Number(process.argv[5]));
} else if (callgrind) {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const chosen = process.argv.find((a) => a.startsWith('--modes='))?.slice(8).split(',') ?? ['off', 'instrumented'];
  const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
  const counts = { spawn: SPAWN_N, mpsc: MPSC_N, echo: 1_000 };
  const instructions = (workload, mode, n) =>
    new Promise((resolve, reject) => {
      const argv = ['--tool=callgrind', '--dump-instr=no', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--predictable-gc-schedule', self, '--child', workload, mode, String(n)];
      const child = spawn('valgrind', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => {
        const collected = /Collected : (\d+)/.exec(stderr);
        if (code !== 0 || collected === null) reject(new Error(`callgrind ${workload}/${mode} ${n} failed: ${stderr.slice(-2000)}`));
        else resolve(Number(collected[1]));
      });
    });
  // Runs go two at a time (instruction counts do not depend on the load). Identical runs still
  // differ (by ~1 %, and now and then one instrumented run of 100k by 5 %: a GC step or the
  // event-loop delay monitor's timer, which fires by wall time), so each count is the median of
  // `reps` runs, and every run is printed.
  const least = async (workload, mode, n) => {
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await instructions(workload, mode, n));
    return { min: [...runs].sort((a, b) => a - b)[Math.floor((runs.length - 1) / 2)], runs };
  };
  console.log(`observability cost under callgrind (Node ${process.version}): instructions per operation, a run of N minus a run of 0 (each the median of ${reps} runs)`);
  for (const workload of Object.keys(workloads)) {
    if (only !== undefined && only !== workload) continue;
    const n = counts[workload];
    console.log(`${workload}, N = ${n}:`);
    let off;
    for (const mode of chosen) {
      const [full, empty] = await Promise.all([least(workload, mode, n), least(workload, mode, 0)]);
      const per = (full.min - empty.min) / n;
      if (mode === 'off') off = per;
      const spread = `runs of N ${full.runs.map((v) => (v / 1e6).toFixed(1)).join(', ')} M; of 0 ${empty.runs.map((v) => (v / 1e6).toFixed(1)).join(', ')} M`;
      console.log(`  ${(labels[mode] ?? 'off').padEnd(40)} ${per.toFixed(0).padStart(8)}${off === undefined || mode === 'off' ? '        ' : `  ${(per / off).toFixed(3)}x`}  (${spread})`);
    }
  }
} else {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  console.log(`observability cost (Node ${process.version}, ${REPS} alternating rounds, each run a fresh process${quick ? ', quick' : ''})`);
  console.log('CPU ms of the workload (process.cpuUsage), best of the rounds; ratio = mode / off as best-vs-best, and the range of the per-round ratios');
  for (const workload of Object.keys(workloads)) {
    if (only !== undefined && only !== workload) continue;
    const rounds = modes.map(() => []);
    // Alternate the modes round by round, so drift on a shared machine hits all of them alike.
    for (let rep = 0; rep < REPS; rep++) {
      modes.forEach((mode, i) => {
        const r = spawnSync(process.execPath, [self, '--child', workload, mode], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${workload}/${mode} failed: ${r.stderr}`);
        rounds[i].push(JSON.parse(r.stdout).cpuMs);
      });
    }
    const off = rounds[0];
    const bestOff = Math.min(...off);
    console.log(`${workload}: off ${bestOff.toFixed(1)} ms (rounds ${off.map((v) => v.toFixed(0)).join(', ')})`);
    modes.slice(1).forEach((mode, j) => {
      const values = rounds[j + 1];
      const perRound = values.map((v, r) => v / off[r]);
      console.log(
        `  ${labels[mode].padEnd(40)} ${Math.min(...values).toFixed(1).padStart(8)} ms  ${(Math.min(...values) / bestOff).toFixed(3)}x  (per round ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x)`,
      );
    });
  }
}
