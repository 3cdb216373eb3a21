#!/usr/bin/env node
// Instructions per uncontended acquire + release (issue 16's lock row), counted by callgrind: rt's
// Semaphore(1), Mutex and RwLock (write, read: pass dr32), the hand-written promise semaphore they
// are measured against, and the floors (that semaphore with the setImmediate turn every 128
// acquires rt's cooperative budget forces; and the same resolving a fresh permit object), each
// `node sync.bench.mjs --case=…` with SYNC_BENCH_N = N and SYNC_BENCH_WINDOW=1: a full GC, eight
// warm-up runs of the case, then one counted run of N operations between two dumps
// (`callgrindWindow` in benchmarks/lib/callgrind.mjs): the window's instructions ÷ N, no start-up,
// compilation or exit in it. (Until pass sm31 this was (I(2N) − I(N)) ÷ N of two whole runs, which
// read one tree 471–2,181: start-up leaves a major GC whose incremental marking, stepped by wall
// time, overlapped the loop for a varying stretch, with its write barrier on every store; sync
// README, "pass sm31".)
// With --functions, also where each case's instructions go: callgrind's self count per function in
// the window, per operation, JIT code named from V8's perf map (--perf-basic-prof).
//
//   node benchmarks/locks-callgrind.mjs [--functions] [--n=100000] [--cases=sem,mutex,rwwrite,rwread,plain,floor,permitfloor] [--tree=/other/worktree]
//   RT_LOCKS_CG_NODES=/path/node24,/path/node26 node benchmarks/locks-callgrind.mjs
//
// --tree runs that worktree's build with this script's sync.bench.mjs (copied into its benchmarks/
// as sync-window.bench.mjs when it has no SYNC_BENCH_WINDOW), to count an older build the same way.
// Needs valgrind, Linux, the built packages.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annotate, callgrindWindow, jitNamer, requireValgrind } from './lib/callgrind.mjs';

const here = dirname(fileURLToPath(import.meta.url));
requireValgrind('locks-callgrind');
const CASES = {
  sem: 'locks/rt Semaphore(1) uncontended',
  mutex: 'locks/rt Mutex uncontended',
  rwwrite: 'locks/rt RwLock write uncontended',
  rwread: 'locks/rt RwLock read uncontended',
  plain: 'locks/plain promise semaphore(1) uncontended',
  floor: 'locks/floor: plain promise semaphore(1), a setImmediate turn every 128 acquires',
  permitfloor: 'locks/floor: promise semaphore(1) resolving a fresh permit, a setImmediate turn every 128 acquires',
};
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '100000'));
const keys = arg('cases', Object.keys(CASES).join(',')).split(',');
const functions = process.argv.includes('--functions');
const nodes = (process.env['RT_LOCKS_CG_NODES'] ?? process.execPath).split(',');
const tree = arg('tree', undefined);
let script = join(here, 'sync.bench.mjs');
if (tree !== undefined) {
  const theirs = join(resolve(tree), 'benchmarks', 'sync.bench.mjs');
  if (!readFileSync(theirs, 'utf8').includes('SYNC_BENCH_WINDOW')) {
    script = join(resolve(tree), 'benchmarks', 'sync-window.bench.mjs');
    copyFileSync(join(here, 'sync.bench.mjs'), script);
  } else script = theirs;
}

/** Self instructions per function name in one case's window (JIT code named from the run's perf map). */
function selfCounts(dump, pid) {
  const named = jitNamer(pid);
  const counts = new Map();
  for (const line of annotate(dump, false).split('\n')) {
    const m = /^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(.*\S)\s*$/.exec(line);
    if (m === null || /PROGRAM TOTALS/.test(line)) continue;
    // A JIT function's name without its address; a binary's function without its file.
    const fn = named(m[2]).replace(/^.*?:(?=[A-Za-z_])/, '').replace(/ \[.*\]$/, '');
    counts.set(fn, (counts.get(fn) ?? 0) + Number(m[1].replace(/,/g, '')));
  }
  return counts;
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nuncontended acquire + release under callgrind, Node ${version}${tree === undefined ? '' : `, ${tree}`}: instructions per operation in a counted window of N = ${n} after warm-up`);
  const rows = [];
  let plain;
  for (const key of keys) {
    const name = CASES[key];
    const { total, inspected } = callgrindWindow(node, script, [`--case=${name}`], { SYNC_BENCH_N: String(n), SYNC_BENCH_WINDOW: '1' }, { perfMap: functions, inspect: functions ? selfCounts : undefined });
    const perOp = total / n;
    if (key === 'plain') plain = perOp;
    rows.push({ case: name, 'instr/op': Math.round(perOp) });
    if (!functions) continue;
    const rowsFn = [...inspected].map(([fn, count]) => [count / n, fn]).sort((x, y) => y[0] - x[0]);
    console.log(`\n${name}: ${Math.round(perOp)} per operation; functions with ≥ 5 per operation (self):`);
    // The frames below the event loop hold (nearly) the whole window: left out.
    for (const [perFn, fn] of rowsFn) if (perFn >= 5 && perFn < 0.98 * perOp) console.log(`${perFn.toFixed(0).padStart(8)}  ${fn.slice(0, 120)}`);
  }
  if (plain !== undefined) for (const row of rows) row['÷ plain'] = (row['instr/op'] / plain).toFixed(2) + 'x';
  console.table(rows);
}
