// wrk (Debian package) against http-hello on rt vs the same answer from Node's `http`
// module (benchmarks/baselines/http-node-server.mjs), in one run: `wrk -t1 -c50 -d<s>` on
// `GET /`, each server in turn, rounds interleaved. Prints requests/s, the server's CPU
// time per request (from /proc: wrk shares the two cores, so CPU per request is the fairer
// comparison when wrk is the bottleneck) and the ratio rt ÷ http.
//
//   node benchmarks/http.bench.mjs            (3 rounds × 8 s per server, ~55 s)
//   node benchmarks/http.bench.mjs --quick    (1 round × 3 s;  or RT_BENCH_QUICK=1)
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, have, startListening } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? (quick ? 3 : 8));
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? (quick ? 1 : 3));
const connections = 50;

if (!have('wrk')) {
  console.error('http.bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}
const httpHello = join(root, 'examples/http-hello/dist/main.js');
// Build it (incremental: quick when up to date) so the run never measures stale code.
const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', join(root, 'examples/http-hello')], { stdio: 'inherit' });
if (tsc.status !== 0 || !existsSync(httpHello)) process.exit(1);

const start = (name, args, port) => startListening(name, process.execPath, args, port);

/** CPU time (user + system) of a process so far, in ms, from /proc. */
const cpuMs = (pid) => cpuSeconds(pid, NaN) * 1000;

function wrk(port, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, `http://127.0.0.1:${port}/`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk ${args.join(' ')}: ${error.message}\n${stderr}`));
      const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
      const total = /([0-9]+) requests in/.exec(stdout);
      if (!rps || !total) return reject(new Error(`wrk printed no result: ${stdout}`));
      if (/Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk reported errors:\n${stdout}`));
      resolve({ rps: Number(rps[1]), requests: Number(total[1]) });
    });
  });
}

const servers = [];
try {
  const rtPort = await freePort();
  servers.push(await start('http-hello on rt', [httpHello, '--port', String(rtPort)], rtPort));
  const nodePort = await freePort();
  servers.push(await start('node:http', [join(root, 'benchmarks/baselines/http-node-server.mjs'), String(nodePort)], nodePort));
  for (const server of servers) await wrk(server.port, 1); // warm-up (JIT)
  console.log(`wrk -t1 -c${connections} -d${seconds}s GET /${quick ? ' (quick)' : ''}; best of ${rounds} round(s)`);
  const best = servers.map(() => undefined);
  for (let round = 0; round < rounds; round++) {
    for (let s = 0; s < servers.length; s++) {
      const index = (s + round) % servers.length;
      const server = servers[index];
      const before = cpuMs(server.child.pid);
      const result = await wrk(server.port, seconds);
      const cpu = ((cpuMs(server.child.pid) - before) * 1000) / result.requests;
      if (best[index] === undefined || result.rps > best[index].rps) best[index] = { rps: result.rps, cpu };
    }
  }
  const rt = best[0];
  console.table(servers.map((server, s) => ({
    server: server.name,
    'requests/s': Math.round(best[s].rps),
    'server CPU µs/req': best[s].cpu.toFixed(2),
    'rt ÷ this (req/s)': s === 0 ? '' : (rt.rps / best[s].rps).toFixed(2),
    'this ÷ rt (CPU)': s === 0 ? '' : (best[s].cpu / rt.cpu).toFixed(2),
  })));
  console.log(`http-hello on rt: ${(rt.rps / best[1].rps).toFixed(2)}× node:http requests/s (target ≥ 2×)`);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}
