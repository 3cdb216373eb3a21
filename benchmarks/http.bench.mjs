// wrk (Debian package) against @rt/http (benchmarks/http-rt-server.mjs: a Fetch handler
// returning `new Response(...)`, the same handler returning `new FastResponse(...)`, and returning
// `new Response(...)` after `overrideGlobalResponse()`) and against Node's `http` module with a plain handler writing
// the same bytes (benchmarks/baselines/http-node-server.mjs: `writeHead` + `end`; Node also
// sends `Connection: keep-alive` and `Keep-Alive: timeout=60`, rt sends neither), in one run,
// rounds interleaved. Rows: "hello" (GET /, 13 bytes), "json" (GET /json, 4 KiB), both with
// keep-alive at 64 connections, "hello, ab -k" (the same with ApacheBench, apache2-utils, when
// installed: HTTP/1.0 keep-alive; p99 in whole ms), and three uploads (POST of 1 MiB, 8
// connections; FastResponse against node:http only): "BYOB" (rt: a BYOB reader into a reused
// 64 KiB buffer; node: counts the 'data' chunks Node hands it and drops them), "for await"
// (rt: iterates the body stream and drops the chunks; node: the same as for BYOB) and
// "arrayBuffer()" (rt: `await request.arrayBuffer()`; node: the chunks copied into one Buffer
// sized by Content-Length, see baselines/http-routes.mjs); both
// answer 200 with `Content-Type: text/plain`, `Content-Length` and the length as text. Then the same Hono
// app (benchmarks/http-hono-server.mjs) on @rt/http and on @hono/node-server (both with a
// lightweight global Response: node-server's default, rt's overrideGlobalResponse()): hello and json. Prints requests/s,
// p99 latency, the server's CPU time per request (from /proc: wrk shares the two cores, so CPU
// per request is the fairer comparison when the machine is busy), its minor page faults per
// request (from /proc) and the ratios rt ÷ node. Every server runs with lib/proc.mjs's
// SERVER_ENV (glibc's heap trim threshold fixed): node:http's upload cost otherwise depends on
// its process's allocation history (0.5 or 100 page faults per 1 MiB upload; see SERVER_ENV).
//
//   node benchmarks/http.bench.mjs            (3 rounds × 5 s per server and row)
//   node benchmarks/http.bench.mjs --quick    (1 round × 3 s;  or RT_BENCH_QUICK=1)
//   node benchmarks/http.bench.mjs --rows=upload   (only the rows whose name contains "upload"; a comma list: --rows=hello,json)
//   node benchmarks/http.bench.mjs --servers=FastResponse   (only those rt servers, against node:http)
//   node benchmarks/http.bench.mjs --compare-root=/abs/path/to/other/worktree   (the same row, served
//     by that tree's benchmarks/http-rt-server.mjs --fast: every package of that build, not only
//     @rt/http; e.g. a `git worktree` of the base commit, installed and built)
//   node benchmarks/http.bench.mjs --compare=/abs/path/to/other/http/dist/index.js   (adds "@rt/http
//     (FastResponse, compared build)": http-rt-server.mjs --fast on that build of @rt/http, e.g. a copy
//     of packages/http/dist made before a change, kept under packages/http so its imports resolve;
//     before/after rounds interleaved in one run, each against node:http)
//   node benchmarks/http.bench.mjs --node=/abs/path/to/node   (every server, rt's and the baselines, on that Node
//     binary instead of the one running this script, so both sides of a ratio run on the same Node version)
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, have, minorFaults, SERVER_ENV, startListening } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? (quick ? 3 : 5));
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? (quick ? 1 : 3));
/** `--node=PATH`: the Node binary every server runs on (default: this one). */
const nodeBinary = process.argv.find((arg) => arg.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;

if (!have('wrk')) {
  console.error('http.bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}
// Build @rt/http (incremental: quick when up to date) so the run never measures stale code.
buildWorkspaces(root, ['packages/http', 'packages/macros']);
if (!existsSync(join(root, 'packages/http/dist/index.js'))) process.exit(1);

const scratch = mkdtempSync(join(tmpdir(), 'rt-http-bench-'));
const uploadScript = join(scratch, 'upload.lua');
writeFileSync(uploadScript, `wrk.method = "POST"\nwrk.body = string.rep("u", 1024 * 1024)\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);

// (and the compared build of FastResponse, with --compare)
const UPLOAD_SERVERS = ['@rt/http (FastResponse)', '@rt/http (FastResponse, compared build)', 'node:http'];
const rowFilter = process.argv.find((arg) => arg.startsWith('--rows='))?.slice('--rows='.length);
/** `--servers=FastResponse`: only the rt servers whose name contains it (and the baselines); Hono rows only for `--servers=Hono`. */
const serverFilter = process.argv.find((arg) => arg.startsWith('--servers='))?.slice('--servers='.length);
const allRows = [
  { name: 'hello', path: '/', connections: 64, args: [] },
  ...(have('ab') ? [{ name: 'hello, ab -k', path: '/', connections: 64, tool: 'ab' }] : []),
  { name: 'json 4 KiB', path: '/json', connections: 64, args: [] },
  // Upload rows: the response type does not matter there, so only FastResponse against node:http.
  { name: 'upload 1 MiB, BYOB', path: '/upload', connections: 8, args: ['-s', uploadScript], only: UPLOAD_SERVERS },
  { name: 'upload 1 MiB, for await', path: '/upload-stream', connections: 8, args: ['-s', uploadScript], only: UPLOAD_SERVERS },
  { name: 'upload 1 MiB, arrayBuffer()', path: '/upload-buffer', connections: 8, args: ['-s', uploadScript], only: UPLOAD_SERVERS },
];
if (!have('ab')) console.log('hello, ab -k row left out: ab (ApacheBench, Debian apache2-utils) is not installed');
const rows = rowFilter === undefined ? allRows : allRows.filter((row) => rowFilter.split(',').some((part) => row.name.includes(part)));

/** CPU time (user + system) of a process so far, in ms, from /proc. */
const cpuMs = (pid) => cpuSeconds(pid, NaN) * 1000;

/** ab (apache2-utils) with keep-alive (HTTP/1.0 + Keep-Alive): a second load generator for a row. */
function ab(port, row, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-k', '-q', '-c', String(row.connections), '-t', String(duration), '-n', '100000000', `http://127.0.0.1:${port}${row.path}`];
    execFile('ab', args, { timeout: (duration + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`ab ${args.join(' ')}: ${error.message}\n${stderr}`));
      const rps = /Requests per second:\s+([0-9.]+)/.exec(stdout);
      const total = /Complete requests:\s+([0-9]+)/.exec(stdout);
      const p99 = /\s99%\s+([0-9]+)/.exec(stdout);
      if (!rps || !total || !p99) return reject(new Error(`ab printed no result: ${stdout}`));
      if (/Non-2xx responses|Failed requests:\s+[1-9]/.test(stdout)) return reject(new Error(`ab reported errors:\n${stdout}`));
      resolve({ rps: Number(rps[1]), requests: Number(total[1]), p99: Number(p99[1]) });
    });
  });
}

function load(port, row, duration) {
  return row.tool === 'ab' ? ab(port, row, duration) : wrk(port, row, duration);
}

function wrk(port, row, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${row.connections}`, `-d${duration}s`, '--latency', ...row.args, `http://127.0.0.1:${port}${row.path}`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk ${args.join(' ')}: ${error.message}\n${stderr}`));
      const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
      const total = /([0-9]+) requests in/.exec(stdout);
      const p99 = /\s99%\s+([0-9.]+)(us|ms|s)/.exec(stdout);
      if (!rps || !total || !p99) return reject(new Error(`wrk printed no result: ${stdout}`));
      if (/Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk reported errors:\n${stdout}`));
      const scale = { us: 0.001, ms: 1, s: 1000 }[p99[2]];
      resolve({ rps: Number(rps[1]), requests: Number(total[1]), p99: Number(p99[1]) * scale });
    });
  });
}

/** The servers a row runs against (`row.only`: by name), the baseline last. */
function serversOf(servers, row) {
  return row.only === undefined ? servers : servers.filter((server) => row.only.includes(server.name));
}

/** Runs every row against every server (rounds interleaved); the last server is the baseline. */
async function measure(allServers, rows, baselineName) {
  for (const row of rows) for (const server of serversOf(allServers, row)) await load(server.port, row, 1); // warm-up (JIT)
  const table = [];
  for (const row of rows) {
    const servers = serversOf(allServers, row);
    const best = servers.map(() => undefined);
    const all = servers.map(() => []); // every round's result, by round
    for (let round = 0; round < rounds; round++) {
      for (let s = 0; s < servers.length; s++) {
        const index = (s + round) % servers.length;
        const server = servers[index];
        const before = cpuMs(server.child.pid);
        const faultsBefore = minorFaults(server.child.pid);
        const result = await load(server.port, row, seconds);
        const cpu = ((cpuMs(server.child.pid) - before) * 1000) / result.requests;
        const faults = (minorFaults(server.child.pid) - faultsBefore) / result.requests;
        all[index][round] = { ...result, cpu, faults };
        if (best[index] === undefined || result.rps > best[index].rps) best[index] = { ...result, cpu, faults };
      }
    }
    const baseline = best[servers.length - 1];
    /** min–max over rounds of a per-round ratio against the baseline's same round. */
    const range = (s, ratio) => {
      const values = all[s].map((result, round) => ratio(result, all[servers.length - 1][round]));
      const low = Math.min(...values).toFixed(2);
      const high = Math.max(...values).toFixed(2);
      return low === high ? low : `${low}–${high}`;
    };
    for (let s = 0; s < servers.length; s++) {
      const result = best[s];
      const isBaseline = s === servers.length - 1;
      table.push({
        row: `${row.name} (-c${row.connections})`,
        server: servers[s].name,
        'req/s': Math.round(result.rps),
        'p99 ms': result.p99.toFixed(2),
        'CPU µs/req': result.cpu.toFixed(1),
        'faults/req': result.faults.toFixed(1),
        [`÷ ${baselineName} (req/s)`]: isBaseline ? '' : (result.rps / baseline.rps).toFixed(2),
        [`${baselineName} ÷ this (CPU/req)`]: isBaseline ? '' : (baseline.cpu / result.cpu).toFixed(2),
        'rounds: req/s ratio': isBaseline || rounds < 2 ? '' : range(s, (ours, theirs) => ours.rps / theirs.rps),
        'rounds: CPU ratio': isBaseline || rounds < 2 ? '' : range(s, (ours, theirs) => theirs.cpu / ours.cpu),
      });
    }
  }
  console.table(table);
}

const servers = [];
/** `--compare=PATH`: another build of @rt/http to serve FastResponse with (RT_HTTP_DIST of http-rt-server.mjs). */
/** `--compare-root=DIR`: another whole build (a worktree) to serve FastResponse with (DIR's own http-rt-server.mjs). */
const compareRoot = process.argv.find((arg) => arg.startsWith('--compare-root='))?.slice('--compare-root='.length);
const compare = process.argv.find((arg) => arg.startsWith('--compare='))?.slice('--compare='.length) ?? (compareRoot === undefined ? undefined : '');
async function start(name, script, ...args) {
  const port = await freePort();
  const compared = name.endsWith('compared build)');
  const env = compared && compareRoot === undefined ? { ...SERVER_ENV, RT_HTTP_DIST: compare } : SERVER_ENV;
  const server = await startListening(name, nodeBinary, [join(compared && compareRoot !== undefined ? compareRoot : root, script), String(port), ...args], port, env);
  servers.push(server);
  return server;
}
try {
  const nodeVersion = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`wrk -t1 --latency, keep-alive; ${seconds} s per run, best of ${rounds} round(s)${quick ? ' (quick)' : ''}; servers on Node ${nodeVersion}; machine shared with other work`);
  const plainServers = [
    ['@rt/http (Response)', 'benchmarks/http-rt-server.mjs'],
    ['@rt/http (FastResponse)', 'benchmarks/http-rt-server.mjs', '--fast'],
    ['@rt/http (Response, overrideGlobalResponse)', 'benchmarks/http-rt-server.mjs', '--global'],
    ...(compare === undefined ? [] : [['@rt/http (FastResponse, compared build)', 'benchmarks/http-rt-server.mjs', '--fast']]),
  ].filter(([name]) => serverFilter === undefined || name.includes(serverFilter));
  const plain = [];
  for (const [name, script, ...args] of plainServers) plain.push(await start(name, script, ...args));
  plain.push(await start('node:http', 'benchmarks/baselines/http-node-server.mjs'));
  await measure(plain, rows, 'node');
  for (const server of plain) server.child.kill('SIGTERM');
  const honoRows = rows.filter((row) => !row.path.startsWith('/upload'));
  if (honoRows.length > 0 && (serverFilter === undefined || 'Hono'.includes(serverFilter))) {
    const hono = [
      await start('Hono on @rt/http', 'benchmarks/http-hono-server.mjs'),
      await start('Hono on @hono/node-server', 'benchmarks/http-hono-server.mjs', '--node'),
    ];
    await measure(hono, honoRows, 'node-server');
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
