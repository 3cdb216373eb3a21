#!/usr/bin/env node
// Instructions per task of scheduler.bench.mjs's spawn + join cases, counted by callgrind, so a
// few % can be told apart on a loaded machine where CPU time cannot.
//
// Each case runs in `node scheduler.bench.mjs --case NAME` under `valgrind --tool=callgrind`
// (V8 run with --single-threaded --predictable-gc-schedule, so GC and compilation land the same
// way from run to run) twice: N and then 2N tasks. Instructions per task = (I(2N) - I(N)) ÷ N:
// start-up, JIT warm-up and exit cancel out. The ratio column is against `promise-all` (the
// same async calls joined with Promise.all) of the same node binary.
//
//   node benchmarks/spawn-callgrind.bench.mjs
//   RT_SPAWN_CG_CASES="promise-all;rt spawn" RT_SPAWN_CG_N=50000 RT_SPAWN_CG_NODES=/path/to/node24 node benchmarks/spawn-callgrind.bench.mjs
//
// Needs valgrind, Linux, the built packages (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';

const here = dirname(fileURLToPath(import.meta.url));
requireValgrind('spawn-callgrind.bench');
const BASELINE = 'promise-all';
const cases = (process.env['RT_SPAWN_CG_CASES'] ?? `${BASELINE};promise-all over thenables;rt spawn;rt JoinSet.joinAll;rt spawn (in a task)`).split(';');
if (!cases.includes(BASELINE)) cases.unshift(BASELINE);
const N = Number(process.env['RT_SPAWN_CG_N'] ?? 50_000);
const nodes = (process.env['RT_SPAWN_CG_NODES'] ?? process.execPath).split(',');

/** Instructions `node` executes running `name` with `n` tasks (one repetition). */
function instructions(node, name, n) {
  return callgrindInstructions(node, join(here, 'scheduler.bench.mjs'), ['--case', name], { RT_BENCH_SPAWN_N: String(n), RT_BENCH_REPS: '1' });
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nspawn + join under callgrind, Node ${version}: instructions per task = (I(${2 * N}) - I(${N})) ÷ ${N}`);
  const rows = [];
  let base;
  for (const name of cases) {
    const perTask = (instructions(node, name, 2 * N) - instructions(node, name, N)) / N;
    if (name === BASELINE) base = perTask;
    rows.push({ case: name, 'instructions/task': Math.round(perTask), [`ratio vs ${BASELINE}`]: (perTask / base).toFixed(2) + 'x' });
  }
  console.table(rows);
}
