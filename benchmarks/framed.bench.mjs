#!/usr/bin/env node
// Length-delimited echo: @rt/util's Framed + LengthDelimitedCodec against the same protocol
// written by hand on @rt/net's read / writeAll (the baseline the issue sets: Framed should
// cost at most 1.1× of it) and against Node `net` with a hand-written framer, in the same
// run. Servers: benchmarks/framed-server.mjs, each in its own process; load: the C load
// generator of echo.bench (N connections, each sending one message and waiting for its echo).
//
// The load generator's messages are all 'x' (0x78), so they are frames of a 1-byte length
// field (120 → 121-byte messages) or of a 2-byte one (0x7878 = 30840 → 30842 bytes).
//
//   node benchmarks/framed.bench.mjs          (~40 s)
//   RT_BENCH_QUICK=1 node benchmarks/framed.bench.mjs   or --quick   (~10 s)
//   RT_FRAMED_ROUNDS=5 RT_FRAMED_CONFIGS=16x1,16x2 node benchmarks/framed.bench.mjs
//   RT_FRAMED_BEFORE=packages/util/.before/dist/index.js RT_FRAMED_MODES=hand,framed@before,framed node benchmarks/framed.bench.mjs
//     (MODE@before: that server on an older @rt/util build, a copy of its dist, in the same rounds)
//
// Prints msgs/s, server CPU µs per message (best round), and the ratios framed ÷ hand and
// framed ÷ net of the best rounds and, as a range, of each round (the four servers run back
// to back in every round)
// (CPU per message: lower is cheaper; compare it first on a shared machine), for Framed as
// is and with `borrowFrames` (the read buffer reused once a frame is done with).
// Needs: a C compiler (`cc`), the built packages (`pnpm build`), Linux.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildC, echoCell, loadgenResult, parseConfigs, runLoadgen } from './lib/loadgen.mjs';
import { cpuSecondsFine, cpuTimes, startPrintingPort } from './lib/proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const loadgen = buildC('loadgen');
// framed-copy / framed-borrow-copy: the same with every payload copied into the write buffer
// (send's path before it wrote payloads of 8 KiB or more from the frame); RT_FRAMED_MODES picks.
const modes = (process.env['RT_FRAMED_MODES'] ?? 'hand,framed,framed-borrow,framed-copy,framed-borrow-copy,net').split(',');
// [connections, length-field bytes]
// RT_FRAMED_CONFIGS="16x1,16x2" picks cells (connections × length-field bytes).
const configs = parseConfigs(process.env['RT_FRAMED_CONFIGS'], quick ? [[1, 1], [64, 1], [16, 2]] : [[1, 1], [16, 1], [64, 1], [1, 2], [16, 2]]);
const sizeOf = (field) => (field === 1 ? 1 + 0x78 : 2 + 0x7878);
const warmupMs = 300;
const measureMs = quick ? 800 : 1500;
const rounds = Number(process.env['RT_FRAMED_ROUNDS'] ?? (quick ? 1 : 3));

const results = new Map();
/** Every round's cell, for the per-round ratios (each round runs the servers back to back). */
const perRound = new Map();
for (const field of [...new Set(configs.map(([, f]) => f))]) {
  const running = [];
  for (const mode of modes) {
    // MODE@before: the same server on the @rt/util build at RT_FRAMED_BEFORE (as framed-callgrind.bench).
    const [serverMode, before] = mode.split('@');
    if (before !== undefined) {
      if (process.env['RT_FRAMED_BEFORE'] === undefined) throw new Error(`${mode}: set RT_FRAMED_BEFORE to the older build's index.js`);
      process.env['RT_UTIL_DIST'] = pathToFileURL(resolve(process.env['RT_FRAMED_BEFORE'])).href;
    }
    try {
      running.push({ mode, ...(await startPrintingPort(mode, process.execPath, [join(here, 'framed-server.mjs'), serverMode, String(field)])) });
    } finally {
      delete process.env['RT_UTIL_DIST'];
    }
  }
  try {
    for (const [connections] of configs.filter(([, f]) => f === field)) {
      for (let round = 0; round < rounds; round++) {
        for (const { mode, child, port } of running) {
          const cpuBefore = cpuSecondsFine(child.pid);
          const timesBefore = cpuTimes(child.pid);
          const run = runLoadgen(loadgen, { port, connections, size: sizeOf(field), warmupMs, measureMs });
          const cpu = cpuSecondsFine(child.pid) - cpuBefore;
          const timesAfter = cpuTimes(child.pid);
          const cell = echoCell(loadgenResult(run, mode), cpu, warmupMs, measureMs);
          // The user / system split (10 ms ticks): the kernel's share is the same work for every
          // server (one read and one write per message), the user share is where they differ.
          const user = timesAfter.user - timesBefore.user;
          const system = timesAfter.system - timesBefore.system;
          cell.userUs = (cell.cpuPerMessageUs * user) / (user + system || 1);
          cell.systemUs = (cell.cpuPerMessageUs * system) / (user + system || 1);
          const key = `${mode} ${connections} ${field}`;
          perRound.set(`${key} ${round}`, cell);
          // Keep each server's best round: other load on a shared machine only slows it.
          if (!results.has(key) || results.get(key).cpuPerMessageUs > cell.cpuPerMessageUs) results.set(key, cell);
        }
      }
    }
  } finally {
    for (const { child } of running) child.kill();
  }
}

const pad = (s, n) => String(s).padStart(n);
/** Per-round ratios of `mode` ÷ `other` (CPU per message; the servers ran back to back in each round), sorted. */
function roundRatios(mode, other, connections, field) {
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const a = perRound.get(`${mode} ${connections} ${field} ${round}`);
    const b = perRound.get(`${other} ${connections} ${field} ${round}`);
    if (a !== undefined && b !== undefined) ratios.push(a.cpuPerMessageUs / b.cpuPerMessageUs);
  }
  return ratios.sort((x, y) => x - y);
}
const rangeText = (sorted) => `${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}`;
console.log(`length-delimited echo on loopback${quick ? ' (quick)' : ''}: best of ${rounds} × ${measureMs} ms per cell after ${warmupMs} ms warm-up`);
console.log('CPU µs/msg: server CPU per message (lower is cheaper); cost ratios = CPU µs/msg of framed ÷ the other');
console.log(`${'server'.padEnd(20)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 11)}${pad('p50 µs', 9)}${pad('CPU µs/msg', 12)}${pad('user', 7)}${pad('sys', 7)}${pad('srv %', 7)}`);
for (const [connections, field] of configs) {
  for (const mode of modes) {
    const r = results.get(`${mode} ${connections} ${field}`);
    console.log(
      `${mode.padEnd(20)}${pad(connections, 6)}${pad(sizeOf(field), 7)}${pad(Math.round(r.perSecond), 11)}${pad(r.p50_us.toFixed(1), 9)}` +
        `${pad(r.cpuPerMessageUs.toFixed(2), 12)}${pad(r.userUs.toFixed(2), 7)}${pad(r.systemUs.toFixed(2), 7)}${pad(Math.round(r.serverCpu * 100), 7)}`,
    );
  }
  const hand = results.get(`hand ${connections} ${field}`);
  const net = results.get(`net ${connections} ${field}`);
  for (const mode of modes.filter((m) => m !== 'hand' && m !== 'net')) {
    const framed = results.get(`${mode} ${connections} ${field}`);
    if (framed === undefined || hand === undefined) continue;
    // The same ratio within each round (the servers ran back to back), as a range.
    const range = (other) => rangeText(roundRatios(mode, other, connections, field));
    const vsNet = net === undefined ? '' : `   ÷ net: ${(framed.cpuPerMessageUs / net.cpuPerMessageUs).toFixed(2)}× (rounds ${range('net')})`;
    console.log(
      `  ${mode} cost ÷ hand: ${(framed.cpuPerMessageUs / hand.cpuPerMessageUs).toFixed(2)}× (rounds ${range('hand')})${vsNet}` +
        `   (msgs/s ÷ hand: ${(framed.perSecond / hand.perSecond).toFixed(2)}${net === undefined ? '' : `, ÷ net: ${(framed.perSecond / net.perSecond).toFixed(2)}`})`,
    );
  }
  // New ÷ old: the direct payload write against the copying path, per round.
  for (const mode of ['framed', 'framed-borrow']) {
    const ours = results.get(`${mode} ${connections} ${field}`);
    const copy = results.get(`${mode}-copy ${connections} ${field}`);
    if (ours === undefined || copy === undefined) continue;
    const ratios = [];
    for (let round = 0; round < rounds; round++) {
      ratios.push(perRound.get(`${mode} ${connections} ${field} ${round}`).cpuPerMessageUs / perRound.get(`${mode}-copy ${connections} ${field} ${round}`).cpuPerMessageUs);
    }
    console.log(`  ${mode} cost ÷ ${mode}-copy: ${(ours.cpuPerMessageUs / copy.cpuPerMessageUs).toFixed(2)}× (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  }
}

// The like-for-like line (the issue's ≤ 1.1× target): `hand` reuses one buffer per connection
// and never hands a frame out, and `framed-borrow` has the same contract (a frame is valid until
// the next read). Plain `framed` hands out frames that stay valid for as long as they are kept,
// so each needs fresh memory (see the @rt/util README, "borrowFrames or not").
if (modes.includes('hand') && modes.includes('framed-borrow')) {
  console.log('');
  console.log('like-for-like (same buffer contract): Framed { borrowFrames: true } CPU per message ÷ hand (target ≤ 1.10×)');
  for (const [connections, field] of configs) {
    const borrow = results.get(`framed-borrow ${connections} ${field}`);
    const hand = results.get(`hand ${connections} ${field}`);
    const line = `  ${pad(sizeOf(field), 6)} B × ${String(connections).padEnd(3)} borrowFrames ÷ hand: best ${(borrow.cpuPerMessageUs / hand.cpuPerMessageUs).toFixed(2)}× (rounds ${rangeText(roundRatios('framed-borrow', 'hand', connections, field))})`;
    const plain = modes.includes('framed') ? `   [plain Framed, frames kept valid: rounds ${rangeText(roundRatios('framed', 'hand', connections, field))}]` : '';
    console.log(line + plain);
  }
}
