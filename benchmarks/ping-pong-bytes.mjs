#!/usr/bin/env node
// Bytes allocated per round trip of scheduler.bench.mjs's ping-pong cases, with the plain promise
// ping-pong of the same node binary as the baseline. On this 2-core machine one byte allocated per
// round trip costs about as much CPU as 4-5 instructions (scheduler README, ping-pong pass 4), so
// this is the count that, with ping-pong-callgrind.bench.mjs's instructions, explains the CPU ratio.
//
// Each case runs in `node scheduler.bench.mjs --case NAME` with V8's --trace-gc-nvp (one line per
// collection, with the bytes `allocated` since the previous one) and --single-threaded --random-seed=1
// (so the JIT finishes at the same point in every run: when escape analysis starts removing an
// allocation moves the total), twice: 3N and then N × 1,000 round trips. Bytes per round trip =
// (sum of allocated at 3N - the same at N) ÷ (2N × 1,000): start-up and warm-up cancel out.
//
//   node benchmarks/ping-pong-bytes.mjs
//   RT_PP_BYTES_CASES="promise ping-pong;rt ping-pong" RT_PP_BYTES_N=400 RT_PP_BYTES_NODES=/path/to/node24 node benchmarks/ping-pong-bytes.mjs
//
// Needs the built packages (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASELINE = 'promise ping-pong';
// Case names hold commas: the list is separated by semicolons.
const cases = (process.env['RT_PP_BYTES_CASES'] ?? `${BASELINE};promise ping-pong in rt tasks;rt ping-pong;rt oneshot ping-pong;promise ping-pong, awaited sends, in rt tasks;rt mpsc(1) ping-pong`).split(';');
if (!cases.includes(BASELINE)) cases.unshift(BASELINE);
const N = Number(process.env['RT_PP_BYTES_N'] ?? 400);
const nodes = (process.env['RT_PP_BYTES_NODES'] ?? process.execPath).split(',');

/** Bytes V8 reports allocated over a run of `name` with `repeat` × 1,000 round trips. */
function allocated(node, name, repeat) {
  const child = spawnSync(node, ['--single-threaded', '--random-seed=1', '--trace-gc-nvp', join(here, 'scheduler.bench.mjs'), '--case', name], {
    env: { ...process.env, RT_BENCH_PING_REPEAT: String(repeat), RT_BENCH_REPS: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (child.status !== 0) throw new Error(`${name} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  let sum = 0;
  // Node 20-24 print `allocated=N`, Node 26 one JSON object per collection (`"allocated":N`).
  for (const match of child.stdout.matchAll(/(?: allocated=|"allocated":)(\d+)/g)) sum += Number(match[1]);
  if (sum === 0) throw new Error(`${name}: no --trace-gc-nvp line with allocated= (too few round trips for a collection?)`);
  return sum;
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nping-pong bytes allocated, Node ${version}: per round trip = (A(${3 * N},000) - A(${N},000)) ÷ ${2 * N},000`);
  const rows = [];
  let base;
  for (const name of cases) {
    const perTrip = (allocated(node, name, 3 * N) - allocated(node, name, N)) / (2 * N * 1000);
    if (name === BASELINE) base = perTrip;
    rows.push({ case: name, 'bytes/round trip': Math.round(perTrip), [`ratio vs ${BASELINE}`]: (perTrip / base).toFixed(2) + 'x' });
  }
  console.table(rows);
}
