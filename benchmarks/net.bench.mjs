#!/usr/bin/env node
// TCP echo ping-pong through @rt/net's TcpStream (native driver, and the fallback driver on
// Node `net`) against the idiomatic Node `net` echo server (the baseline), in the same run,
// driven by the C load generator of benchmarks/c/loadgen.c (N connections, each sending one
// message and waiting for its echo). Each server runs in its own process: this file
// re-executes itself with `--serve <net|native|fallback>`.
//
// Prints per (connections × message size): messages/s, p50/p99 round trip, server CPU per
// message, server and load-generator CPU use, and the ratio to `net`. Servers: `net` (the
// baseline), `native` (TcpStream, a task per connection, a read/writeAll loop), `native-copy`
// (the same with @rt/io's `copy(stream, stream)`), `native-plain` (TcpStream in plain
// async functions), `reactor` (echo-rt-server.mjs: raw @rt/reactor and syscalls, no
// TcpStream: the ceiling of the TcpStream layer), `fallback` (TcpStream on the Node net
// driver). On a shared machine compare CPU per message first: messages/s move with other
// load (and CPU per message itself drops when server and generator share one core: each
// wake-up then serves more connections).
//
//   node benchmarks/net.bench.mjs                 full run (~50 s)
//   RT_BENCH_QUICK=1 node benchmarks/net.bench.mjs   or  --quick   (~17 s)
//   RT_NET_CONFIGS=1x64,64x16384 node benchmarks/net.bench.mjs   chosen cells only
//   RT_NET_SERVERS=native,reactor node benchmarks/net.bench.mjs      chosen servers (+ net)
//   RT_NET_ROUNDS=3 node benchmarks/net.bench.mjs                    best of 3 per cell
//   RT_NET_LADDER=1 node benchmarks/net.bench.mjs     where TcpStream's CPU goes: net, native,
//                   minimal-stream, reactor-await, reactor (echo-ladder-servers.mjs)
//
// Needs: `cc`, Linux, the built packages (`npx turbo run build` and the addon).
import { fileURLToPath } from 'node:url';
import { buildLoadgen, echoCell, loadgenResult, parseConfigs, runLoadgen } from './lib/loadgen.mjs';
import { cpuTimes, startPrintingPort } from './lib/proc.mjs';

const self = fileURLToPath(import.meta.url);
const serveIndex = process.argv.indexOf('--serve');

if (serveIndex >= 0) {
  await serve(process.argv[serveIndex + 1]);
} else {
  await bench();
}

/** The servers under test. Each prints its port on stdout, then serves until killed. */
async function serve(kind) {
  if (kind === 'reactor') {
    await import('./echo-rt-server.mjs');
    return;
  }
  if (kind === 'reactor-await') {
    process.env['RT_ECHO_AWAIT_EACH'] = '1';
    await import('./echo-rt-server.mjs');
    return;
  }
  if (kind === 'minimal-stream') {
    (await import('./echo-ladder-servers.mjs')).serveMinimalStream();
    return;
  }
  if (kind === 'net') {
    const net = await import('node:net');
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.on('data', (chunk) => socket.write(chunk));
      socket.on('error', () => socket.destroy());
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    return;
  }
  const { TcpListener } = await import('@rt/net');
  const { spawn: spawnTask } = await import('@rt/scheduler');
  if (kind === 'native-copy') {
    // The same server written with @rt/io's copy (Tokio's io::copy): between two native
    // sockets the bytes move inside the driver, no promise per message.
    const { copy } = await import('@rt/io');
    const listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    console.log(listener.localAddr().port);
    for await (const stream of listener) {
      spawnTask(async () => {
        stream.setNoDelay(true);
        try {
          await copy(stream, stream);
        } catch {
          // a reset ends this connection
        } finally {
          stream.close();
        }
      });
    }
    return;
  }
  const run = kind === 'native-plain' ? (fn) => void fn() : spawnTask;
  const listener = await TcpListener.bind('127.0.0.1:0', { driver: kind === 'native-plain' ? 'native' : kind });
  console.log(listener.localAddr().port);
  for await (const stream of listener) {
    run(async () => {
      stream.setNoDelay(true);
      const buf = Buffer.allocUnsafe(64 * 1024);
      try {
        for (;;) {
          const n = await stream.read(buf);
          if (n === 0) break;
          await stream.writeAll(n === buf.length ? buf : buf.subarray(0, n));
        }
      } catch {
        // a reset ends this connection
      } finally {
        stream.close();
      }
    });
  }
}

async function bench() {
  const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
  const loadgen = buildLoadgen();
  const { available } = await import('@rt/mio-native');
  // `net` always runs, first: it is the baseline of every ratio.
  const ladder = process.env['RT_NET_LADDER'] === '1';
  const servers = process.env['RT_NET_SERVERS']
    ? ['net', ...process.env['RT_NET_SERVERS'].split(',').filter((name) => name !== 'net')]
    : ladder
      ? ['net', 'native', 'minimal-stream', 'reactor-await', 'reactor']
      : ['net', ...(available ? ['native', 'native-copy', 'native-plain', 'reactor'] : []), 'fallback'];
  const configs = parseConfigs(
    process.env['RT_NET_CONFIGS'],
    quick ? [[1, 64], [64, 64], [64, 16384]] : [[1, 64], [16, 64], [64, 64], [1, 16384], [16, 16384], [64, 16384]],
  );
  const warmupMs = 300;
  const measureMs = quick ? 1000 : 1500;
  const rounds = Number(process.env['RT_NET_ROUNDS'] ?? 1);

  const start = async (name) => ({ name, ...(await startPrintingPort(name, process.execPath, [self, '--serve', name])) });

  const running = [];
  for (const name of servers) running.push(await start(name));
  const results = new Map();
  try {
    for (const [connections, size] of configs) {
      for (let round = 0; round < rounds; round++) {
        for (const { name, child, port } of running) {
          const before = cpuTimes(child.pid);
          const run = runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs });
          const after = cpuTimes(child.pid);
          const cpu = after.user + after.system - before.user - before.system;
          const cell = echoCell(loadgenResult(run, name), cpu, warmupMs, measureMs);
          // The user-space share (JavaScript, the addon, libc) of the CPU per message.
          cell.userPerMessageUs = (cell.cpuPerMessageUs * (after.user - before.user)) / (cpu || 1);
          const key = `${name} ${connections} ${size}`;
          if (!results.has(key) || results.get(key).perSecond < cell.perSecond) results.set(key, cell);
        }
      }
    }
  } finally {
    for (const { child } of running) child.kill();
  }

  const pad = (s, n) => String(s).padStart(n);
  console.log(`@rt/net TcpStream echo vs Node net${quick ? ' (quick)' : ''}: best of ${rounds} × ${measureMs} ms per cell after ${warmupMs} ms warm-up; ratio = msgs/s ÷ net's`);
  console.log('native: TcpStream on the epoll driver, one rt task per connection, read/writeAll loop; native-copy: the same');
  console.log('server as `await copy(stream, stream)` (@rt/io; socket to socket inside the driver); native-plain: the loop without tasks');
  console.log('(plain async functions: the difference is the task machinery); reactor: raw reactor echo without TcpStream');
  console.log('(the ceiling of the TcpStream layer); fallback: TcpStream on its Node net driver.');
  if (servers.includes('minimal-stream') || servers.includes('reactor-await')) {
    console.log('minimal-stream: the smallest stream with TcpStream\'s promise shape, a task per connection; reactor-await:');
    console.log('the raw reactor echo plus the user loop\'s own await and subarray (see echo-ladder-servers.mjs)');
  }
  console.log('CPU µs/msg: server CPU per message (user: its user-space share, the rest is the kernel\'s); srv/gen %: server and');
  console.log('load generator CPU use (100 = one core)');
  console.log(`${'server'.padEnd(13)}${pad('conns', 6)}${pad('size', 7)}${pad('msgs/s', 11)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('CPU µs/msg', 12)}${pad('user', 7)}${pad('srv %', 7)}${pad('gen %', 7)}${pad('× net', 8)}`);
  for (const [connections, size] of configs) {
    const base = results.get(`net ${connections} ${size}`);
    for (const name of servers) {
      const r = results.get(`${name} ${connections} ${size}`);
      console.log(
        `${name.padEnd(13)}${pad(connections, 6)}${pad(size >= 1024 ? `${size / 1024}K` : size, 7)}${pad(Math.round(r.perSecond), 11)}` +
          `${pad(r.p50_us.toFixed(1), 9)}${pad(r.p99_us.toFixed(1), 9)}${pad(r.cpuPerMessageUs.toFixed(2), 12)}${pad(r.userPerMessageUs.toFixed(2), 7)}` +
          `${pad(Math.round(r.serverCpu * 100), 7)}${pad(Math.round(r.cpu * 100), 7)}${pad((r.perSecond / base.perSecond).toFixed(2), 8)}`,
      );
    }
  }
}
