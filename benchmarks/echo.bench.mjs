#!/usr/bin/env node
// TCP echo ping-pong: rt against Node's `net` (the baseline), Tokio and the same server in C
// (the ceiling), in the same run, driven by a C load generator (benchmarks/c/loadgen.c). Each
// server runs in its own process; the load generator runs N connections, each sending one
// message and waiting for its echo. Servers:
//
//   net        echo-net-server.mjs: the idiomatic Node `net` echo server (the baseline)
//   rt         echo-rt-server.mjs: raw @rt/reactor + @rt/mio-native syscalls (no TcpStream)
//   rt-stream  @rt/net's TcpStream, one rt task per connection, a read/writeAll loop (what a
//              user writes: `net.bench.mjs --serve native`)
//   rt-await   echo-rt-server.mjs with RT_ECHO_AWAIT_EACH=1: the raw reactor plus the user loop's
//              own second `await` and `subarray` (no task, no TcpStream); not in the default set
//   rt-await-task  the same in an rt task per connection (RT_ECHO_IN_TASK=1): what being in a task
//              adds (on Node 20/22 rt's promise hooks), still no TcpStream; not in the default set
//   rt-plain   the rt-stream loop on TcpStream without tasks (plain async functions: `net.bench.mjs
//              --serve native-plain`); not in the default set
//   minimal-stream  echo-ladder-servers.mjs: TcpStream's promise shape in a task, nothing else
//              (no cancellation, budget or ready queue): the floor of rt-stream; not in the default set
//   C          benchmarks/c/echo-server.c: the same loop in C, epoll
//   tokio      benchmarks/rust/echo-tokio: Tokio 1.x current-thread, a task per connection,
//              the same read/write_all loop; built offline from Debian's librust-tokio-dev
//              (left out, with the reason printed, when cargo or the crates are missing)
//
// Prints, per server and per (connections × message size): messages/s, p50/p99 round
// trip, server CPU per message (from /proc/<pid>/stat), the CPU use of the server and of
// the load generator (to show which one limits the rate), the ratio to `net`, and server
// CPU per message against Tokio's. On a shared machine compare CPU per message first:
// messages/s move with other load.
//
//   node benchmarks/echo.bench.mjs            full run (~150 s)
//   RT_BENCH_QUICK=1 node benchmarks/echo.bench.mjs   or  --quick   (~25 s)
//   RT_ECHO_CONFIGS=1x64,64x16384 node benchmarks/echo.bench.mjs   chosen cells only
//   RT_ECHO_SERVERS=rt-stream,tokio node benchmarks/echo.bench.mjs  chosen servers (+ net)
//   RT_ECHO_SERVERS=rt-stream,minimal-stream,rt-await,rt,C node benchmarks/echo.bench.mjs
//   RT_ECHO_SERVERS=rt-stream,rt-plain,rt-await-task,rt-await,rt node benchmarks/echo.bench.mjs
//                   the ladder from the TcpStream loop down to the raw reactor, and the C ceiling
//   RT_ECHO_ROUNDS=5 RT_ECHO_VERBOSE=1 node benchmarks/echo.bench.mjs  also prints every round:
//                   msgs/s ÷ net's of the same round, server CPU and its user share per message,
//                   server and load generator CPU use (which side was saturated), and how often
//                   the server was preempted per message (involuntary context switches) and how
//                   often the load generator ran out of echoes and slept
//   RT_ECHO_BEFORE=/tmp/old-tree node benchmarks/echo.bench.mjs      adds `rt-before`: the
//                   rt-stream server of another built copy of this repository (its
//                   benchmarks/net.bench.mjs), for a before/after pair in the same rounds
//
// Needs: a C compiler (`cc`), the built packages (`pnpm build`), Linux; for the Tokio row
// Debian's `cargo`, `rustc` and `librust-tokio-dev` (.ci/apt-packages).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC, buildTokioEcho, echoCell, loadgenResult, parseConfigs, runLoadgen } from './lib/loadgen.mjs';
import { cpuTimes, preemptions, startPrintingPort } from './lib/proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');

const loadgen = buildC('loadgen');
const cServer = buildC('echo-server');
const tokio = buildTokioEcho();
if (tokio.missing !== undefined) console.log(`tokio row left out: ${tokio.missing}`);

const allServers = [
  { name: 'net', command: process.execPath, args: [join(here, 'echo-net-server.mjs')] },
  { name: 'rt', command: process.execPath, args: [join(here, 'echo-rt-server.mjs')] },
  { name: 'rt-stream', command: process.execPath, args: [join(here, 'net.bench.mjs'), '--serve', 'native'] },
  { name: 'minimal-stream', ladder: true, command: process.execPath, args: ['--input-type=module', '--eval', `(await import(${JSON.stringify(join(here, 'echo-ladder-servers.mjs'))})).serveMinimalStream();`] },
  { name: 'rt-await', ladder: true, command: process.execPath, args: [join(here, 'echo-rt-server.mjs')], env: { RT_ECHO_AWAIT_EACH: '1' } },
  { name: 'rt-await-task', ladder: true, command: process.execPath, args: [join(here, 'echo-rt-server.mjs')], env: { RT_ECHO_AWAIT_EACH: '1', RT_ECHO_IN_TASK: '1' } },
  { name: 'rt-plain', ladder: true, command: process.execPath, args: [join(here, 'net.bench.mjs'), '--serve', 'native-plain'] },
  { name: 'C', command: cServer, args: [] },
  ...(tokio.path === undefined ? [] : [{ name: 'tokio', command: tokio.path, args: [] }]),
  ...(process.env['RT_ECHO_BEFORE'] === undefined
    ? []
    : [{ name: 'rt-before', command: process.execPath, args: [join(process.env['RT_ECHO_BEFORE'], 'benchmarks', 'net.bench.mjs'), '--serve', 'native'] }]),
];
// RT_ECHO_SERVERS="rt-stream,tokio" picks servers; `net` always runs (every ratio's baseline).
const chosen = process.env['RT_ECHO_SERVERS']?.split(',');
const servers = allServers.filter((server) => server.name === 'net' || (chosen === undefined ? server.ladder !== true : chosen.includes(server.name)));
const verbose = process.env['RT_ECHO_VERBOSE'] === '1';
// RT_ECHO_CONFIGS="1x64,64x16384" picks the cells (connections x bytes).
const configs = parseConfigs(
  process.env['RT_ECHO_CONFIGS'],
  quick ? [[1, 64], [64, 64], [64, 16384]] : [[1, 64], [16, 64], [64, 64], [1, 16384], [16, 16384], [64, 16384]],
);
const warmupMs = quick ? 300 : 300;
const measureMs = quick ? 1000 : 1500;
// Each cell runs this many rounds (net, rt, …, tokio, net, rt, …) and keeps each server's best
// round: the machine is shared, and other load only ever makes a server look slower.
const rounds = Number(process.env['RT_ECHO_ROUNDS'] ?? (quick ? 1 : 3));

// All servers start first; each cell then runs every server back to back, so a change in
// the (shared, noisy) machine's load hits them alike.
const running = [];
for (const server of servers) running.push({ server, ...(await startPrintingPort(server.name, server.command, server.args, server.env)) });
const results = new Map();
// Server CPU µs per message of every round (`name conns size` → [round 0, round 1, …]).
const cpuRounds = new Map();
// Messages/s of every round (same keys).
const rateRounds = new Map();
// The rt servers whose rounds are printed against Tokio's and net's.
const RT_ROWS = ['rt-stream', 'rt-before', 'rt-plain', 'minimal-stream', 'rt-await-task', 'rt-await', 'rt'];
// Every round's cell, for RT_ECHO_VERBOSE=1.
const everyRound = [];
try {
  for (const [connections, size] of configs) for (let round = 0; round < rounds; round++) {
    // The order rotates by one server each round, so no server always runs right after the same one.
    const shift = round % running.length;
    for (const { server, child, port } of [...running.slice(shift), ...running.slice(0, shift)]) {
      const before = cpuTimes(child.pid);
      const preemptedBefore = preemptions(child.pid);
      const run = runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs });
      const after = cpuTimes(child.pid);
      const preempted = preemptions(child.pid) - preemptedBefore;
      const cpu = after.user + after.system - before.user - before.system;
      // Server CPU over warm-up + measurement, divided by the messages of that window.
      const cell = echoCell(loadgenResult(run, server.name), cpu, warmupMs, measureMs);
      // The user-space share (JavaScript, V8, N-API, libc) of the CPU per message; the rest is the kernel's.
      cell.userPerMessageUs = (cell.cpuPerMessageUs * (after.user - before.user)) / (cpu || 1);
      // How often the server's main thread was preempted, per message (warm-up + measurement).
      cell.preemptionsPerMessage = preempted / (cell.perSecond * ((warmupMs + measureMs) / 1000));
      // The load generator's sleeps (voluntary context switches) per message: how often it ran out of echoes.
      cell.generatorSleepsPerMessage = cell.sleeps / (cell.perSecond * ((warmupMs + measureMs) / 1000));
      const key = `${server.name} ${connections} ${size}`;
      if (verbose) everyRound.push({ name: server.name, connections, size, round, cell });
      if (!results.has(key) || results.get(key).perSecond < cell.perSecond) results.set(key, cell);
      cpuRounds.set(key, [...(cpuRounds.get(key) ?? []), cell.cpuPerMessageUs]);
      rateRounds.set(key, [...(rateRounds.get(key) ?? []), cell.perSecond]);
    }
  }
} finally {
  for (const { child } of running) child.kill();
}

const pad = (s, n) => String(s).padStart(n);
console.log(`echo ping-pong on loopback${quick ? ' (quick)' : ''}: best of ${rounds} × ${measureMs} ms per cell after ${warmupMs} ms warm-up; ratio = msgs/s ÷ net's`);
console.log('CPU µs/msg: server CPU per message; srv/gen %: server and load generator CPU use (100 = one core);');
console.log('CPU × tokio: server CPU per message ÷ tokio\'s (rt-stream and tokio run the same read/write-all loop)');
console.log(`${'server'.padEnd(10)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 11)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('CPU µs/msg', 12)}${pad('srv %', 7)}${pad('gen %', 7)}${pad('× net', 8)}${pad('CPU × tokio', 13)}`);
for (const [connections, size] of [...new Map(configs.map((c) => [c.join('x'), c])).values()]) {
  const base = results.get(`net ${connections} ${size}`);
  const tokioCell = results.get(`tokio ${connections} ${size}`);
  for (const server of servers) {
    const r = results.get(`${server.name} ${connections} ${size}`);
    const cpuVsTokio = tokioCell === undefined ? '—' : (r.cpuPerMessageUs / tokioCell.cpuPerMessageUs).toFixed(2);
    console.log(
      `${server.name.padEnd(10)}${pad(connections, 6)}${pad(size >= 1024 ? `${size / 1024}K` : size, 7)}${pad(Math.round(r.perSecond), 11)}` +
        `${pad(r.p50_us.toFixed(1), 9)}${pad(r.p99_us.toFixed(1), 9)}${pad(r.cpuPerMessageUs.toFixed(2), 12)}` +
        `${pad(Math.round(r.serverCpu * 100), 7)}${pad(Math.round(r.cpu * 100), 7)}${pad((r.perSecond / base.perSecond).toFixed(2), 8)}${pad(cpuVsTokio, 13)}`,
    );
  }
}
// Round by round (each pair ran back to back, under the same load): rt-stream's and rt's
// server CPU per message against Tokio's.
const names = new Set(servers.map((server) => server.name));
if (names.has('tokio') && RT_ROWS.some((name) => names.has(name))) {
  console.log('server CPU per message ÷ tokio\'s, round by round:');
  for (const [connections, size] of [...new Map(configs.map((c) => [c.join('x'), c])).values()]) {
    const tokioRounds = cpuRounds.get(`tokio ${connections} ${size}`);
    for (const name of RT_ROWS) {
      const rounds = cpuRounds.get(`${name} ${connections} ${size}`);
      if (rounds === undefined) continue;
      const ratios = rounds.map((cpu, i) => (cpu / tokioRounds[i]).toFixed(2));
      console.log(`  ${name.padEnd(14)}${pad(connections, 4)} × ${size >= 1024 ? `${size / 1024}K` : size}: ${ratios.join(', ')}`);
    }
  }
}
// Round by round: msgs/s ÷ net's of the same round (on a shared machine the rounds' median is steadier than the best round).
console.log('msgs/s ÷ net\'s of the same round, round by round:');
for (const [connections, size] of [...new Map(configs.map((c) => [c.join('x'), c])).values()]) {
  const netRounds = rateRounds.get(`net ${connections} ${size}`);
  for (const name of [...RT_ROWS, 'C', 'tokio']) {
    const rates = rateRounds.get(`${name} ${connections} ${size}`);
    if (rates === undefined) continue;
    const ratios = rates.map((rate, i) => rate / netRounds[i]);
    const sorted = [...ratios].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    console.log(`  ${name.padEnd(14)}${pad(connections, 4)} × ${size >= 1024 ? `${size / 1024}K` : size}: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median.toFixed(2)})`);
  }
}
if (verbose) {
  console.log('every round: msgs/s (÷ net\'s of the same round), server CPU µs/msg (user share), server % / load generator %,');
  console.log('server preemptions (involuntary context switches of its main thread) per message, load generator sleeps per message');
  for (const [connections, size] of [...new Map(configs.map((c) => [c.join('x'), c])).values()]) {
    for (let round = 0; round < rounds; round++) {
      const cells = everyRound.filter((r) => r.connections === connections && r.size === size && r.round === round);
      const base = cells.find((r) => r.name === 'net')?.cell.perSecond;
      const text = cells.map(
        ({ name, cell }) =>
          `${name} ${Math.round(cell.perSecond / 1000)}k (${(cell.perSecond / base).toFixed(2)}) ${cell.cpuPerMessageUs.toFixed(2)} (${cell.userPerMessageUs.toFixed(2)}) ${Math.round(cell.serverCpu * 100)}/${Math.round(cell.cpu * 100)} p ${cell.preemptionsPerMessage.toFixed(2)} g ${cell.generatorSleepsPerMessage.toFixed(2)}`,
      );
      console.log(`  ${connections} × ${size >= 1024 ? `${size / 1024}K` : size} round ${round + 1}: ${text.join('; ')}`);
    }
  }
}
