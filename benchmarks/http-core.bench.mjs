// The HTTP servers' own cost per request, without the kernel: each server is fed keep-alive
// requests over an in-memory connection (one request in flight; the next arrives when the
// response is written), and the process's CPU time per request is measured. On a shared
// 2-core machine the wrk rows of http.bench.mjs are dominated by socket syscalls and by who
// gets the CPU; this isolates what a server's code costs: the parser, the request and
// response objects, the handler's task, serialisation, and for the upload row the body's
// way into the handler (the in-memory connection gives it 64 KiB per read; the upload row posts
// to /upload-buffer: rt `arrayBuffer()` against node:http reading into one Buffer sized by
// Content-Length; the BYOB row to
// /upload: rt reads into a reused 64 KiB buffer, node:http counts and drops its chunks).
//
// - @rt/http through `serve({ tls })` with an acceptor that hands the server an in-memory
//   stream (read() resolves with the next request, tryWrite() takes the response).
// - node:http through `server.emit('connection', duplex)` with an in-memory Duplex.
// Each row runs in its own child process (so `overrideGlobalResponse` stays in its row),
// rounds interleaved; prints the best CPU µs per request of each and the ratio to the
// baseline (node:http for the plain rows, @hono/node-server's listener for the Hono rows).
//
//   node benchmarks/http-core.bench.mjs           (3 rounds × 100k requests per row)
//   node benchmarks/http-core.bench.mjs --quick   (2 rounds × 30k; or RT_BENCH_QUICK=1)
//   node benchmarks/http-core.bench.mjs --rows=upload   (only the rows whose name contains "upload")
//   --before=/abs/path/index.js   also runs 'rt FastResponse, before': another build of @rt/http
//                                 (a copy of packages/http/dist kept inside packages/http)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);

const variants = {
  'rt Response': { kind: 'rt', reply: 'response' },
  'rt FastResponse': { kind: 'rt', reply: 'fast' },
  'rt Response, overrideGlobalResponse()': { kind: 'rt', reply: 'response', override: true },
  'node:http': { kind: 'node' },
  'Hono on rt, overrideGlobalResponse()': { kind: 'rt', reply: 'hono', override: true },
  'Hono on @hono/node-server': { kind: 'hono-node' },
};
// --before=…: passed to the row processes in the environment.
const beforeArg = process.argv.find((arg) => arg.startsWith('--before='))?.slice('--before='.length);
if (beforeArg !== undefined) process.env['RT_HTTP_CORE_BEFORE'] = beforeArg;
const before = process.env['RT_HTTP_CORE_BEFORE'];
if (before !== undefined) variants['rt FastResponse, before'] = { kind: 'rt', reply: 'fast', dist: before };
const paths = { hello: '/', 'json 4 KiB': '/json', 'upload 1 MiB, arrayBuffer()': '/upload-buffer', 'upload 1 MiB, BYOB': '/upload' };
/** The upload rows run FastResponse against node:http only (the reply type does not matter there). */
const UPLOAD_NAMES = ['rt FastResponse', 'rt FastResponse, before', 'node:http'];
const UPLOAD = 1024 * 1024;
/** The connection delivers at most this much per read (what a loopback socket read often gives). */
const CHUNK = 64 * 1024;

if (process.argv[2] === '--child') {
  const [, , , name, path, countText] = process.argv;
  console.log(JSON.stringify(await child(variants[name], path, Number(countText))));
  process.exit(0);
}

const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const rowFilter = process.argv.find((arg) => arg.startsWith('--rows='))?.slice('--rows='.length);
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? (quick ? 2 : 3));
const count = Number(process.env['RT_HTTP_REQUESTS'] ?? (quick ? 30_000 : 100_000));
buildWorkspaces(root, ['packages/http', 'packages/macros']);

function runChild(name, path) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [self, '--child', name, path, String(count)], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${name} ${path}: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

console.log(`in-memory connection, 1 request in flight; ${count} requests per run, best of ${rounds} round(s)${quick ? ' (quick)' : ''}; machine shared with other work`);
const groups = [
  { names: ['rt Response', 'rt FastResponse', ...(before === undefined ? [] : ['rt FastResponse, before']), 'rt Response, overrideGlobalResponse()', 'node:http'], baseline: 'node:http' },
  { names: ['Hono on rt, overrideGlobalResponse()', 'Hono on @hono/node-server'], baseline: 'Hono on @hono/node-server' },
];
const table = [];
for (const group of groups) {
  for (const [row, path] of Object.entries(paths)) {
    if (rowFilter !== undefined && !row.includes(rowFilter)) continue;
    if (path.startsWith('/upload') && group.names.some((name) => name.includes('Hono'))) continue; // the Hono rows: hello and json
    const names = path.startsWith('/upload') ? group.names.filter((name) => UPLOAD_NAMES.includes(name)) : group.names;
    const best = new Map();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const result = await runChild(name, path);
        if (!best.has(name) || result.cpu < best.get(name).cpu) best.set(name, result);
      }
    }
    const base = best.get(group.baseline).cpu;
    for (const name of names) {
      const { cpu, bytes } = best.get(name);
      table.push({ row, server: name, 'CPU µs/req': cpu.toFixed(2), 'response bytes': bytes, [`baseline ÷ this`]: name === group.baseline ? '' : (base / cpu).toFixed(2) });
    }
  }
}
console.table(table);

/** Runs `count` requests (after a warm-up) through one in-memory connection; best CPU µs/request of 3. */
async function child(variant, path, count) {
  let total = count;
  const request =
    path.startsWith('/upload')
      ? Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: ${UPLOAD}\r\n\r\n`), Buffer.alloc(UPLOAD, 'u')])
      : Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n`);
  if (path.startsWith('/upload')) total = Math.max(1, Math.round(total / 100)); // 1 MiB each
  const { json } = await import('./baselines/http-routes.mjs');
  const run = variant.kind === 'rt' ? await rtConnection(variant, request, json) : await nodeConnection(variant, request, json);
  await run(Math.min(20_000, total * 0.2)); // warm-up (JIT)
  let best = Infinity;
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage();
    bytes = await run(total);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / total);
  }
  return { cpu: best, bytes };
}

async function honoApp(json) {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.get('/', (c) => c.text('Hello, World!'));
  app.get('/json', (c) => c.body(json, 200, { 'content-type': 'application/json' }));
  return app;
}

/** @rt/http serving an in-memory stream; returns run(n) → bytes of the last response. */
async function rtConnection(variant, request, json) {
  const http = await import(variant.dist ?? '../packages/http/dist/index.js');
  const { countByob } = await import('./baselines/http-routes.mjs');
  const { Builder } = await import('../packages/scheduler/dist/index.js');
  if (variant.override) http.overrideGlobalResponse();
  const text = { 'content-type': 'text/plain' };
  const typed = { 'content-type': 'application/json' };
  const buffers = [];
  let handler;
  if (variant.reply === 'hono') handler = (await honoApp(json)).fetch;
  else {
    const Reply = variant.reply === 'fast' ? http.FastResponse : globalThis.Response;
    handler = async (req) => {
      if (req.method === 'POST' && req.url.endsWith('/upload-buffer')) return new Reply(String((await req.arrayBuffer()).byteLength), { headers: text });
      if (req.method === 'POST') {
        // As benchmarks/http-rt-server.mjs: a BYOB reader into a reused 64 KiB buffer.
        const length = await countByob(req.body, buffers);
        return new Reply(String(length), { headers: text });
      }
      return req.url.endsWith('/json') ? new Reply(json, { headers: typed }) : new Reply('Hello, World!', { headers: text });
    };
  }
  const runtime = Builder.currentThread().build();
  return (n) =>
    runtime.run(async () => {
      let left = n;
      let offset = request.length;
      let written = 0;
      let finished;
      const done = new Promise((resolve) => (finished = resolve));
      const stream = {
        read(buf) {
          if (offset === request.length) {
            if (left-- <= 0) {
              finished();
              return Promise.resolve(0);
            }
            offset = 0;
            written = 0;
          }
          const n = request.copy(buf, 0, offset, Math.min(request.length, offset + CHUNK));
          offset += n;
          return Promise.resolve(n);
        },
        tryWrite(bytes) {
          written += bytes.length;
          return bytes.length;
        },
        async writeAll(bytes) {
          written += bytes.length;
        },
        close() {},
      };
      const server = await http.serve({ tls: { accept: async () => stream }, limits: { maxRequestsPerConnection: 1e9 } }, handler);
      const { connect } = await import('node:net');
      const socket = connect(server.addr.port, '127.0.0.1'); // the accept that starts the connection
      socket.on('error', () => undefined);
      await done;
      socket.destroy();
      await server.shutdown({ timeout: 100 });
      return written;
    });
}

/** node:http (or @hono/node-server's listener) on an in-memory Duplex; returns run(n). */
async function nodeConnection(variant, request, json) {
  const http = await import('node:http');
  const { Duplex } = await import('node:stream');
  const { nodeListener } = await import('./baselines/http-routes.mjs');
  let listener;
  if (variant.kind === 'hono-node') {
    const { getRequestListener } = await import('@hono/node-server');
    listener = getRequestListener((await honoApp(json)).fetch); // installs its global Response, as serve() does
  } else {
    listener = nodeListener(); // the handler of baselines/http-node-server.mjs
  }
  const server = http.createServer(listener);
  server.keepAliveTimeout = 60_000;
  return (n) =>
    new Promise((resolve) => {
      let responses = 0;
      let last = 0;
      const send = () => {
        // Copied, as a socket read gives new bytes each time.
        for (let offset = 0; offset < request.length; offset += CHUNK) socket.push(Buffer.from(request.subarray(offset, offset + CHUNK)));
      };
      const socket = new Duplex({
        read() {},
        write(chunk, _encoding, callback) {
          // One response per request: its first chunk starts with the status line.
          if (chunk.length >= 9 && chunk.latin1Slice(0, 9) === 'HTTP/1.1 ') {
            last = 0;
            if (++responses < n) process.nextTick(send);
            else process.nextTick(() => {
              socket.destroy();
              resolve(last);
            });
          }
          last += chunk.length;
          callback();
        },
      });
      Object.assign(socket, { setNoDelay: () => socket, setKeepAlive: () => socket, setTimeout: () => socket, remoteAddress: '127.0.0.1', remotePort: 1 });
      server.emit('connection', socket);
      send();
    });
}
