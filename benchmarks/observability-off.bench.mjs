// What the diagnostics_channel checks cost when nobody listens (issue 19: "with no subscriber the
// cost is a hasSubscribers check: the echo, spawn and mpsc benchmarks move <= 2%").
//
// Three builds of the same workloads, each in its own process:
//
//   stripped    the baseline: a copy of the built packages (@rt/scheduler and everything the
//               workloads load that imports it) with every `xxxChannel.hasSubscribers` read
//               replaced by `false`, i.e. rt as it would be without the diagnostics_channel
//               events. The copy is made at each run from the packages' dist, so it is always
//               the same code as the real build minus those reads.
//   off         the real build, nobody subscribed: what every program pays.
//   subscribed  the real build with a subscriber on every rt:task:* channel and the
//               rt:net:accept/connect tracing channels (a counter).
//
// Printed: instruction counts under valgrind's callgrind (nearly noise-free on a loaded machine:
// the workload's instructions, i.e. a run of N operations minus a run of 0 with the same setup, with V8's
// --single-threaded so that compilation and GC happen on the measured thread), then the CPU time
// (process.cpuUsage) over alternating rounds, best-vs-best and per-round ratios against
// "stripped".
//
//   node benchmarks/observability-off.bench.mjs [--quick] [--no-callgrind] [--only=spawn|mpsc|echo]   (pnpm build first)
//
// Workloads: those of observability.bench.mjs (benchmarks/lib/observability-workloads.mjs).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import diagnostics_channel from 'node:diagnostics_channel';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { subscribeEverything, workloads } from './lib/observability-workloads.mjs';

const self = fileURLToPath(import.meta.url);
const packagesDir = fileURLToPath(new URL('../packages/', import.meta.url));
const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const REPS = quick ? 5 : 7;
/** Operations per CPU round, and (smaller: valgrind runs ~50x slower) per callgrind run. */
const COUNTS = {
  spawn: { cpu: quick ? 100_000 : 300_000, callgrind: 100_000 },
  mpsc: { cpu: quick ? 50_000 : 200_000, callgrind: quick ? 50_000 : 200_000 },
  echo: { cpu: quick ? 5_000 : 20_000, callgrind: quick ? 1_000 : 2_000 },
};
const modes = ['stripped', 'off', 'subscribed'];
const labels = { stripped: 'stripped (no hasSubscribers reads)', off: 'real, nobody subscribed', subscribed: 'real, a subscriber on every channel' };

/** The @rt packages `names` need, transitively (from their package.json dependencies). */
function closure(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (dep.startsWith('@rt/')) visit(dep.slice(4));
  };
  names.forEach(visit);
  return [...seen];
}

function* jsFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (path.endsWith('.js')) yield path;
  }
}

const HAS_SUBSCRIBERS = /\b[A-Za-z_$][\w$]*\.hasSubscribers\b/g;

/**
 * A copy of the built packages under ROOT/node_modules/@rt with every `x.hasSubscribers` read
 * replaced by `false`; returns ROOT and how many reads were replaced.
 */
function strippedCopy() {
  const root = mkdtempSync(join(tmpdir(), 'rt-no-channels-'));
  let replaced = 0;
  for (const name of closure(['scheduler', 'sync', 'net'])) {
    const from = join(packagesDir, name);
    const to = join(root, 'node_modules', '@rt', name);
    cpSync(join(from, 'package.json'), join(to, 'package.json'));
    for (const dir of ['dist', 'prebuilds', 'build']) {
      if (existsSync(join(from, dir))) cpSync(join(from, dir), join(to, dir), { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.tsbuildinfo') });
    }
    for (const file of jsFiles(join(to, 'dist'))) {
      const text = readFileSync(file, 'utf8');
      const stripped = text.replace(HAS_SUBSCRIBERS, () => {
        replaced++;
        return 'false';
      });
      if (stripped !== text) writeFileSync(file, stripped);
    }
  }
  return { root, replaced };
}

async function load(root) {
  const entry = (name) => (root === '' ? `@rt/${name}` : pathToFileURL(join(root, 'node_modules', '@rt', name, 'dist', 'index.js')).href);
  return Promise.all(['scheduler', 'sync', 'net'].map((name) => import(entry(name))));
}

async function child(workload, mode, n, root) {
  const [scheduler, sync, net] = await load(mode === 'stripped' ? root : '');
  if (mode === 'subscribed') subscribeEverything(diagnostics_channel);
  const runtime = scheduler.Builder.currentThread().enableAll().build();
  const cpu = process.cpuUsage();
  // n = 0 runs the same setup (a runtime.run, for echo the bind, accept and connect) with no operations.
  await workloads[workload](runtime, scheduler, n, sync, net);
  const used = process.cpuUsage(cpu);
  await runtime.shutdown();
  process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 }));
}

function run(args, valgrind) {
  const argv = [...(valgrind ? ['--single-threaded', '--predictable-gc-schedule'] : []), self, '--child', ...args];
  if (!valgrind) {
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout).cpuMs;
  }
  const out = join(tmpdir(), `rt-callgrind-${process.pid}.out`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  rmSync(out, { force: true });
  const collected = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || collected === null) throw new Error(`callgrind ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return Number(collected[1]);
}

const ratio = (value, base) => `${(value / base).toFixed(4)}x (${value >= base ? '+' : ''}${((value / base - 1) * 100).toFixed(2)} %)`;

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], Number(process.argv[5]), process.argv[6]);
} else {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const useCallgrind = !process.argv.includes('--no-callgrind') && spawnSync('valgrind', ['--version']).status === 0;
  const { root, replaced } = strippedCopy();
  try {
    console.log(`diagnostics_channel checks with nobody listening (Node ${process.version}${quick ? ', quick' : ''}); baseline: the same build with its ${replaced} hasSubscribers reads replaced by false`);
    for (const workload of Object.keys(workloads)) {
      if (only !== undefined && only !== workload) continue;
      const { cpu: cpuN, callgrind: cgN } = COUNTS[workload];
      if (useCallgrind) {
        const per = modes.map((mode) => run([workload, mode, String(cgN), root], true) - run([workload, mode, '0', root], true));
        console.log(`${workload}, ${cgN} ops under callgrind: instructions per op (a run of ${cgN} minus a run of 0)`);
        modes.forEach((mode, i) => console.log(`  ${labels[mode].padEnd(38)} ${(per[i] / cgN).toFixed(0).padStart(8)}  ${ratio(per[i], per[0])}`));
      }
      const rounds = modes.map(() => []);
      for (let rep = 0; rep < REPS; rep++) modes.forEach((mode, i) => rounds[i].push(run([workload, mode, String(cpuN), root], false)));
      const base = rounds[0];
      console.log(`${workload}, ${cpuN} ops, CPU ms over ${REPS} alternating rounds (fresh process each): best, ratio best-vs-best, per-round ratio range`);
      modes.forEach((mode, i) => {
        const values = rounds[i];
        const perRound = values.map((v, r) => v / base[r]);
        console.log(
          `  ${labels[mode].padEnd(38)} ${Math.min(...values).toFixed(1).padStart(8)} ms  ${(Math.min(...values) / Math.min(...base)).toFixed(3)}x  (per round ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x)`,
        );
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
