// The server side of http-p99.bench.mjs: the hello and JSON routes of http-rt-server.mjs
// (FastResponse) on @rt/http, or of baselines/http-node-server.mjs on node:http (`node` as the
// second argument), with what a slow round needs explained, printed on SIGUSR2 (one line on
// stderr, then reset): the event-loop delay (perf_hooks), V8 GC pauses by kind, accepted
// connections (a reconnect burst), requests, the server-side interval between two requests of
// one connection (handler call to handler call), stalls of the thread (below: off or on the
// CPU), and rt's forced yields and reactor batches.
//
// Usage: node benchmarks/http-p99-server.mjs <port> [rt | node]   (prints "listening on <port>")
//   RT_MAXREQ=n: the rt server's maxRequestsPerConnection (default: the server's, 10,000).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { json } from './baselines/http-routes.mjs';
import { createRoundProbe, reportOnSignal } from './lib/round-probe.mjs';

const port = Number(process.argv[2]);
const kind = process.argv[3] ?? 'rt';
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
const probe = createRoundProbe();
let accepted = 0;
let requests = 0;
// Log2 buckets of the per-connection interval in µs (bucket b: [2^b, 2^(b+1))).
let gaps = new Float64Array(32);
let maxGap = 0;
const last = new Map();
function gap(key) {
  const now = performance.now();
  const before = last.get(key);
  last.set(key, now);
  if (before === undefined) return;
  const us = (now - before) * 1000;
  if (us > maxGap) maxGap = us;
  gaps[Math.max(0, Math.min(31, Math.floor(Math.log2(Math.max(1, us)))))]++;
}
function gapPct(p) {
  let total = 0;
  for (const n of gaps) total += n;
  let seen = 0;
  for (let b = 0; b < 32; b++) { seen += gaps[b]; if (seen >= total * p) return (2 ** (b + 1) / 1000).toFixed(2); }
  return '-';
}
let metrics = () => ({});
let before = {};
// The round's figures of this server beside round-probe.mjs's (GC by kind, CPU, stalls).
reportOnSignal(probe, () => {
  const m = metrics();
  const delta = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  before = m;
  const line = { kind, accepted, requests, eldMaxMs: eld.max / 1e6, eldP99Ms: eld.percentile(99) / 1e6, gapP50Ms: Number(gapPct(0.5)), gapP99Ms: Number(gapPct(0.99)), gapMaxMs: maxGap / 1000, ...delta };
  eld.reset(); accepted = 0; requests = 0; gaps = new Float64Array(32); maxGap = 0; last.clear();
  return line;
});
if (kind === 'node') {
  const http = await import('node:http');
  const text = { 'content-type': 'text/plain' };
  const typed = { 'content-type': 'application/json' };
  const server = http.createServer((req, res) => {
    requests++;
    gap(req.socket);
    if (req.url.endsWith('/json')) { res.writeHead(200, typed); res.end(json); } else { res.writeHead(200, text); res.end('Hello, World!'); }
  });
  server.on('connection', () => accepted++);
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  const { main } = await import('../packages/macros/dist/index.js');
  const { Handle } = await import('../packages/scheduler/dist/index.js');
  const { FastResponse, serve } = await import(process.env['RT_HTTP_DIST'] ?? '../packages/http/dist/index.js');
  const { TcpListener } = await import('../packages/net/dist/index.js');
  const text = { 'content-type': 'text/plain' };
  const typed = { 'content-type': 'application/json' };
  await main(async () => {
    const handle = Handle.current();
    metrics = () => {
      const m = handle.metrics();
      const r = m.drivers['@rt/reactor'] ?? {};
      return { forcedYields: m.forcedYields, spawned: m.spawnedTasks, batches: r.batches ?? 0, events: r.events ?? 0 };
    };
    const listener = await TcpListener.bind({ host: '127.0.0.1', port });
    const accept = listener.accept.bind(listener);
    listener.accept = async (...args) => { const s = await accept(...args); accepted++; return s; };
    const maxReq = Number(process.env.RT_MAXREQ ?? 0);
    const server = await serve({ listener, limits: maxReq > 0 ? { maxRequestsPerConnection: maxReq } : undefined }, (request, ctx) => {
      requests++;
      gap(ctx.remoteAddr.port);
      if (request.url.endsWith('/json')) return new FastResponse(json, { headers: typed });
      return new FastResponse('Hello, World!', { headers: text });
    });
    console.log(`listening on ${server.addr.port}`);
    await new Promise((resolve) => process.once('SIGTERM', resolve));
    await server.shutdown({ timeout: 1000 });
  });
}
