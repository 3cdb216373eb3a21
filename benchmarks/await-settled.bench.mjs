// What the current-task context costs an `await` (issue 16): N awaits of an already-settled
// promise, inside a task against outside any task, on the Node that runs this file.
//
//   node benchmarks/await-settled.bench.mjs            (`npx turbo run build` first)
//   RT_BENCH_QUICK=1 node benchmarks/await-settled.bench.mjs
//
// Two kinds of child process, run alternately (plain, rt, plain, rt, ...), each measuring CPU
// time (process.cpuUsage) of its loops, best of its rounds:
// - plain: the loop with rt never loaded (no promise hooks, no AsyncLocalStorage frame);
// - rt: a runtime has run a task (the context machinery is on), then, alternating in the
//   same process, the loop outside any task and the same loop inside `runtime.run`.
// Ratios: in a task / outside any task (the target: ≤ 1.1× on Node 24/26, ≤ 1.3× on
// 20/22), and both / plain (what loading rt costs every await of the process).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const N = quick ? 500_000 : 2_000_000;
const ROUNDS = quick ? 3 : 6;
const PROCESSES = quick ? 1 : 3;
const SETTLED = Promise.resolve(1);

async function loop(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await SETTLED;
  if (sum !== n) throw new Error('await-settled: lost a value');
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function child(mode) {
  const best = {};
  const record = (key, ms) => {
    best[key] = Math.min(best[key] ?? Infinity, ms);
  };
  if (mode === 'plain') {
    for (let round = 0; round < ROUNDS; round++) {
      const start = cpuMs();
      await loop(N);
      record('plain', cpuMs() - start);
    }
  } else {
    const { Builder } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().build();
    await runtime.run(() => loop(1));
    for (let round = 0; round < ROUNDS; round++) {
      let start = cpuMs();
      await loop(N);
      record('outside', cpuMs() - start);
      start = cpuMs();
      await runtime.run(() => loop(N));
      record('task', cpuMs() - start);
    }
    await runtime.shutdown();
  }
  process.stdout.write(JSON.stringify(best) + '\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else {
  const self = fileURLToPath(import.meta.url);
  const runs = { plain: [], outside: [], task: [] };
  for (let p = 0; p < PROCESSES; p++) {
    for (const mode of ['plain', 'rt']) {
      const r = spawnSync(process.execPath, [self, '--child', mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) throw new Error(`await-settled: the ${mode} child failed (exit ${r.status})`);
      const best = JSON.parse(r.stdout.trim().split('\n').pop());
      for (const [key, ms] of Object.entries(best)) runs[key].push((ms * 1e6) / N);
    }
  }
  const range = (values, digits = 1) => {
    const low = Math.min(...values).toFixed(digits);
    const high = Math.max(...values).toFixed(digits);
    return low === high ? low : `${low}–${high}`;
  };
  const ratio = (a, b) => range(runs[a].map((v, i) => v / runs[b][i]), 2) + '×';
  console.log(`${N.toLocaleString('en')} awaits of a settled promise, Node ${process.version}, ${PROCESSES} pair(s) of processes, CPU ns per await (ranges over the pairs)`);
  console.table([
    { case: 'plain (rt not loaded)', 'ns/await': range(runs.plain), 'vs plain': '1×', 'vs outside a task': '' },
    { case: 'outside any task, rt loaded', 'ns/await': range(runs.outside), 'vs plain': ratio('outside', 'plain'), 'vs outside a task': '1×' },
    { case: 'inside a task', 'ns/await': range(runs.task), 'vs plain': ratio('task', 'plain'), 'vs outside a task': ratio('task', 'outside') },
  ]);
}
