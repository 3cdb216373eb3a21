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
//   node benchmarks/instrument-breakdown.bench.mjs [--quick]   (pnpm build first)
import { spawnSync } from 'node:child_process';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const quick = process.argv.includes('--quick');
const N = quick ? 100_000 : 300_000;
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
  const cpu = process.cpuUsage();
  await runtime.run(async () => {
    const handles = new Array(N);
    for (let i = 0; i < N; i++) handles[i] = spawn(async () => i);
    for (let i = 0; i < N; i++) await handles[i];
  });
  const used = process.cpuUsage(cpu);
  await runtime.shutdown();
  process.stdout.write(String((used.user + used.system) / 1000));
} else {
  console.log(`instrument() breakdown, spawn + join of ${N} trivial tasks (Node ${process.version}, ${REPS} alternating rounds, fresh process each)`);
  const rounds = modes.map(() => []);
  for (let rep = 0; rep < REPS; rep++) {
    modes.forEach((mode, i) => {
      const r = spawnSync(process.execPath, [self, '--child', mode, ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
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
