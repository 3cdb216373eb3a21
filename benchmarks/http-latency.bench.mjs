// Latency of @rt/http (FastResponse) and node:http measured by a client whose figures obey
// Little's law: benchmarks/c/http-count-client.c with LATENCY=1 (64 keep-alive connections, one
// request in flight on each, a fixed count per round; each request timed from its write to its
// whole answer on CLOCK_MONOTONIC and on CLOCK_REALTIME, the clock wrk uses). Rounds alternate
// the two servers (benchmarks/http-p99-server.mjs, the same routes as http.bench).
//
// Why: wrk's latency figures on this VM break Little's law in its slow runs (a mean of 3.01 ms
// at 196,369 req/s, where 64 requests in flight allow 0.33 ms; see packages/http/README.md), so
// its p99 cannot be taken at face value there. Here each round prints the mean Little's law
// allows (64 ÷ requests/s) beside the measured mean on both clocks: a round where they differ
// is reported, not trusted.
//
//   node benchmarks/http-latency.bench.mjs [--rounds=6] [--requests=600000] [--rows=hello,json]
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './lib/loadgen.mjs';
import { freePort, SERVER_ENV, startListening } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(arg('rounds', '6'));
const requests = Number(arg('requests', '600000'));
const ROWS = { hello: '/', json: '/json' };
const rowNames = arg('rows', 'hello,json').split(',');
const client = buildC('http-count-client');

/** One round: the client's latency line (µs). */
function measure(port, path, count) {
  return new Promise((resolve, reject) => {
    execFile(client, [String(port), '64', String(count), path], { env: { ...process.env, LATENCY: '1' }, timeout: 300_000 }, (error, stdout) => {
      if (error) return reject(error);
      const line = stdout.split('\n').find((l) => l.includes('latency_us'));
      if (line === undefined) return reject(new Error(`http-count-client printed no latency line: ${stdout}`));
      resolve(JSON.parse(line).latency_us);
    });
  });
}

const ms = (us) => (us / 1000).toFixed(2);
const servers = [];
try {
  for (const kind of ['rt', 'node']) {
    const port = await freePort();
    servers.push(await startListening(kind === 'rt' ? '@rt/http' : 'node:http', process.execPath, [join(root, 'benchmarks/http-p99-server.mjs'), String(port), kind], port, SERVER_ENV));
  }
  console.log(`http-count-client LATENCY=1: 64 connections, ${requests} requests per round, ${rounds} rounds per server and row, alternated (ms)`);
  for (const rowName of rowNames) {
    const path = ROWS[rowName];
    if (path === undefined) throw new Error(`http-latency.bench: no row ${rowName} (hello, json)`);
    for (const server of servers) await measure(server.port, path, Math.min(requests, 100_000)); // warm-up (JIT)
    const table = [];
    const p99s = new Map(servers.map((server) => [server.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length];
        const l = await measure(server.port, path, requests);
        const m = l.monotonic;
        // Within 2% of the mean Little's law allows, on both clocks: the figures are the requests'.
        const sound = Math.abs(m.mean - l.little_mean) <= 0.02 * l.little_mean && Math.abs(l.realtime.mean - l.little_mean) <= 0.02 * l.little_mean;
        p99s.get(server.name).push(m.p99);
        table.push({ row: rowName, round, server: server.name, 'Little mean': ms(l.little_mean), 'mean (mono / real)': `${ms(m.mean)} / ${ms(l.realtime.mean)}`, 'p50 / p90 / p99 / p99.9 / max': `${ms(m.p50)} / ${ms(m.p90)} / ${ms(m.p99)} / ${ms(m.p999)} / ${ms(m.max)}`, 'Little holds': sound ? 'yes' : 'NO' });
      }
    }
    console.table(table);
    for (const [name, values] of p99s) console.log(`${rowName}: ${name} p99 per round (ms, sorted): ${values.sort((a, b) => a - b).map(ms).join(' ')}`);
    const median = (values) => values[Math.floor(values.length / 2)];
    const [rt, node] = [...p99s.values()];
    console.log(`${rowName}: median p99 node:http ÷ @rt/http = ${(median(node) / median(rt)).toFixed(2)} (≥ 1: rt's p99 is the lower)`);
  }
} finally {
  for (const server of servers) server.child.kill();
}
