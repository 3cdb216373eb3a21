#!/usr/bin/env node
// User-space instructions per 1 MiB upload of ONE server process, counted by callgrind in steady
// state: the server runs under valgrind with instrumentation off while this script (another
// process, not counted) sends WARM uploads over 8 keep-alive connections, then 300 more with
// instrumentation on (callgrind's own warm-up), then N counted between a zero and a dump of the
// counters, on the same 8 connections (a connection that closes or opens would deoptimise and
// recompile the server's hot functions inside the count). Unlike `http-cost.mjs --callgrind`, no
// client is counted and no JIT warm-up falls into the count.
//
//   node benchmarks/http-upload-callgrind.mjs SERVER [N] [WARM] [--top=K]   (run it with the Node to measure)
//     SERVER: rt (http-rt-server.mjs --fast, the BYOB row), floor (http-upload-floor-server.mjs),
//     drain (the floor with --drain), floor-whole (the floor with --fresh=whole: each body in one
//     new buffer of its Content-Length, the floor of the arrayBuffer() row), node
//     (baselines/http-node-server.mjs)
//     N uploads counted (default 1000), WARM uploads before (default 15000)
//     --top=K also prints the K functions with the most instructions of their own, and the K
//     largest inclusive counts (JIT code named from V8's perf map: the server then runs with
//     --perf-basic-prof)
//     --path=/upload-buffer (or /upload-stream) uploads to another route (default /upload: the
//     BYOB row; rt and node only)
//     --keep=/abs/file copies the callgrind dump there (for callgrind_annotate --inclusive=yes), and
//     with --top V8's perf map to /abs/file.perf-map
//     --history=SECONDS first serves what http.bench.mjs's full order serves before its upload rows:
//     wrk -t1 -c64 for SECONDS on GET / and then on GET /json (64 connections opened and closed),
//     and 200 uploads to each of /upload-stream and /upload-buffer (rt and node)
//   RT_HTTP_DIST=/abs/path/index.js serves another build of @rt/http (rt only)
// Prints the instructions per upload (server process, every thread; `--single-threaded`, so V8's
// JIT and GC work runs on the main thread and is counted where it happens).
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annotate, jitNamer, topFunctions } from './lib/callgrind.mjs';
import { freePort, have, SERVER_ENV } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const [server = 'rt', counted = '1000', warm = '15000'] = positional;
const top = Number(process.argv.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 0);
const path = process.argv.find((arg) => arg.startsWith('--path='))?.slice(7) ?? '/upload';
const keep = process.argv.find((arg) => arg.startsWith('--keep='))?.slice(7);
const history = Number(process.argv.find((arg) => arg.startsWith('--history='))?.slice(10) ?? 0);
const scripts = {
  rt: ['benchmarks/http-rt-server.mjs', '--fast'],
  floor: ['benchmarks/http-upload-floor-server.mjs'],
  drain: ['benchmarks/http-upload-floor-server.mjs', '--drain'],
  'floor-whole': ['benchmarks/http-upload-floor-server.mjs', '--fresh=whole'],
  node: ['benchmarks/baselines/http-node-server.mjs'],
};
if (scripts[server] === undefined) throw new Error(`unknown server ${server} (rt, floor, floor-whole, drain, node)`);
if (!have('valgrind') || !have('callgrind_control')) {
  console.error('http-upload-callgrind: needs valgrind (apt-get install -y valgrind)');
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'rt-upload-callgrind-'));
const out = join(scratch, 'callgrind.out');
const port = await freePort();
const [file, ...args] = scripts[server];
const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--dump-instr=no', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', ...(top > 0 ? ['--perf-basic-prof'] : []), join(root, file), String(port), ...args], {
  env: { ...process.env, ...SERVER_ENV, RT_HTTP_IDLE_MS: '600000' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
child.stdout.on('data', (chunk) => (log += chunk));
child.stderr.on('data', (chunk) => (log += chunk));
try {
  // Under valgrind the server takes tens of seconds to start.
  for (let waited = 0; !/listening/.test(log); waited += 250) {
    if (child.exitCode !== null || waited > 600_000) throw new Error(`the server did not start: ${log.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (history > 0) {
    if (!have('wrk')) throw new Error('--history needs wrk');
    for (const route of ['/', '/json']) execFileSync('wrk', ['-t1', '-c64', `-d${history}s`, `http://127.0.0.1:${port}${route}`], { stdio: 'ignore' });
  }
  const body = Buffer.alloc(1024 * 1024, 'u');
  const headOf = (route) => Buffer.from(`POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
  let head = headOf(path);
  const sockets = await Promise.all(Array.from({ length: 8 }, () => new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  })));
  /** `count` uploads over the 8 connections, one in flight on each; resolves when all are answered. */
  const uploads = (count) => {
    let left = count;
    return Promise.all(sockets.map((socket) => new Promise((resolve, reject) => {
      let answer = '';
      const next = () => {
        if (left <= 0) {
          socket.removeAllListeners('data');
          return resolve();
        }
        left--;
        answer = '';
        socket.write(head);
        socket.write(body);
      };
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
        const end = answer.indexOf('\r\n\r\n');
        const length = /content-length: *([0-9]+)/i.exec(answer);
        if (end < 0 || length === null || answer.length < end + 4 + Number(length[1])) return;
        if (!answer.startsWith('HTTP/1.1 200') || answer.slice(end + 4) !== String(body.length)) return reject(new Error(`unexpected answer: ${answer}`));
        next();
      });
      next();
    })));
  };
  const control = (...flags) => execFileSync('callgrind_control', [...flags, String(child.pid)], { stdio: 'ignore' });
  if (history > 0) {
    for (const route of ['/upload-stream', '/upload-buffer']) {
      head = headOf(route);
      await uploads(200);
    }
    head = headOf(path);
  }
  await uploads(Number(warm));
  control('-i', 'on');
  await uploads(300);
  control('-z');
  await uploads(Number(counted));
  control('-d');
  for (const socket of sockets) socket.destroy();
  const dump = readdirSync(scratch).filter((name) => name.startsWith('callgrind.out.')).sort().at(-1);
  if (dump === undefined) throw new Error('callgrind wrote no dump');
  const text = readFileSync(join(scratch, dump), 'utf8');
  if (keep !== undefined) {
    writeFileSync(keep, text);
    if (existsSync(`/tmp/perf-${child.pid}.map`)) copyFileSync(`/tmp/perf-${child.pid}.map`, `${keep}.perf-map`);
  }
  const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]);
  console.log(`${server} ${path}: ${Math.round(total / Number(counted))} instructions per upload (${counted} uploads after ${warm} + 300; Node ${process.version}${process.env['RT_HTTP_DIST'] ? `, RT_HTTP_DIST=${process.env['RT_HTTP_DIST']}` : ''})`);
  if (top > 0) {
    const named = jitNamer(child.pid);
    for (const inclusive of [false, true]) {
      console.log(`\n${inclusive ? 'inclusive' : 'self'}, per upload (top ${top}):`);
      const rows = topFunctions(annotate(join(scratch, dump), inclusive), total, Number(counted), named).filter(([, , whole]) => inclusive || !whole);
      for (const [count, name] of rows.slice(0, top)) console.log(`${count.toFixed(0).padStart(9)}  ${name.slice(0, 150)}`);
    }
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  rmSync(scratch, { recursive: true, force: true });
  rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
}
