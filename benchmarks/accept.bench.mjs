#!/usr/bin/env node
// Short connections: what accepting a TCP connection costs a server. The rt server (@rt/net's
// TcpListener on the native driver: accept, write a 1-byte greeting, close) against Node's
// `net` server doing the same (the baseline), in the same run, each in its own process, driven
// by the C client of benchmarks/c/connect-loadgen.c (P connections at a time, each: connect,
// read to end of stream, close, connect again). Rows: the greeting alone, and the greeting
// after reading the peer address (`peerAddr()` / `socket.remoteAddress`, as an HTTP server
// does for every connection).
//
// Prints connections/s, server CPU per connection (from /proc schedstat, ns), how busy the
// server was, and the rt/node ratio of each round; rounds alternate the servers' order.
// `--before=/abs/path/to/an/rt/checkout` (built) also runs the same rt server on that build
// (e.g. the commit before a change), so a change shows against its own baseline in one run.
// `--strace` instead runs each server once under `strace -c -f` and prints its system calls
// per accepted connection (accept4, the ones that failed with EAGAIN, getpeername,
// getsockopt, all): counts, not times, so they hold on a loaded machine.
//
//   node benchmarks/accept.bench.mjs                      (3 rounds x 2 rows x 3 s per server)
//   RT_ACCEPT_ROUNDS=5 RT_ACCEPT_MS=2000 RT_ACCEPT_PARALLEL=16 node benchmarks/accept.bench.mjs
//
// Needs: cc, Linux, the built packages (pnpm build).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './lib/loadgen.mjs';
import { cpuSecondsFine, have, SERVER_ENV } from './lib/proc.mjs';

const here = fileURLToPath(import.meta.url);
const role = process.env['RT_ACCEPT_ROLE'];
const GREETING = Buffer.from('x');

if (role === 'rt-server') {
  // RT_ACCEPT_ROOT: the checkout whose built packages serve (this one by default).
  const root = process.env['RT_ACCEPT_ROOT'] ?? join(here, '..', '..');
  const { main } = await import(join(root, 'packages', 'macros', 'dist', 'index.js'));
  const { TcpListener } = await import(join(root, 'packages', 'net', 'dist', 'index.js'));
  const peer = process.env['RT_ACCEPT_PEER'] === '1';
  let peers = 0;
  process.on('SIGTERM', () => process.exit(peer && peers === 0 ? 1 : 0)); // a peer row that read no address failed
  await main(async () => {
    const listener = await TcpListener.bind('127.0.0.1:0');
    if (listener.driver !== 'native') throw new Error(`accept.bench: expected the native driver, got ${listener.driver}`);
    process.stdout.write(`${listener.localAddr().port}\n`);
    for (;;) {
      const stream = await listener.accept();
      try {
        if (peer) peers += stream.peerAddr().port > 0 ? 1 : 0;
      } catch {
        // an older build (--before) asks getpeername, which fails once the client has gone
        // (the client resets its connections when it exits)
      }
      try {
        await stream.writeAll(GREETING);
      } catch {
        // a client that went away
      }
      stream.close();
    }
  });
} else if (role === 'node-server') {
  const net = await import('node:net');
  const peer = process.env['RT_ACCEPT_PEER'] === '1';
  let peers = 0;
  process.on('SIGTERM', () => process.exit(peer && peers === 0 ? 1 : 0));
  const server = net.createServer((socket) => {
    if (peer) peers += socket.remotePort > 0 ? 1 : 0;
    socket.on('error', () => socket.destroy());
    socket.end(GREETING);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else {
  await bench();
}

function startServer(name, env, traceFile = undefined) {
  const [command, args] = traceFile === undefined ? [process.execPath, [here]] : ['strace', ['-c', '-f', '-o', traceFile, process.execPath, here]];
  const child = spawn(command, args, { env: { ...process.env, ...SERVER_ENV, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve({ name, child, port: Number(text.trim()) });
    });
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code})`)));
  });
}

function runClient(client, port, parallel, ms, serverPid) {
  return new Promise((resolve, reject) => {
    const child = spawn(client, [String(port), String(parallel), '300', String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    let cpuStart = 0;
    let timeStart = 0;
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (cpuStart === 0 && text.includes('measure\n')) {
        cpuStart = cpuSecondsFine(serverPid);
        timeStart = performance.now();
      }
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined && text.endsWith('\n')) {
        const seconds = (performance.now() - timeStart) / 1000;
        const cpu = cpuSecondsFine(serverPid) - cpuStart;
        const { count, errors } = JSON.parse(line);
        resolve({ rate: count / (ms / 1000), cpuPer: cpu / Math.max(count, 1), busy: cpu / seconds, errors });
      }
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`connect-loadgen exited ${code}`)));
  });
}

async function bench() {
  const before = process.argv.find((arg) => arg.startsWith('--before='))?.slice('--before='.length);
  const rounds = Number(process.env['RT_ACCEPT_ROUNDS'] ?? 3);
  const ms = Number(process.env['RT_ACCEPT_MS'] ?? 3000);
  const parallel = Number(process.env['RT_ACCEPT_PARALLEL'] ?? 8);
  const client = buildC('connect-loadgen');
  const strace = process.argv.includes('--strace');
  const kinds = [
    ['node', { RT_ACCEPT_ROLE: 'node-server' }],
    ['rt', { RT_ACCEPT_ROLE: 'rt-server' }],
    ...(before === undefined ? [] : [['rt before', { RT_ACCEPT_ROLE: 'rt-server', RT_ACCEPT_ROOT: before }]]),
  ];
  if (strace) {
    await straceCounts(kinds, client, parallel);
    return;
  }
  console.log(`short connections: accept, 1-byte greeting, close; ${parallel} connections at a time (C client); shared 2-core machine: compare CPU/connection first`);
  console.log(`${rounds} rounds alternating the servers' order; ratios are per round against the node server of the same round`);
  for (const peer of [false, true]) {
    const label = peer ? 'greeting after reading the peer address' : 'greeting';
    const servers = await Promise.all(kinds.map(([name, env]) => startServer(name, { ...env, RT_ACCEPT_PEER: peer ? '1' : '0' })));
    const results = new Map(servers.map((s) => [s.name, []]));
    try {
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) results.get(server.name).push(await runClient(client, server.port, parallel, ms, server.child.pid));
      }
    } finally {
      for (const s of servers) s.child.kill('SIGTERM');
    }
    console.log(`\n${label}`);
    console.log(`${'server'.padEnd(10)}${'conn/s'.padStart(18)}${'CPU µs/conn'.padStart(16)}${'busy'.padStart(12)}${'÷ node CPU/conn'.padStart(20)}${'÷ node rate'.padStart(16)}`);
    const range = (values, digits) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)}`;
    };
    const node = results.get('node');
    for (const [name, rows] of results) {
      const errors = rows.reduce((sum, r) => sum + r.errors, 0);
      const cpuRatio = rows.map((r, i) => r.cpuPer / node[i].cpuPer);
      const rateRatio = rows.map((r, i) => r.rate / node[i].rate);
      console.log(
        `${name.padEnd(10)}${range(rows.map((r) => r.rate), 0).padStart(18)}${range(rows.map((r) => r.cpuPer * 1e6), 1).padStart(16)}` +
          `${range(rows.map((r) => r.busy), 2).padStart(12)}${(name === 'node' ? '' : range(cpuRatio, 3)).padStart(20)}${(name === 'node' ? '' : range(rateRatio, 3)).padStart(16)}` +
          (errors > 0 ? `  (${errors} client errors)` : ''),
      );
    }
    if (before !== undefined) {
      const now = results.get('rt');
      const old = results.get('rt before');
      const ratios = now.map((r, i) => r.cpuPer / old[i].cpuPer);
      const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)];
      console.log(`rt ÷ rt before, CPU/conn per round: ${ratios.map((r) => r.toFixed(3)).join(', ')} (median ${median.toFixed(3)})`);
    }
  }
}

/** `--strace`: each server once under `strace -c -f`, 2 s of the client; system calls per accepted connection. */
async function straceCounts(kinds, client, parallel) {
  if (!have('strace')) {
    console.log('--strace: strace is not installed (apt-get install strace)');
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rt-accept-strace-'));
  try {
    console.log(`system calls per accepted connection (strace -c -f on the server; 2 s, ${parallel} connections at a time)`);
    console.log(`${'row'.padEnd(10)}${'server'.padEnd(11)}${'accepted'.padStart(9)}${'accept4'.padStart(9)}${'EAGAIN'.padStart(8)}${'getpeername'.padStart(13)}${'getsockopt'.padStart(12)}${'all'.padStart(7)}`);
    for (const peer of [false, true]) {
      for (const [name, env] of kinds) {
        const file = join(dir, `${name.replace(' ', '-')}-${peer ? 'peer' : 'plain'}.txt`);
        const server = await startServer(name, { ...env, RT_ACCEPT_PEER: peer ? '1' : '0' }, file);
        await runClient(client, server.port, parallel, 2000, server.child.pid);
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        // strace's child is the server: SIGTERM it, and strace writes its table as it exits.
        for (const pid of readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8').trim().split(/\s+/)) process.kill(Number(pid), 'SIGTERM');
        await exited;
        const calls = new Map();
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const f = line.trim().split(/\s+/);
          // % time, seconds, usecs/call, calls, [errors,] syscall
          if (f.length >= 5 && /^[0-9.]+$/.test(f[0]) && f.at(-1) !== 'total') calls.set(f.at(-1), { calls: Number(f[3]), errors: f.length === 6 ? Number(f[4]) : 0 });
        }
        const of = (syscall) => calls.get(syscall) ?? { calls: 0, errors: 0 };
        const accepted = of('accept4').calls - of('accept4').errors;
        const per = (n) => (n / Math.max(accepted, 1)).toFixed(2);
        let all = 0;
        for (const { calls: n } of calls.values()) all += n;
        console.log(
          `${(peer ? 'peer' : 'greeting').padEnd(10)}${name.padEnd(11)}${String(accepted).padStart(9)}${per(of('accept4').calls).padStart(9)}${per(of('accept4').errors).padStart(8)}` +
            `${per(of('getpeername').calls).padStart(13)}${per(of('getsockopt').calls).padStart(12)}${per(all).padStart(7)}`,
        );
      }
    }
    console.log('(all: every system call of the server process over the run, start-up included, per connection)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
