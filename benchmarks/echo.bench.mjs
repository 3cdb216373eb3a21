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
//   RT_ECHO_SPIN=1  the load generator never sleeps (loadgen.c's `spin`: epoll_wait with a zero
//                   timeout in a loop); RT_ECHO_SPIN=both runs every server with the blocking and
//                   then the spinning generator in each round (rows `name` and `name/spin`, each
//                   compared with `net` and Tokio of its own mode). Why: on loopback a send runs
//                   the receiver's TCP input and wake-up inside the sender's system call, so a
//                   server's system time includes waking the generator whenever the generator had
//                   run out of echoes and slept, which it does more often against a slower server;
//                   spinning takes that out of every server alike. Off by default.
//   RT_ECHO_PIN=1   servers start under `taskset -c 0` (every thread) and the generator runs under
//                   `taskset -c 1`, so the two never share or swap a core. Off by default.
//   RT_ECHO_REWARM=300  runs the generator that many ms, unmeasured, right before each measured run.
//                   Why: a Node server idles while the other servers take their turn, and V8 gives
//                   pages of its young generation back meanwhile, so its next run starts with
//                   page faults (~2,500 after 12 s idle, ~60 back to back; ~1 µs per message of
//                   rt-stream's system time in 64 B rounds), which a server under steady load does
//                   not pay and Tokio and C never do. Off by default.
//
// Every run also prints, per server, the medians over its rounds of: CPU per message split into
// user and system, the main thread's user and system, the other threads' CPU (Node's V8 platform
// workers, libuv's pool: everything but the event loop), the main thread's sleeps (voluntary
// context switches: a blocking epoll_wait that found nothing) and preemptions per message, the
// server's minor page faults per message and the generator's sleeps per message.
//
// Needs: a C compiler (`cc`), the built packages (`pnpm build`), Linux; for the Tokio row
// Debian's `cargo`, `rustc` and `librust-tokio-dev` (.ci/apt-packages).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC, buildTokioEcho, echoCell, loadgenResult, parseConfigs, runLoadgen } from './lib/loadgen.mjs';
import { minorFaults, startPrintingPort, threadCounters } from './lib/proc.mjs';

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
// The generator's modes: blocking (false) and/or spinning (true); see RT_ECHO_SPIN above.
const spinModes = { 1: [true], both: [false, true] }[process.env['RT_ECHO_SPIN'] ?? ''] ?? [false];
const pin = process.env['RT_ECHO_PIN'] === '1';
const rewarmMs = Number(process.env['RT_ECHO_REWARM'] ?? 0);
const modeName = (name, spin) => (spin ? `${name}/spin` : name);

// All servers start first; each cell then runs every server back to back, so a change in
// the (shared, noisy) machine's load hits them alike.
const running = [];
for (const server of servers) {
  const [command, args] = pin ? ['taskset', ['-c', '0', server.command, ...server.args]] : [server.command, server.args];
  running.push({ server, ...(await startPrintingPort(server.name, command, args, server.env)) });
}
// What runs in a round: every server in every generator mode, a server's modes back to back.
const cells = running.flatMap((entry) => spinModes.map((spin) => ({ ...entry, spin, name: modeName(entry.server.name, spin) })));
const results = new Map();
// Server CPU µs per message of every round (`name conns size` → [round 0, round 1, …]).
const cpuRounds = new Map();
// Messages/s of every round (same keys).
const rateRounds = new Map();
// The rt servers whose rounds are printed against Tokio's and net's.
const RT_ROWS = ['rt-stream', 'rt-before', 'rt-plain', 'minimal-stream', 'rt-await-task', 'rt-await', 'rt'];
// Every round's cell (printed with RT_ECHO_VERBOSE=1; the medians table reads it always).
const everyRound = [];
try {
  for (const [connections, size] of configs) for (let round = 0; round < rounds; round++) {
    // The order rotates by one server each round, so no server always runs right after the same one.
    const shift = (round * spinModes.length) % cells.length;
    for (const { server, child, port, spin, name } of [...cells.slice(shift), ...cells.slice(0, shift)]) {
      if (rewarmMs > 0) loadgenResult(runLoadgen(loadgen, { port, connections, size, warmupMs: 0, measureMs: rewarmMs, pinned: pin, spin }), server.name);
      const before = threadCounters(child.pid);
      const faultsBefore = minorFaults(child.pid);
      const run = runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs, pinned: pin, spin });
      const after = threadCounters(child.pid);
      const faults = minorFaults(child.pid) - faultsBefore;
      // Per thread, what it used in this window (a thread born in it counts from zero).
      const zero = { user: 0, system: 0, sleeps: 0, preemptions: 0 };
      const used = [...after].map(([tid, a]) => {
        const b = before.get(tid) ?? zero;
        return { main: tid === child.pid, user: a.user - b.user, system: a.system - b.system, sleeps: a.sleeps - b.sleeps, preemptions: a.preemptions - b.preemptions };
      });
      const main = used.find((t) => t.main) ?? zero;
      const user = used.reduce((sum, t) => sum + t.user, 0);
      const system = used.reduce((sum, t) => sum + t.system, 0);
      const cpu = user + system;
      // Server CPU over warm-up + measurement, divided by the messages of that window.
      const cell = echoCell(loadgenResult(run, server.name), cpu, warmupMs, measureMs);
      const messages = cell.perSecond * ((warmupMs + measureMs) / 1000);
      const perMessageUs = (seconds) => (seconds / messages) * 1e6;
      // The user-space share (JavaScript, V8, N-API, libc) of the CPU per message; the rest is the kernel's.
      cell.userPerMessageUs = perMessageUs(user);
      cell.systemPerMessageUs = perMessageUs(system);
      cell.mainUserPerMessageUs = perMessageUs(main.user);
      cell.mainSystemPerMessageUs = perMessageUs(main.system);
      // Every thread but the event loop's: V8's platform workers (compilation, GC helpers), libuv's pool.
      cell.otherThreadsPerMessageUs = perMessageUs(cpu - main.user - main.system);
      // How often the server's main thread was preempted, and slept (a blocking wait that found nothing), per message.
      cell.preemptionsPerMessage = main.preemptions / messages;
      cell.serverSleepsPerMessage = main.sleeps / messages;
      cell.faultsPerMessage = faults / messages;
      // The load generator's sleeps (voluntary context switches) per message: how often it ran out of echoes.
      cell.generatorSleepsPerMessage = cell.sleeps / messages;
      const key = `${name} ${connections} ${size}`;
      everyRound.push({ name, connections, size, round, cell });
      if (!results.has(key) || results.get(key).perSecond < cell.perSecond) results.set(key, cell);
      cpuRounds.set(key, [...(cpuRounds.get(key) ?? []), cell.cpuPerMessageUs]);
      rateRounds.set(key, [...(rateRounds.get(key) ?? []), cell.perSecond]);
    }
  }
} finally {
  for (const { child } of running) child.kill();
}

const pad = (s, n) => String(s).padStart(n);
const sizeText = (size) => (size >= 1024 ? `${size / 1024}K` : size);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const cellsOnce = [...new Map(configs.map((c) => [c.join('x'), c])).values()];
const generator =
  `${spinModes.map((spin) => (spin ? 'spinning (`/spin` rows)' : 'blocking')).join(' and ')} load generator${pin ? ', servers on core 0 and the generator on core 1 (taskset)' : ''}` +
  `${rewarmMs > 0 ? `, ${rewarmMs} ms unmeasured run before each` : ''}`;
console.log(`echo ping-pong on loopback${quick ? ' (quick)' : ''}: best of ${rounds} × ${measureMs} ms per cell after ${warmupMs} ms warm-up; ratio = msgs/s ÷ net's; ${generator}`);
console.log('CPU µs/msg: server CPU per message; srv/gen %: server and load generator CPU use (100 = one core);');
console.log('CPU × tokio: server CPU per message ÷ tokio\'s (rt-stream and tokio run the same read/write-all loop)');
console.log(`${'server'.padEnd(15)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 11)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('CPU µs/msg', 12)}${pad('srv %', 7)}${pad('gen %', 7)}${pad('× net', 8)}${pad('CPU × tokio', 13)}`);
for (const [connections, size] of cellsOnce) for (const spin of spinModes) {
  const base = results.get(`${modeName('net', spin)} ${connections} ${size}`);
  const tokioCell = results.get(`${modeName('tokio', spin)} ${connections} ${size}`);
  for (const server of servers) {
    const name = modeName(server.name, spin);
    const r = results.get(`${name} ${connections} ${size}`);
    const cpuVsTokio = tokioCell === undefined ? '—' : (r.cpuPerMessageUs / tokioCell.cpuPerMessageUs).toFixed(2);
    console.log(
      `${name.padEnd(15)}${pad(connections, 6)}${pad(sizeText(size), 7)}${pad(Math.round(r.perSecond), 11)}` +
        `${pad(r.p50_us.toFixed(1), 9)}${pad(r.p99_us.toFixed(1), 9)}${pad(r.cpuPerMessageUs.toFixed(2), 12)}` +
        `${pad(Math.round(r.serverCpu * 100), 7)}${pad(Math.round(r.cpu * 100), 7)}${pad((r.perSecond / base.perSecond).toFixed(2), 8)}${pad(cpuVsTokio, 13)}`,
    );
  }
}
// Medians over the rounds of where each server's CPU per message goes, and who slept.
console.log(`medians over ${rounds} rounds, µs per message: CPU = user + sys (all threads); main u/s: the event loop thread's user and`);
console.log('system; other: every other thread (V8 platform workers, libuv pool); per message: srv slp / srv pre = the main thread\'s');
console.log('voluntary / involuntary context switches, faults = the server\'s minor page faults, gen slp = the generator\'s sleeps;');
console.log('× tokio: median of the per-round CPU ratios to tokio of the same generator mode');
console.log(
  `${'server'.padEnd(15)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 9)}${pad('CPU', 7)}${pad('user', 7)}${pad('sys', 7)}${pad('main u', 8)}${pad('main s', 8)}` +
    `${pad('other', 7)}${pad('srv slp', 9)}${pad('srv pre', 9)}${pad('faults', 8)}${pad('gen slp', 9)}${pad('gen %', 7)}${pad('× tokio', 9)}`,
);
for (const [connections, size] of cellsOnce) for (const spin of spinModes) {
  const tokioRounds = cpuRounds.get(`${modeName('tokio', spin)} ${connections} ${size}`);
  for (const server of servers) {
    const name = modeName(server.name, spin);
    const rows = everyRound.filter((r) => r.name === name && r.connections === connections && r.size === size).map((r) => r.cell);
    const m = (field) => median(rows.map((cell) => cell[field]));
    const vsTokio = tokioRounds === undefined ? '—' : median(cpuRounds.get(`${name} ${connections} ${size}`).map((cpu, i) => cpu / tokioRounds[i])).toFixed(2);
    console.log(
      `${name.padEnd(15)}${pad(connections, 6)}${pad(sizeText(size), 7)}${pad(`${Math.round(m('perSecond') / 1000)}k`, 9)}${pad(m('cpuPerMessageUs').toFixed(2), 7)}` +
        `${pad(m('userPerMessageUs').toFixed(2), 7)}${pad(m('systemPerMessageUs').toFixed(2), 7)}${pad(m('mainUserPerMessageUs').toFixed(2), 8)}${pad(m('mainSystemPerMessageUs').toFixed(2), 8)}` +
        `${pad(m('otherThreadsPerMessageUs').toFixed(2), 7)}${pad(m('serverSleepsPerMessage').toFixed(3), 9)}${pad(m('preemptionsPerMessage').toFixed(3), 9)}${pad(m('faultsPerMessage').toFixed(4), 8)}` +
        `${pad(m('generatorSleepsPerMessage').toFixed(3), 9)}${pad(Math.round(m('cpu') * 100), 7)}${pad(vsTokio, 9)}`,
    );
  }
}
// Round by round (each pair ran back to back, under the same load): rt-stream's and rt's
// server CPU per message against Tokio's.
const names = new Set(servers.map((server) => server.name));
if (names.has('tokio') && RT_ROWS.some((name) => names.has(name))) {
  console.log('server CPU per message ÷ tokio\'s, round by round:');
  for (const [connections, size] of cellsOnce) for (const spin of spinModes) {
    const tokioRounds = cpuRounds.get(`${modeName('tokio', spin)} ${connections} ${size}`);
    for (const name of RT_ROWS.map((row) => modeName(row, spin))) {
      const rounds = cpuRounds.get(`${name} ${connections} ${size}`);
      if (rounds === undefined) continue;
      const ratios = rounds.map((cpu, i) => (cpu / tokioRounds[i]).toFixed(2));
      console.log(`  ${name.padEnd(19)}${pad(connections, 4)} × ${sizeText(size)}: ${ratios.join(', ')}`);
    }
  }
}
// Round by round: msgs/s ÷ net's of the same round (on a shared machine the rounds' median is steadier than the best round).
console.log('msgs/s ÷ net\'s of the same round, round by round:');
for (const [connections, size] of cellsOnce) for (const spin of spinModes) {
  const netRounds = rateRounds.get(`${modeName('net', spin)} ${connections} ${size}`);
  for (const name of [...RT_ROWS, 'C', 'tokio'].map((row) => modeName(row, spin))) {
    const rates = rateRounds.get(`${name} ${connections} ${size}`);
    if (rates === undefined) continue;
    const ratios = rates.map((rate, i) => rate / netRounds[i]);
    console.log(`  ${name.padEnd(19)}${pad(connections, 4)} × ${sizeText(size)}: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
  }
}
if (verbose) {
  console.log('every round: msgs/s (÷ net\'s of the same round and generator mode), server CPU µs/msg (user share), server % / load generator %,');
  console.log('server preemptions (involuntary context switches of its main thread) per message, load generator sleeps per message');
  for (const [connections, size] of cellsOnce) {
    for (let round = 0; round < rounds; round++) {
      const inRound = everyRound.filter((r) => r.connections === connections && r.size === size && r.round === round);
      const text = inRound.map(({ name, cell }) => {
        const base = inRound.find((r) => r.name === modeName('net', name.endsWith('/spin'))).cell.perSecond;
        return `${name} ${Math.round(cell.perSecond / 1000)}k (${(cell.perSecond / base).toFixed(2)}) ${cell.cpuPerMessageUs.toFixed(2)} (${cell.userPerMessageUs.toFixed(2)}) ${Math.round(cell.serverCpu * 100)}/${Math.round(cell.cpu * 100)} p ${cell.preemptionsPerMessage.toFixed(2)} g ${cell.generatorSleepsPerMessage.toFixed(2)}`;
      });
      console.log(`  ${connections} × ${sizeText(size)} round ${round + 1}: ${text.join('; ')}`);
    }
  }
}
