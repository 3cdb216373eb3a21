// redis-benchmark (the real one, Debian's redis-tools) against three servers in one run:
//
//   rt          examples/mini-redis on rt (node examples/mini-redis/dist/main.js)
//   net         the same server on Node's `net` (benchmarks/baselines/redis-net-server.mjs:
//               same parser, commands and keyspace; only the I/O layer differs)
//   redis       the real redis-server, when installed (--save '' --appendonly no)
//
// `redis-benchmark -t set,get -n N -c 50`, without pipelining and with -P 16, each server
// in turn (cells interleaved by round so machine noise spreads over all of them). Prints
// requests/s, the server's CPU time per request (from /proc: the load generator shares
// the machine's cores, so CPU per request is the fairer comparison when it is the
// bottleneck), and the ratios rt ÷ net and rt ÷ redis-server.
//
//   node benchmarks/redis.bench.mjs                 (-n 200000, best of 2 rounds, ~55 s on 2 cores)
//   node benchmarks/redis.bench.mjs --quick         (-n 20000;  or RT_BENCH_QUICK=1)
//   RT_REDIS_REQUESTS=50000 RT_REDIS_ROUNDS=2 node benchmarks/redis.bench.mjs
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, have, startListening as start } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const requests = Number(process.env['RT_REDIS_REQUESTS'] ?? (quick ? 20_000 : 200_000));
const rounds = Number(process.env['RT_REDIS_ROUNDS'] ?? (quick ? 1 : 2));
const clients = 50;
const pipelines = [1, 16];

if (!have('redis-benchmark')) {
  console.error('redis.bench: redis-benchmark is not installed (apt-get install -y redis-tools)');
  process.exit(1);
}

// mini-redis runs from its build (examples/mini-redis/dist).
const miniRedis = join(root, 'examples/mini-redis/dist/main.js');
// Build it (incremental: quick when up to date) so the run never measures stale code.
const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', join(root, 'examples/mini-redis')], { stdio: 'inherit' });
if (tsc.status !== 0 || !existsSync(miniRedis)) process.exit(1);

/** CPU time (user + system) of a process so far, in ms, from /proc. */
const cpuMs = (pid) => cpuSeconds(pid, NaN) * 1000;

function redisBenchmark(port, test, pipeline) {
  return new Promise((resolve, reject) => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '-q', '--csv'];
    execFile('redis-benchmark', args, { timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`redis-benchmark ${args.join(' ')}: ${error.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}"`));
      if (!line) return reject(new Error(`redis-benchmark printed no ${test} result: ${stdout}`));
      resolve(Number(JSON.parse(`[${line}]`)[1]));
    });
  });
}

const servers = [];
try {
  const rtPort = await freePort();
  servers.push(await start('mini-redis on rt', process.execPath, [miniRedis, '--port', String(rtPort)], rtPort));
  const netPort = await freePort();
  servers.push(await start('same server on net', process.execPath, [join(root, 'benchmarks/baselines/redis-net-server.mjs'), String(netPort)], netPort));
  if (have('redis-server')) {
    const redisPort = await freePort();
    servers.push(await start('redis-server', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], redisPort));
  } else {
    console.log('(redis-server is not installed: apt-get install -y redis-server to compare with it)');
  }

  const version = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`redis-benchmark -t set,get -n ${requests} -c ${clients}, -P ${pipelines.join(' and -P ')}${quick ? ' (quick)' : ''}; best of ${rounds} round(s); ${version}`);

  /** results[server][`${test} P${pipeline}`] = { rps, cpu } (best rps over rounds) */
  const results = servers.map(() => ({}));
  for (let round = 0; round < rounds; round++) {
    for (const pipeline of pipelines) {
      for (const test of ['set', 'get']) {
        for (let s = 0; s < servers.length; s++) {
          const server = servers[(s + round) % servers.length];
          const index = servers.indexOf(server);
          const before = cpuMs(server.child.pid);
          const rps = await redisBenchmark(server.port, test, pipeline);
          const cpu = ((cpuMs(server.child.pid) - before) * 1000) / requests; // µs per request
          const key = `${test.toUpperCase()} -P ${pipeline}`;
          const best = results[index][key];
          if (best === undefined || rps > best.rps) results[index][key] = { rps, cpu };
        }
      }
    }
  }

  const keys = Object.keys(results[0]);
  const rows = [];
  for (const key of keys) {
    const rt = results[0][key];
    const base = results[1][key];
    const redis = servers.length > 2 ? results[2][key] : undefined;
    for (let s = 0; s < servers.length; s++) {
      const cell = results[s][key];
      rows.push({
        test: key,
        server: servers[s].name,
        'requests/s': Math.round(cell.rps),
        'server CPU µs/req': cell.cpu.toFixed(2),
        'rt ÷ this (req/s)': s === 0 ? '' : (rt.rps / cell.rps).toFixed(2),
        'this ÷ rt (CPU)': s === 0 ? '' : (cell.cpu / rt.cpu).toFixed(2),
      });
    }
    const redisText = redis ? `, ${(rt.rps / redis.rps).toFixed(2)}× redis-server` : '';
    console.log(`${key}: rt ${(rt.rps / base.rps).toFixed(2)}× net${redisText}`);
  }
  console.table(rows);
  console.log('targets (issue 8): rt ≥ 1.5× net and ≥ 0.8× redis-server without pipelining');
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}
