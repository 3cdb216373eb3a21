#!/usr/bin/env node
// Instructions per uncontended acquire + release (issue 16's lock row), counted by callgrind:
// rt's Semaphore(1) and Mutex, the hand-written promise semaphore they are measured against, and
// the floor (that semaphore with the setImmediate turn every 128 acquires rt's cooperative budget
// forces), each `node sync.bench.mjs --case=…` with SYNC_BENCH_N = N and 2N, per operation
// (I(2N) - I(N)) ÷ N: start-up and warm-up cancel out (see benchmarks/lib/callgrind.mjs).
// With --functions, also where each case's instructions go: callgrind's self count per function
// at 2N minus at N, per operation, JIT code named from V8's perf map (--perf-basic-prof).
//
//   node benchmarks/locks-callgrind.mjs [--functions] [--n=100000] [--cases=sem,mutex,plain,floor,permitfloor]
//   RT_LOCKS_CG_NODES=/path/node24,/path/node26 node benchmarks/locks-callgrind.mjs
//
// Needs valgrind, Linux, the built packages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALLGRIND_V8_FLAGS, annotate, callgrindInstructions, dumpTotal, jitNamer, requireValgrind } from './lib/callgrind.mjs';

const here = dirname(fileURLToPath(import.meta.url));
requireValgrind('locks-callgrind');
const CASES = {
  sem: 'locks/rt Semaphore(1) uncontended',
  mutex: 'locks/rt Mutex uncontended',
  plain: 'locks/plain promise semaphore(1) uncontended',
  floor: 'locks/floor: plain promise semaphore(1), a setImmediate turn every 128 acquires',
  permitfloor: 'locks/floor: promise semaphore(1) resolving a fresh permit, a setImmediate turn every 128 acquires',
};
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '100000'));
const keys = arg('cases', Object.keys(CASES).join(',')).split(',');
const functions = process.argv.includes('--functions');
const nodes = (process.env['RT_LOCKS_CG_NODES'] ?? process.execPath).split(',');
const script = join(here, 'sync.bench.mjs');

/** Self instructions per function name of one run (JIT code named from the run's perf map), and the total. */
function byFunction(node, name, count) {
  const dir = mkdtempSync(join(tmpdir(), 'rt-locks-cg-'));
  const out = join(dir, 'callgrind.out');
  try {
    const child = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, node, ...CALLGRIND_V8_FLAGS, '--perf-basic-prof', script, `--case=${name}`], {
      env: { ...process.env, SYNC_BENCH_N: String(count) },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${name} under callgrind exited ${child.status}: ${child.stderr.slice(-2000)}`);
    const pid = Number(/==(\d+)==/.exec(child.stderr)?.[1]);
    const named = jitNamer(pid);
    const counts = new Map();
    for (const line of annotate(out, false).split('\n')) {
      const m = /^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(.*\S)\s*$/.exec(line);
      if (m === null || /PROGRAM TOTALS/.test(line)) continue;
      // A JIT function's name without its address; a binary's function without its file.
      const fn = named(m[2]).replace(/^.*?:(?=[A-Za-z_])/, '').replace(/ \[.*\]$/, '');
      counts.set(fn, (counts.get(fn) ?? 0) + Number(m[1].replace(/,/g, '')));
    }
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
    return { total: dumpTotal(out), counts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nuncontended acquire + release under callgrind, Node ${version}, N = ${n}: instructions per operation = (I(2N) - I(N)) ÷ N`);
  const rows = [];
  let plain;
  for (const key of keys) {
    const name = CASES[key];
    if (!functions) {
      const perOp = (callgrindInstructions(node, script, [`--case=${name}`], { SYNC_BENCH_N: String(2 * n) }) - callgrindInstructions(node, script, [`--case=${name}`], { SYNC_BENCH_N: String(n) })) / n;
      if (key === 'plain') plain = perOp;
      rows.push({ case: name, 'instr/op': Math.round(perOp) });
      continue;
    }
    const a = byFunction(node, name, n);
    const b = byFunction(node, name, 2 * n);
    const perOp = (b.total - a.total) / n;
    if (key === 'plain') plain = perOp;
    rows.push({ case: name, 'instr/op': Math.round(perOp) });
    const diff = [];
    for (const [fn, count] of b.counts) diff.push([(count - (a.counts.get(fn) ?? 0)) / n, fn]);
    diff.sort((x, y) => y[0] - x[0]);
    console.log(`\n${name}: ${Math.round(perOp)} per operation; functions with ≥ 5 per operation:`);
    for (const [perFn, fn] of diff) if (Math.abs(perFn) >= 5) console.log(`${perFn.toFixed(0).padStart(8)}  ${fn.slice(0, 120)}`);
  }
  if (plain !== undefined) for (const row of rows) row['÷ plain'] = (row['instr/op'] / plain).toFixed(2) + 'x';
  console.table(rows);
}
