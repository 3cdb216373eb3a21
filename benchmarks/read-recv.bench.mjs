#!/usr/bin/env node
// read(2) against recv(2) on a loopback TCP socket (benchmarks/c/read-recv.c): the kernel's extra
// cost of reading a socket through the VFS, per call, in alternating blocks of one process, over
// RT_READ_RECV_RUNS runs (default 5). @rt/mio-native reads sockets with recv (pass lg28), as mio
// (Tokio) does; this is the figure that change rests on.
//
//   node benchmarks/read-recv.bench.mjs
import { spawnSync } from 'node:child_process';
import { buildC } from './lib/loadgen.mjs';

const bin = buildC('read-recv');
const runs = Number(process.env['RT_READ_RECV_RUNS'] ?? 5);
const results = [];
for (let run = 0; run < runs; run++) {
  const child = spawnSync(bin, ['20', '20000'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`read-recv failed: ${child.stderr}`);
  results.push(JSON.parse(child.stdout));
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log('one iteration = send 64 B, read or recv it on the other end, echo it with send, recv it back; thread CPU ns');
for (const [i, r] of results.entries()) console.log(`  run ${i + 1}: read ${r.read_ns.toFixed(0)} ns, recv ${r.recv_ns.toFixed(0)} ns, read − recv ${r.diff_ns.toFixed(0)} ns`);
const diffs = results.map((r) => r.diff_ns);
console.log(`read − recv per call: median ${median(diffs).toFixed(0)} ns (${Math.min(...diffs).toFixed(0)} to ${Math.max(...diffs).toFixed(0)}); recv ÷ read of the iteration: ${median(results.map((r) => r.recv_ns / r.read_ns)).toFixed(3)}`);
