#!/usr/bin/env node
// Instructions per round trip of scheduler.bench.mjs's ping-pong cases, counted by callgrind, so
// a few % can be told apart on a loaded machine where CPU time cannot.
//
// Each case runs in `node scheduler.bench.mjs --case NAME` under `valgrind --tool=callgrind`
// (V8 run with --single-threaded --predictable-gc-schedule, so GC and compilation land the
// same way from run to run) twice: N and then 2N × 1,000 round trips. Instructions per round
// trip = (I(2N) - I(N)) ÷ (N × 1,000): start-up, JIT warm-up and exit cancel out. The ratio
// column is against `promise ping-pong` of the same node binary.
//
//   node benchmarks/ping-pong-callgrind.bench.mjs
//   RT_PP_CG_CASES="promise ping-pong;rt ping-pong" RT_PP_CG_N=60 RT_PP_CG_NODES=/path/to/node24 node benchmarks/ping-pong-callgrind.bench.mjs
//
// RT_PP_CG_GC=natural runs V8 without --predictable-gc-schedule, which fixes the young
// generation's semi-space at 4 MB: a plain run sizes it by what survives, and in these cases keeps
// 1 MB (plain ping-pong), 2 MB (`park()`) or 4 MB (`oneshot`), so the scavenges (each scanning
// V8's roots, most of it the startup object cache, `IterateObjectCache`) come as often as in
// `scheduler.bench.mjs`. Repeatable for one build (--single-threaded and --random-seed=1 stay),
// but not a comparison of two builds: a small change can move when V8 grows the young generation
// or when a function is optimized, and the count by hundreds (see the scheduler README, ping-pong
// pass 4).
//
// Needs valgrind, Linux, the built packages (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALLGRIND_V8_FLAGS, callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';

const here = dirname(fileURLToPath(import.meta.url));
requireValgrind('ping-pong-callgrind.bench');
const BASELINE = 'promise ping-pong';
// Case names hold commas: the list is separated by semicolons.
const cases = (process.env['RT_PP_CG_CASES'] ?? `${BASELINE};promise ping-pong in rt tasks;rt ping-pong;rt oneshot ping-pong;promise ping-pong, awaited sends, in rt tasks;rt mpsc(1) ping-pong`).split(';');
if (!cases.includes(BASELINE)) cases.unshift(BASELINE);
// At 20 (20,000 round trips) compilation and GC timing moved a case by ±500 instructions per round trip.
const N = Number(process.env['RT_PP_CG_N'] ?? 60);
const nodes = (process.env['RT_PP_CG_NODES'] ?? process.execPath).split(',');
const naturalGc = process.env['RT_PP_CG_GC'] === 'natural';
const v8Flags = naturalGc ? CALLGRIND_V8_FLAGS.filter((flag) => flag !== '--predictable-gc-schedule') : CALLGRIND_V8_FLAGS;

/** Instructions `node` executes running `name` with `repeat` × 1,000 round trips. */
function instructions(node, name, repeat) {
  return callgrindInstructions(node, join(here, 'scheduler.bench.mjs'), ['--case', name], { RT_BENCH_PING_REPEAT: String(repeat), RT_BENCH_REPS: '1' }, v8Flags);
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nping-pong under callgrind, Node ${version}${naturalGc ? ', natural GC schedule' : ''}: instructions per round trip = (I(${2 * N},000) - I(${N},000)) ÷ ${N},000`);
  const rows = [];
  let base;
  for (const name of cases) {
    const perTrip = (instructions(node, name, 2 * N) - instructions(node, name, N)) / (N * 1000);
    if (name === BASELINE) base = perTrip;
    rows.push({ case: name, 'instructions/round trip': Math.round(perTrip), [`ratio vs ${BASELINE}`]: (perTrip / base).toFixed(2) + 'x' });
  }
  console.table(rows);
}
