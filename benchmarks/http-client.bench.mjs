// The @rt/http client against undici's `request` (undici from npm, the engine under Node's
// fetch) in one run: keep-alive GETs of "Hello, World!" from one node:http server
// (baselines/http-node-server.mjs, in a child process), 64 in flight, each client with up to
// 64 connections. Rounds interleaved; prints requests/s, the client's CPU per request
// (process.cpuUsage: the server is another process) and the ratio rt ÷ undici.
//
//   node benchmarks/http-client.bench.mjs          (3 rounds × 3 s per client)
//   node benchmarks/http-client.bench.mjs --quick  (1 round × 2 s;  or RT_BENCH_QUICK=1)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { freePort, startListening } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? (quick ? 2 : 3));
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? (quick ? 1 : 3));
const inFlight = 64;

buildWorkspaces(root, ['packages/http']);
const { HttpClient } = await import('../packages/http/dist/index.js');

const port = await freePort();
const server = await startListening('node:http', process.execPath, [join(root, 'benchmarks/baselines/http-node-server.mjs'), String(port)], port);
const url = `http://127.0.0.1:${port}/`;

const rt = new HttpClient({ connectionsPerOrigin: inFlight });
const agent = new Agent({ connections: inFlight });
const clients = {
  '@rt/http HttpClient.fetch': async () => {
    const response = await rt.fetch(url);
    if ((await response.text()) !== 'Hello, World!') throw new Error('rt: wrong body');
  },
  'undici.request': async () => {
    const { body } = await request(url, { dispatcher: agent });
    if ((await body.text()) !== 'Hello, World!') throw new Error('undici: wrong body');
  },
};

async function run(get, ms) {
  const end = performance.now() + ms;
  let count = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      await get();
      count++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rps: count / elapsed, cpu: (used.user + used.system) / count };
}

try {
  for (const get of Object.values(clients)) await run(get, 500); // warm-up
  console.log(`keep-alive GET, ${inFlight} in flight, ${seconds} s per run, best of ${rounds}${quick ? ' (quick)' : ''}; machine shared with other work`);
  const names = Object.keys(clients);
  const best = {};
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      const result = await run(clients[name], seconds * 1000);
      if (best[name] === undefined || result.rps > best[name].rps) best[name] = result;
    }
  }
  const baseline = best['undici.request'];
  console.table(names.map((name) => ({
    client: name,
    'req/s': Math.round(best[name].rps),
    'client CPU µs/req': best[name].cpu.toFixed(1),
    '÷ undici (req/s)': name === 'undici.request' ? '' : (best[name].rps / baseline.rps).toFixed(2),
    'undici ÷ this (CPU/req)': name === 'undici.request' ? '' : (baseline.cpu / best[name].cpu).toFixed(2),
  })));
} finally {
  await rt.close();
  await agent.close();
  server.child.kill('SIGTERM');
}
