// Where `Builder.instrument()` spends its time on the spawn workload of observability.bench.mjs
// (spawn + join of N trivial tasks inside a task), by taking parts away:
//
//   off            nobody listening (the baseline)
//   instrumented   instrument({ spawnLocations: false }): no stack captures, everything else
//   stubbed clock  the same with performance.now() replaced by a counter (no clock cost at all)
//   first segments the same with the segment observer detached after the build: tasks get
//                  records and their first segment (the call) is timed, their promise
//                  reactions are not
//   no records     the same with Probe.spawned a no-op: the promise hooks and the segment
//                  observer run, but no task gets a record (no accounting, no clock, no histogram)
//
// Each run is a fresh process, modes alternate round by round; CPU time of the workload
// (process.cpuUsage), ratio against "off" of the same round.
//
// Then, in this process, what one call costs (CPU ns, 3 rounds): the clocks the accounting could
// read (performance.now(), process.hrtime(), process.hrtime.bigint(), Date.now()), and a histogram
// record into the runtime's NanoHistogram against Node's perf_hooks.createHistogram() (the baseline).
//
// With --callgrind, instead: instructions per spawn + join under valgrind's callgrind (nearly
// noise-free on a loaded machine): for each mode a run of N = 100k minus a run of 0 (the same
// setup, no tasks), V8 with --single-threaded --predictable-gc-schedule so that compilation and GC
// happen on the measured thread and at the same points; --modes=off,instrumented picks modes,
// --keep=DIR keeps the callgrind output files (for callgrind_annotate; add --perf-basic-prof
// through RT_CALLGRIND_NODE_FLAGS to name the JIT code).
//
//   node benchmarks/instrument-breakdown.bench.mjs [--quick]   (pnpm build first)
//   node benchmarks/instrument-breakdown.bench.mjs --callgrind [--modes=off,instrumented] [--keep=DIR]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const quick = process.argv.includes('--quick');
const callgrind = process.argv.includes('--callgrind');
const N = quick || callgrind ? 100_000 : 300_000;
const REPS = quick ? 5 : 7;
const modes = ['off', 'instrumented', 'stubbed clock', 'first segments', 'no records'];

if (process.argv[2] === '--child') {
  const mode = process.argv[3];
  if (mode === 'stubbed clock') {
    let t = 0;
    performance.now = () => (t += 1e-4);
  }
  const { Builder, spawn } = await import('@rt/scheduler');
  if (mode === 'no records') {
    const { Probe } = await import('../packages/scheduler/dist/internal/instrument.js');
    Probe.prototype.spawned = () => {};
  }
  const builder = Builder.currentThread().enableAll();
  if (mode !== 'off') builder.instrument({ spawnLocations: false });
  const runtime = builder.build();
  if (mode === 'first segments') {
    const { observeSegments } = await import('../packages/scheduler/dist/internal/context.js');
    observeSegments(undefined);
  }
  const n = process.argv[4] === undefined ? N : Number(process.argv[4]);
  const cpu = process.cpuUsage();
  await runtime.run(async () => {
    const handles = new Array(n);
    for (let i = 0; i < n; i++) handles[i] = spawn(async () => i);
    for (let i = 0; i < n; i++) await handles[i];
  });
  const used = process.cpuUsage(cpu);
  await runtime.shutdown();
  process.stdout.write(String((used.user + used.system) / 1000));
} else if (callgrind) {
  const chosen = process.argv.find((a) => a.startsWith('--modes='))?.slice(8).split(',') ?? modes;
  const keep = process.argv.find((a) => a.startsWith('--keep='))?.slice(7);
  const extra = (process.env.RT_CALLGRIND_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const count = (mode, n) => {
    const out = keep !== undefined ? join(keep, `${mode.replace(/ /g, '-')}-${n}.out`) : join(tmpdir(), `rt-instrument-cg-${process.pid}.out`);
    const argv = ['--tool=callgrind', '--dump-instr=no', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--predictable-gc-schedule', ...extra, self, '--child', mode, String(n)];
    const r = spawnSync('valgrind', argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (keep === undefined) rmSync(out, { force: true });
    const collected = /Collected : (\d+)/.exec(r.stderr);
    if (r.status !== 0 || collected === null) throw new Error(`callgrind ${mode} ${n} failed: ${r.stderr.slice(-2000)}`);
    return Number(collected[1]);
  };
  console.log(`instrument() breakdown under callgrind, instructions per spawn + join (a run of ${N} minus a run of 0; Node ${process.version})`);
  let off;
  for (const mode of chosen) {
    const per = (count(mode, N) - count(mode, 0)) / N;
    off ??= mode === 'off' ? per : undefined;
    console.log(`  ${mode.padEnd(14)} ${per.toFixed(0).padStart(7)}${off === undefined ? '' : `  ${(per / off).toFixed(3)}x off  (+${(per - off).toFixed(0)})`}`);
  }
} else {
  console.log(`instrument() breakdown, spawn + join of ${N} trivial tasks (Node ${process.version}, ${REPS} alternating rounds, fresh process each)`);
  const rounds = modes.map(() => []);
  for (let rep = 0; rep < REPS; rep++) {
    modes.forEach((mode, i) => {
      const r = spawnSync(process.execPath, [self, '--child', mode, String(N)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
      rounds[i].push(Number(r.stdout));
    });
  }
  const off = rounds[0];
  modes.forEach((mode, i) => {
    const values = rounds[i];
    const perRound = values.map((v, r) => v / off[r]);
    const perTask = ((Math.min(...values) - Math.min(...off)) * 1e6) / N;
    console.log(
      `  ${mode.padEnd(14)} CPU ${Math.min(...values).toFixed(1).padStart(7)} ms best  ${(Math.min(...values) / Math.min(...off)).toFixed(2)}x` +
        `  (per round ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x)  +${perTask.toFixed(0)} ns per task`,
    );
  });
  const { NanoHistogram } = await import('../packages/scheduler/dist/internal/histogram.js');
  const ours = new NanoHistogram();
  const node = createHistogram();
  const calls = {
    'performance.now()': () => performance.now(),
    'process.hrtime()': () => process.hrtime(),
    'process.hrtime.bigint()': () => process.hrtime.bigint(),
    'Date.now()': () => Date.now(),
    'createHistogram().record': (i) => node.record(1000 + (i & 0xffff) * 37),
    'NanoHistogram.record': (i) => ours.record(1000 + (i & 0xffff) * 37),
  };
  const CALLS = quick ? 1_000_000 : 3_000_000;
  const results = Object.keys(calls).map(() => []);
  for (let round = 0; round < 3; round++) {
    Object.values(calls).forEach((call, k) => {
      for (let i = 0; i < 10_000; i++) call(i);
      const cpu = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) call(i);
      const used = process.cpuUsage(cpu);
      results[k].push(((used.user + used.system) * 1000) / CALLS);
    });
  }
  console.log('one call, CPU ns (3 rounds):');
  Object.keys(calls).forEach((name, k) => console.log(`  ${name.padEnd(26)} ${results[k].map((v) => v.toFixed(1)).join(', ')}`));
  const hdr = Math.min(...results[4]);
  console.log(`  NanoHistogram.record / createHistogram().record: ${(Math.min(...results[5]) / hdr).toFixed(2)}x (best vs best)`);
}
