#!/usr/bin/env node
// TCP echo ping-pong: rt (an echo server on @rt/reactor + @rt/mio-native) against Node's
// `net` (the baseline) and the same server in C (the ceiling), in the same run, driven by
// a C load generator (benchmarks/c/loadgen.c). Each server runs in its own process; the
// load generator runs N connections, each sending one message and waiting for its echo.
//
// Prints, per server and per (connections × message size): messages/s, p50/p99 round
// trip, server CPU per message (from /proc/<pid>/stat), the CPU use of the server and of
// the load generator (to show which one limits the rate), and the ratio to `net`. On a
// shared machine compare CPU per message first: messages/s move with other load.
//
//   node benchmarks/echo.bench.mjs            full run (~100 s)
//   RT_BENCH_QUICK=1 node benchmarks/echo.bench.mjs   or  --quick   (~15 s)
//   RT_ECHO_CONFIGS=1x64,64x16384 node benchmarks/echo.bench.mjs   chosen cells only
//
// Needs: a C compiler (`cc`), the built packages (`npx tsc -b packages/reactor` and the
// addon), Linux.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const bin = join(here, 'bin');
mkdirSync(bin, { recursive: true });

function build(name) {
  const source = join(here, 'c', `${name}.c`);
  const target = join(bin, name);
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-o', target, source], { stdio: 'inherit' });
  }
  return target;
}

const loadgen = build('loadgen');
const cServer = build('echo-server');
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const servers = [
  { name: 'net', command: process.execPath, args: [join(here, 'echo-net-server.mjs')] },
  { name: 'rt', command: process.execPath, args: [join(here, 'echo-rt-server.mjs')] },
  { name: 'C', command: cServer, args: [] },
];
// RT_ECHO_CONFIGS="1x64,64x16384" picks the cells (connections x bytes).
const configs = process.env['RT_ECHO_CONFIGS']
  ? process.env['RT_ECHO_CONFIGS'].split(',').map((cell) => cell.split('x').map(Number))
  : quick
    ? [[1, 64], [64, 64], [64, 16384]]
    : [[1, 64], [16, 64], [64, 64], [1, 16384], [16, 16384], [64, 16384]];
const warmupMs = quick ? 300 : 300;
const measureMs = quick ? 1000 : 1500;
// Each cell runs this many rounds (net, rt, C, net, rt, C, …) and keeps each server's best
// round: the machine is shared, and other load only ever makes a server look slower.
const rounds = Number(process.env['RT_ECHO_ROUNDS'] ?? (quick ? 1 : 3));

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime + stime
}

async function startServer(server) {
  const child = spawn(server.command, server.args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('exit', (code) => reject(new Error(`${server.name} server exited (${code})`)));
  });
  return { child, port };
}

// All servers start first; each cell then runs net, rt and C back to back, so a change in
// the (shared, noisy) machine's load hits the three alike.
const running = [];
for (const server of servers) running.push({ server, ...(await startServer(server)) });
const results = new Map();
try {
  for (const [connections, size] of configs) for (let round = 0; round < rounds; round++) {
    for (const { server, child, port } of running) {
      const cpuBefore = cpuSeconds(child.pid);
      const run = spawnSync(loadgen, [String(port), String(connections), String(size), String(warmupMs), String(measureMs)], { encoding: 'utf8' });
      const cpu = cpuSeconds(child.pid) - cpuBefore;
      if (run.status !== 0) throw new Error(`loadgen failed against ${server.name}: ${run.stderr}`);
      const r = JSON.parse(run.stdout);
      // Server CPU over warm-up + measurement, divided by the messages of that window.
      const perSecond = r.messages / r.seconds;
      const cpuPerMessageUs = (cpu / ((warmupMs + measureMs) / 1000) / perSecond) * 1e6;
      const key = `${server.name} ${connections} ${size}`;
      if (!results.has(key) || results.get(key).perSecond < perSecond) {
        results.set(key, { ...r, perSecond, cpuPerMessageUs, serverCpu: cpu / ((warmupMs + measureMs) / 1000) });
      }
    }
  }
} finally {
  for (const { child } of running) child.kill();
}

const pad = (s, n) => String(s).padStart(n);
console.log(`echo ping-pong on loopback${quick ? ' (quick)' : ''}: best of ${rounds} × ${measureMs} ms per cell after ${warmupMs} ms warm-up; ratio = msgs/s ÷ net's`);
console.log('CPU µs/msg: server CPU per message; srv/gen %: server and load generator CPU use (100 = one core)');
console.log(`${'server'.padEnd(7)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 11)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('CPU µs/msg', 12)}${pad('srv %', 7)}${pad('gen %', 7)}${pad('× net', 8)}`);
for (const [connections, size] of [...new Map(configs.map((c) => [c.join('x'), c])).values()]) {
  const base = results.get(`net ${connections} ${size}`);
  for (const server of servers) {
    const r = results.get(`${server.name} ${connections} ${size}`);
    console.log(
      `${server.name.padEnd(7)}${pad(connections, 6)}${pad(size >= 1024 ? `${size / 1024}K` : size, 7)}${pad(Math.round(r.perSecond), 11)}` +
        `${pad(r.p50_us.toFixed(1), 9)}${pad(r.p99_us.toFixed(1), 9)}${pad(r.cpuPerMessageUs.toFixed(2), 12)}` +
        `${pad(Math.round(r.serverCpu * 100), 7)}${pad(Math.round(r.cpu * 100), 7)}${pad((r.perSecond / base.perSecond).toFixed(2), 8)}`,
    );
  }
}
