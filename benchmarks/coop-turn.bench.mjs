// What one forced yield of the cooperative budget costs (issue 16's mpsc rows, pass bq24): a loop
// of always-ready `coop()` operations (each spends one unit of the budget, and every 129th waits
// for the forced yield), outside any task, inside a task, and inside `unconstrained` (never
// yields); beside it the same turns with no rt code: a bare `await new Promise(r =>
// setImmediate(r))` loop, and an `await` of an already-resolved promise (a microtask yield). Each
// case in its own process, the order rotated each round; prints CPU ns per operation, and per
// forced turn the CPU above the unconstrained loop of the same round (µs per turn).
//
//   npx turbo run build && node benchmarks/coop-turn.bench.mjs [--rounds=5] [--n=5000000] [--nodes=/path/node20,/path/node24]
//   node benchmarks/coop-turn.bench.mjs --case=NAME [--n=N]    one case in this process, one JSON line
//
// Under callgrind (instructions per forced turn: the slope between two sizes, against `unconstrained`):
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/x.%p node benchmarks/coop-turn.bench.mjs --case=task --n=387000
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coop, Handle, spawn, unconstrained } from '@rt/scheduler';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const N = Number(arg('n', '5000000'));
const BUDGET = 128;

async function coopLoop(n) {
  for (let i = 0; i < n; i++) {
    const y = coop();
    if (y !== undefined) await y;
  }
}
const forcedYields = () => Handle.current().metrics().forcedYields;

const CASES = {
  /** Ready operations outside any task: one forced turn every 128 (the outside budget). */
  outside: (n) => coopLoop(n),
  /** The same in a task. */
  task: (n) => spawn(() => coopLoop(n)),
  /** The same in a task, `unconstrained`: no turn at all (the loop's own cost). */
  unconstrained: (n) => spawn(() => unconstrained(() => coopLoop(n))),
  /** No rt code: n iterations, a setImmediate turn every 128 (what the budget forces). */
  immediate: async (n) => {
    for (let i = 0; i < n; i++) if (i % (BUDGET + 1) === BUDGET) await new Promise((r) => setImmediate(r));
  },
  /** No rt code: n iterations, an await of a resolved promise every 128 (a microtask yield). */
  microtask: async (n) => {
    const resolved = Promise.resolve();
    for (let i = 0; i < n; i++) if (i % (BUDGET + 1) === BUDGET) await resolved;
  },
  /** No rt code: n iterations, nothing else (the loop's own cost without rt). */
  plain: async (n) => {
    let x = 0;
    for (let i = 0; i < n; i++) if (i % (BUDGET + 1) === BUDGET) x++;
    return x;
  },
};

const only = arg('case', undefined);
if (only !== undefined) {
  const run = CASES[only];
  if (run === undefined) throw new TypeError(`--case must be one of ${Object.keys(CASES).join(', ')}`);
  await run(Math.min(N / 10, 100000)); // warm-up
  const y0 = forcedYields();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(N);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const turns = forcedYields() - y0;
  console.log(JSON.stringify({ case: only, n: N, cpuNsPerOp: ((cpu.user + cpu.system) * 1000) / N, sysNsPerOp: (cpu.system * 1000) / N, wallNsPerOp: wallNs / N, forcedYields: turns }));
} else {
  const rounds = Number(arg('rounds', '5'));
  const nodes = arg('nodes', process.execPath).split(',');
  const names = Object.keys(CASES);
  const self = fileURLToPath(import.meta.url);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const per = Object.fromEntries(names.map((name) => [name, []]));
    const turnUs = { outside: [], task: [], immediate: [], microtask: [] };
    const load = [];
    for (let round = 0; round < rounds; round++) {
      load.push(loadavg()[0]);
      const order = names.map((_, i) => names[(i + round) % names.length]);
      if (round % 2 === 1) order.reverse();
      const got = {};
      for (const name of order) {
        const r = spawnSync(node, [self, `--case=${name}`, `--n=${N}`], { encoding: 'utf8', env: { ...process.env } });
        if (r.status !== 0) throw new Error(`${name}: ${r.stderr.slice(-1500)}`);
        got[name] = JSON.parse(r.stdout.trim().split('\n').pop());
        per[name].push(got[name].cpuNsPerOp);
      }
      const turns = N / (BUDGET + 1);
      for (const name of ['outside', 'task']) turnUs[name].push(((got[name].cpuNsPerOp - got.unconstrained.cpuNsPerOp) * N) / turns / 1000);
      for (const name of ['immediate', 'microtask']) turnUs[name].push(((got[name].cpuNsPerOp - got.plain.cpuNsPerOp) * N) / turns / 1000);
    }
    console.log(`\n${version}, ${rounds} rounds of ${N} operations, load ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
    for (const name of names) console.log(`  ${name.padEnd(18)} ${median(per[name]).toFixed(1).padStart(7)} ns/op CPU (${Math.min(...per[name]).toFixed(1)}–${Math.max(...per[name]).toFixed(1)})`);
    for (const name of Object.keys(turnUs)) {
      const xs = turnUs[name];
      console.log(`  per turn, ${name.padEnd(17)} ${median(xs).toFixed(2).padStart(6)} µs CPU (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})${name === 'immediate' || name === 'microtask' ? ' above plain' : ' above unconstrained'}`);
    }
  }
}
