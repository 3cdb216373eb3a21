#!/usr/bin/env node
// Instructions per operation of sync.bench.mjs's issue-16 rows and their baselines, counted by
// callgrind, so a few % can be told apart on a loaded machine where CPU time cannot.
//
// Each case runs as `node sync.bench.mjs --case=NAME` with SYNC_BENCH_N=N and SYNC_BENCH_WINDOW=1
// under `valgrind --tool=callgrind` (V8 with --single-threaded --predictable-gc-schedule): a full
// GC, SYNC_BENCH_WARMUPS (8) warm-up runs of the case, then one counted run of N operations
// between two dumps (`callgrindWindow` in benchmarks/lib/callgrind.mjs, as locks-callgrind.mjs
// counts). Instructions per operation = the window's ÷ N: no start-up, compilation or exit in it.
// (Until pass dr32 this was (I(2N) - I(N)) ÷ N of two whole runs, which moved with how much of the
// loop a major GC's incremental marking, left by start-up and stepped by wall time, overlapped;
// sync README, passes sm31 and dr32.) An operation is
// a message (mpsc), an acquire + release (locks), a send seen by all 100 receivers (broadcast,
// watch: divide by 100 for one receiver). The ratio column is baseline ÷ rt (above 1: rt is
// cheaper), as sync.bench.mjs prints its CPU ratio.
//
//   node benchmarks/sync-callgrind.bench.mjs
//   RT_SYNC_CG_ROWS=unbounded,locks RT_SYNC_CG_NODES=/path/to/node24 node benchmarks/sync-callgrind.bench.mjs
//
// Needs valgrind, Linux, the built packages (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindWindow, requireValgrind } from './lib/callgrind.mjs';

const here = dirname(fileURLToPath(import.meta.url));
requireValgrind('sync-callgrind.bench');
// [row key, rt case, baseline case, N]
const ROWS = [
  ['spsc', 'mpsc/rt send+recv', 'mpsc/baseline array+promise queue, same two rt tasks', 100_000],
  ['unbounded', 'mpsc/rt unbounded send+recv', 'mpsc/baseline unbounded array+promise queue, same two rt tasks', 100_000],
  ['4producers', 'mpsc/rt 4 producers, capacity 1024', 'mpsc/baseline array+promise queue, 4 producers', 100_000],
  ['4producers', 'mpsc/rt unbounded, 4 producers', 'mpsc/baseline unbounded array+promise queue, 4 producers', 100_000],
  ['locks', 'locks/rt Semaphore(1) uncontended', 'locks/plain promise semaphore(1) uncontended', 100_000],
  ['locks', 'locks/rt Mutex uncontended', 'locks/plain promise semaphore(1) uncontended', 100_000],
  ['broadcast', 'fanout/rt broadcast 1→100', 'fanout/baseline 100 array+promise queues in rt tasks', 2_000],
  ['watch', 'fanout/rt watch 1→100', 'fanout/baseline latest value + shared promise', 1_000],
];
const only = process.env['RT_SYNC_CG_ROWS']?.split(',');
const nodes = (process.env['RT_SYNC_CG_NODES'] ?? process.execPath).split(',');
const scaleN = Number(process.env['RT_SYNC_CG_SCALE'] ?? 1);

/** Instructions `node` executes in the counted run of case `name` with SYNC_BENCH_N=n. */
function instructions(node, name, n) {
  return callgrindWindow(node, join(here, 'sync.bench.mjs'), [`--case=${name}`], { SYNC_BENCH_N: String(n), SYNC_BENCH_WINDOW: '1' }).total;
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n@rt/sync under callgrind, Node ${version}: instructions per operation in a counted window of N operations after warm-up`);
  const rows = [];
  const memo = new Map();
  const perOp = (name, n) => {
    const key = `${name}@${n}`;
    if (!memo.has(key)) memo.set(key, instructions(node, name, n) / n);
    return memo.get(key);
  };
  for (const [key, rt, baseline, n0] of ROWS) {
    if (only !== undefined && !only.includes(key)) continue;
    const n = Math.round(n0 * scaleN);
    const ours = perOp(rt, n);
    const theirs = perOp(baseline, n);
    rows.push({ case: rt, N: n, 'rt instr/op': Math.round(ours), baseline: baseline.split('/')[1], 'baseline instr/op': Math.round(theirs), 'baseline ÷ rt': (theirs / ours).toFixed(2) + 'x' });
  }
  console.table(rows);
}
