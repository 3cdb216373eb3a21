// Does a server's history change what a 1 MiB upload costs it? http.bench.mjs's full order
// measures the BYOB upload row on server processes that first served the hello and JSON rows
// (64 connections each, opened and closed) and the warm-ups of the other two upload rows; run
// with `--rows=BYOB` the same servers have served nothing else. This bench runs both kinds in one
// run: for @rt/http (`FastResponse`, benchmarks/http-rt-server.mjs --fast) and node:http
// (baselines/http-node-server.mjs), a fresh process and one with that history ("history": wrk
// -t1 -c64 on GET / and GET /json for HISTORY seconds each, then 2 s each of POST 1 MiB to
// /upload-stream and /upload-buffer, -c8), then BYOB upload rounds (wrk -t1 -c8, POST 1 MiB to
// /upload) rotating over the four processes. Per round and process: uploads, CPU µs per upload
// split into user and kernel (/proc), sleeps per upload (voluntary context switches of the main
// thread: waits in epoll), V8 scavenges and mark-compacts per upload (`--trace-gc`), minor page
// faults per upload, and the V8 heap after the last GC (used (committed) MB). Then per process the
// median CPU per upload over the rounds and node:http ÷ rt for each pair.
//
//   node benchmarks/http-upload-history.bench.mjs [--node=/abs/node] [--history=15] [--rounds=6] [--seconds=4]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTimes, freePort, have, minorFaults, SERVER_ENV, sleeps, startTracingGc } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const nodeBinary = option('node', process.execPath);
const historySeconds = Number(option('history', '15'));
const rounds = Number(option('rounds', '6'));
const seconds = Number(option('seconds', '4'));
if (!have('wrk')) {
  console.error('http-upload-history.bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'rt-upload-history-'));
const upload = join(scratch, 'upload.lua');
writeFileSync(upload, `wrk.method = "POST"\nwrk.body = string.rep("u", 1024 * 1024)\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);

/** One wrk run; resolves with the requests it completed. */
function wrk(port, path, connections, duration, script) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, ...(script === undefined ? [] : ['-s', script]), `http://127.0.0.1:${port}${path}`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout) => {
      const total = /([0-9]+) requests in/.exec(stdout);
      if (error || !total || /Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk ${args.join(' ')}: ${error?.message ?? stdout}`));
      resolve(Number(total[1]));
    });
  });
}

async function start(name, file, args) {
  const port = await freePort();
  return startTracingGc(name, nodeBinary, [join(root, file), String(port), ...args], port, SERVER_ENV);
}

const servers = [];
try {
  console.log(`BYOB upload (wrk -t1 -c8, POST 1 MiB), fresh server processes against ones with http.bench's history (${historySeconds} s each of hello and JSON at -c64, 2 s each of the other two upload routes); ${rounds} rotating rounds × ${seconds} s; servers on ${nodeBinary}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  servers.push(await start('rt fresh', 'benchmarks/http-rt-server.mjs', ['--fast']));
  servers.push(await start('rt history', 'benchmarks/http-rt-server.mjs', ['--fast']));
  servers.push(await start('node:http fresh', 'benchmarks/baselines/http-node-server.mjs', []));
  servers.push(await start('node:http history', 'benchmarks/baselines/http-node-server.mjs', []));
  for (const server of servers.filter((s) => s.name.endsWith('history'))) {
    await wrk(server.port, '/', 64, historySeconds);
    await wrk(server.port, '/json', 64, historySeconds);
    await wrk(server.port, '/upload-stream', 8, 2, upload);
    await wrk(server.port, '/upload-buffer', 8, 2, upload);
  }
  for (const server of servers) await wrk(server.port, '/upload', 8, 2, upload); // the row's own warm-up
  const rows = [];
  const cpu = new Map(servers.map((server) => [server.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let s = 0; s < servers.length; s++) {
      const server = servers[(s + round) % servers.length];
      const pid = server.child.pid;
      const [before, slept, faults, gc] = [cpuTimes(pid), sleeps(pid), minorFaults(pid), { ...server.gc }];
      const uploads = await wrk(server.port, '/upload', 8, seconds, upload);
      const after = cpuTimes(pid);
      const per = (x) => x / uploads;
      const user = per(after.user - before.user) * 1e6;
      const kernel = per(after.system - before.system) * 1e6;
      cpu.get(server.name)[round] = user + kernel;
      rows.push({
        round: round + 1,
        server: server.name,
        uploads,
        'CPU µs': (user + kernel).toFixed(1),
        'user µs': user.toFixed(1),
        'kernel µs': kernel.toFixed(1),
        'sleeps/upload': per(sleeps(pid) - slept).toFixed(2),
        'scavenges/upload': per(server.gc.scavenges - gc.scavenges).toFixed(3),
        'mark-compacts/upload': per(server.gc.markCompacts - gc.markCompacts).toFixed(4),
        'faults/upload': per(minorFaults(pid) - faults).toFixed(1),
        'heap MB': `${server.gc.heapMb} (${server.gc.committedMb})`,
      });
    }
  }
  console.table(rows);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  };
  const summary = {};
  for (const [name, values] of cpu) summary[name] = `median ${median(values).toFixed(1)} µs (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
  const ratios = (node, rt) => cpu.get(node).map((value, round) => value / cpu.get(rt)[round]);
  const range = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} (median ${median(values).toFixed(2)})`;
  summary['node:http ÷ rt, both fresh (per round)'] = range(ratios('node:http fresh', 'rt fresh'));
  summary['node:http ÷ rt, both with history (per round)'] = range(ratios('node:http history', 'rt history'));
  summary['rt: history ÷ fresh (per round)'] = range(cpu.get('rt history').map((value, round) => value / cpu.get('rt fresh')[round]));
  summary['node:http: history ÷ fresh (per round)'] = range(cpu.get('node:http history').map((value, round) => value / cpu.get('node:http fresh')[round]));
  console.table(summary);
  console.log(`load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
