// How far below node:http can the 1 MiB upload row of http.bench.mjs get on rt, and on this
// machine at all? Four servers in one run, rounds alternating (wrk -t1 -c8, keep-alive, POST of
// 1 MiB to /upload):
//   - @rt/http (FastResponse): benchmarks/http-rt-server.mjs --fast, a BYOB reader into a
//     reused 64 KiB buffer (the http.bench row);
//   - node:http: baselines/http-node-server.mjs, counts and drops the 'data' chunks;
//   - floor: benchmarks/http-upload-floor-server.mjs, the same bytes read with @rt/net's
//     TcpStream straight into a reused 64 KiB buffer, no HTTP layer, no web streams, no handler;
//   - drain: the floor server with --drain: the body read by one addon call per batch of reads
//     (benchmarks/c/upload-drain.c, read() until EAGAIN), no JavaScript per read: what a Node
//     server on rt's event loop costs with the per-read work at zero;
//   - C floor: benchmarks/c/http-upload-floor-server.c, one-thread epoll reading the body into a
//     reused 64 KiB buffer with read() until EAGAIN and answering the same bytes: the machine's
//     floor (its kernel time is the reads, epoll and the loopback's ACK/window-update path).
// Prints per upload each server's user and kernel CPU µs (from /proc/<pid>/stat), requests/s,
// how often its main thread slept (blocked in epoll; each sleep is a wake-up with cold caches),
// and the ratios node ÷ it of CPU per upload: node ÷ C floor is the most any server could reach
// here, node ÷ floor (rt TcpStream) the most rt's sockets allow on this row; rt ÷ floor (user) is
// what @rt/http and the Web body stream add. The Node servers run with lib/proc.mjs's SERVER_ENV.
//
//   node benchmarks/http-upload-floor.bench.mjs    (3 rounds × 3 s after 3 s of warm-up per server;
//                                            RT_HTTP_ROUNDS, RT_HTTP_SECONDS, RT_HTTP_WARMUP)
//   --node=/abs/path/to/node     runs the three servers on another Node binary
//   --c-buffer=BYTES             the C floor's body buffer (default 65536)
//   --c-where=reuse,malloc,mmap,ring:MB   one C floor per item: where it reads each body (see
//                                benchmarks/c/http-upload-floor-server.c): the reused buffer (the
//                                default), a malloc'd buffer of the Content-Length per upload, a
//                                fresh mmap per upload, or the next slot of a ring of MB MiB (memory
//                                that comes back only after MB MiB of other bodies, as a GC'd heap
//                                gives it back); prints each one's CPU µs per upload minus the
//                                reused buffer's of the same round (when reuse is in the list)
//   --floor-fresh=chunks,whole   also the floor (rt TcpStream) with --fresh=chunks (a new 64 KiB
//                                buffer per read, as a default reader or `for await` gets) and/or
//                                --fresh=whole (one new buffer of the Content-Length per upload, as
//                                `arrayBuffer()`): the floor of those rows on rt's sockets
//   --path=/upload-stream        the route rt and node:http serve (default /upload; the floors and the
//                                C server read every body the same way whatever the path)
//   --only=a,b                   only the servers whose names start with these (c, floor, drain, rt, node)
//   --connections=N              wrk's connections (default 8)
//   --body=KIB                   the upload's size in KiB (default 1024): with 64, every server reads
//                                the whole body in one or two read()s and rarely sleeps in epoll
//                                between requests (shows what a 1 MiB upload's wake-ups cost)
//   --before=/abs/path/index.js  also serves another build of @rt/http (RT_HTTP_DIST: a copy of
//                                packages/http/dist kept inside packages/http) in the same rounds
//   --syscalls                   each server's wrk run also under `perf stat -p` with the kernel's
//                                tracepoints: per upload the server's read, epoll_wait (its own epoll
//                                fd, the C floor's only one), epoll_pwait (libuv's), epoll_ctl, the
//                                reply's send (sendto, write, writev), futex (waking V8's or libuv's
//                                threads), every syscall, context switches, packets sent from the
//                                server's context (net_dev_xmit: its ACKs and window updates, its
//                                reply, and the loopback's softirq work done there), sk_data_ready
//                                and softirq entries; a table of its own (the tracing costs kernel
//                                time, so the CPU columns of those rounds are not comparable with
//                                runs without it; needs perf and tracepoint access, e.g. root)
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './lib/loadgen.mjs';
import { cpuTimes, freePort, have, SERVER_ENV, sleeps, startListening, startPrintingPort } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? 3);
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? 3);
const warmup = Number(process.env['RT_HTTP_WARMUP'] ?? 3);
const option = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const nodeBinary = option('node') ?? process.execPath;
const before = option('before');
const cBuffer = option('c-buffer') ?? String(64 * 1024);
const cWhere = (option('c-where') ?? 'reuse').split(',');
const floorFresh = option('floor-fresh')?.split(',') ?? [];
const path = option('path') ?? '/upload';
const only = option('only')?.split(',');
const bodyKiB = Number(option('body') ?? 1024);
const connections = Number(option('connections') ?? 8);
const syscalls = process.argv.includes('--syscalls');
const wanted = (name) => only === undefined || only.some((prefix) => name.toLowerCase().startsWith(prefix));
if (!have('wrk') || !have('cc')) {
  console.error('http-upload-floor.bench: needs wrk and cc (apt-get install -y wrk gcc)');
  process.exit(1);
}
buildWorkspaces(root, ['packages/http', 'packages/macros']);

const scratch = mkdtempSync(join(tmpdir(), 'rt-upload-floor-'));
const script = join(scratch, 'upload.lua');
writeFileSync(script, `wrk.method = "POST"\nwrk.body = string.rep("u", ${bodyKiB * 1024})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);

function wrk(port, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, '-s', script, `http://127.0.0.1:${port}${path}`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout) => {
      const total = /([0-9]+) requests in/.exec(stdout);
      const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
      if (error || !total || !rps || /Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk ${args.join(' ')}: ${error?.message ?? stdout}`));
      resolve({ requests: Number(total[1]), rps: Number(rps[1]) });
    });
  });
}

async function start(name, file, args = [], env = {}) {
  const port = await freePort();
  return startListening(name, nodeBinary, [join(root, file), String(port), ...args], port, { ...SERVER_ENV, ...env });
}

/** The kernel's events `--syscalls` counts on a server, with their column names. */
const TRACEPOINTS = {
  read: 'syscalls:sys_enter_read',
  epoll_wait: 'syscalls:sys_enter_epoll_wait',
  epoll_pwait: 'syscalls:sys_enter_epoll_pwait',
  epoll_ctl: 'syscalls:sys_enter_epoll_ctl',
  sendto: 'syscalls:sys_enter_sendto',
  write: 'syscalls:sys_enter_write',
  writev: 'syscalls:sys_enter_writev',
  futex: 'syscalls:sys_enter_futex',
  'all syscalls': 'raw_syscalls:sys_enter',
  'context switches': 'context-switches',
  'packets sent': 'net:net_dev_xmit',
  sk_data_ready: 'sock:sk_data_ready',
  softirqs: 'irq:softirq_entry',
};

/**
 * Starts `perf stat` of the TRACEPOINTS on process `pid` for `duration` seconds (the caller gives
 * it ~0.15 s to attach before the wrk run it brackets); the promise resolves with the counts by
 * column name when it exits.
 */
function perfStat(pid, duration) {
  const perf = spawn('perf', ['stat', '-x,', '-e', Object.values(TRACEPOINTS).join(','), '-p', String(pid), '--', 'sleep', String(duration)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  perf.stderr.on('data', (chunk) => (text += chunk));
  return new Promise((resolve) => perf.once('exit', resolve)).then((code) => {
    if (code !== 0) throw new Error(`perf stat exited with ${code}: ${text}`);
    const counts = {};
    for (const line of text.split('\n')) {
      const [value, , event] = line.split(',');
      const name = Object.keys(TRACEPOINTS).find((key) => TRACEPOINTS[key] === event);
      if (name !== undefined) counts[name] = Number(value);
    }
    return counts;
  });
}

/** Counts divided by the uploads, as table cells. */
function perUpload(counts, uploads) {
  const cells = {};
  for (const name of Object.keys(TRACEPOINTS)) cells[name] = Number.isFinite(counts[name]) ? (counts[name] / uploads).toFixed(2) : '—';
  return cells;
}

const servers = [];
try {
  const version = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`Node ${version}; wrk -t1 -c${connections}, POST ${bodyKiB} KiB to ${path}, keep-alive; ${seconds} s per run, ${rounds} alternating rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (machine shared with other work)`);
  const cName = (where) => `C floor (epoll, ${Number(cBuffer) / 1024} KiB reads${where === 'reuse' ? '' : `, ${where}`})`;
  if (wanted('c')) for (const where of cWhere) servers.push({ name: cName(where), ...(await startPrintingPort(cName(where), buildC('http-upload-floor-server'), [cBuffer, where])) });
  if (wanted('rt')) servers.push(await start('@rt/http (FastResponse)', 'benchmarks/http-rt-server.mjs', ['--fast']));
  if (before !== undefined) servers.push(await start('@rt/http before', 'benchmarks/http-rt-server.mjs', ['--fast'], { RT_HTTP_DIST: before }));
  servers.push(await start('node:http', 'benchmarks/baselines/http-node-server.mjs'));
  if (wanted('floor')) servers.push(await start('floor (rt TcpStream)', 'benchmarks/http-upload-floor-server.mjs'));
  for (const kind of floorFresh) servers.push(await start(`floor, fresh ${kind}`, 'benchmarks/http-upload-floor-server.mjs', [`--fresh=${kind}`]));
  if (wanted('drain')) servers.push(await start('drain (no JS per read)', 'benchmarks/http-upload-floor-server.mjs', ['--drain']));
  // Warm-up: V8 still optimises @rt/http's code for several seconds of this load (--trace-opt).
  for (const server of servers) await wrk(server.port, warmup);
  const rows = [];
  const ratios = [];
  const deltas = [];
  const traced = [];
  for (let round = 0; round < rounds; round++) {
    const got = new Map();
    for (let s = 0; s < servers.length; s++) {
      const server = servers[(s + round) % servers.length];
      const perf = syscalls ? perfStat(server.child.pid, seconds + 0.4) : undefined;
      if (perf !== undefined) await new Promise((resolve) => setTimeout(resolve, 150));
      const start = cpuTimes(server.child.pid);
      const slept = sleeps(server.child.pid);
      const { requests, rps } = await wrk(server.port, seconds);
      const end = cpuTimes(server.child.pid);
      if (perf !== undefined) traced.push({ round: round + 1, server: server.name, ...perUpload(await perf, requests) });
      const wakeups = (sleeps(server.child.pid) - slept) / requests;
      const user = ((end.user - start.user) * 1e6) / requests;
      const system = ((end.system - start.system) * 1e6) / requests;
      got.set(server.name, { user, system, rps });
      rows.push({ round: round + 1, server: server.name, 'req/s': Math.round(rps), 'user µs': user.toFixed(0), 'kernel µs': system.toFixed(0), 'CPU µs/upload': (user + system).toFixed(0), 'sleeps/upload': wakeups.toFixed(2) });
    }
    const node = got.get('node:http');
    const cpu = (x) => x.user + x.system;
    const ratio = { round: round + 1 };
    for (const [name, x] of got) if (name !== 'node:http') ratio[`${name}: node ÷ it CPU, it ÷ node req/s`] = `${(cpu(node) / cpu(x)).toFixed(2)}, ${(x.rps / node.rps).toFixed(2)}`;
    ratios.push(ratio);
    const reused = got.get(cName('reuse'));
    if (reused !== undefined && cWhere.length > 1) {
      const delta = { round: round + 1 };
      for (const where of cWhere) {
        const x = got.get(cName(where));
        if (where !== 'reuse' && x !== undefined) delta[`${where} − reuse: user, kernel, CPU µs/upload`] = `${(x.user - reused.user).toFixed(0)}, ${(x.system - reused.system).toFixed(0)}, ${(cpu(x) - cpu(reused)).toFixed(0)}`;
      }
      deltas.push(delta);
    }
  }
  console.table(rows);
  console.table(ratios);
  if (deltas.length > 0) {
    console.log('C floor: a buffer per upload minus the reused buffer, same round:');
    console.table(deltas);
  }
  if (syscalls) {
    console.log('per upload, from perf stat tracepoints on the server during its wrk run (the CPU figures above of these rounds include the tracing):');
    console.table(traced);
  }
  console.log(`load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
