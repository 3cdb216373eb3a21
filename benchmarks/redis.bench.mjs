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
//
// Before/after mode: `--before <git ref>` compares this tree's mini-redis with the same
// example's sources at <ref>, compiled against this tree's packages (so only the example's
// own code differs), instead of the three servers above:
//
//   node benchmarks/redis.bench.mjs --before f9fba79      (-n 50000 (-P 16: 200000) -c 16, 5 alternating rounds, ~2 min)
//   RT_REDIS_ROUNDS=7 RT_REDIS_CLIENTS=16 node benchmarks/redis.bench.mjs --before f9fba79
//   RT_REDIS_CASES='SET -P 16,GET -P 1' node benchmarks/redis.bench.mjs --before f9fba79
//
// Cases: SET and GET with -P 1 and -P 16, and SET -d 1024 (-P 1 and -P 16). Each round runs
// every case once against each build, the order of the two builds alternating by round and
// case; server CPU is read from schedstat (ns, not 10 ms ticks); prints per case the range over rounds of requests/s and server CPU µs/request of
// each build and of the per-round ratio new ÷ old (requests/s ≥ 1 and CPU ≤ 1 is no worse).
// Then the same cases in process, without the kernel and the load generator: each build's
// `serveConnection` over a stream double whose reads return the same pipeline of requests
// at once and whose writes take everything (a fresh process per measurement, the builds
// alternating), CPU ns per request from `process.cpuUsage()`. On a loaded 2-core VM the
// server's CPU per request over loopback is dominated by context switches and wake-ups
// (perf: ~40% in `finish_task_switch`), so this row is the steadier view of the code's own cost.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSecondsFine, freePort, have, startListening as start } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));

if (process.argv[2] === '--connection-child') {
  await connectionChild(...process.argv.slice(3));
  process.exit(0);
}
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const beforeAt = process.argv.indexOf('--before');
const beforeRef = beforeAt >= 0 ? process.argv[beforeAt + 1] : undefined;
if (beforeAt >= 0 && (beforeRef === undefined || beforeRef.startsWith('-'))) {
  console.error('redis.bench: --before needs a git ref (e.g. --before f9fba79)');
  process.exit(2);
}
const requests = Number(process.env['RT_REDIS_REQUESTS'] ?? (beforeRef !== undefined ? 50_000 : quick ? 20_000 : 200_000));
const rounds = Number(process.env['RT_REDIS_ROUNDS'] ?? (beforeRef !== undefined ? 5 : quick ? 1 : 2));
const clients = Number(process.env['RT_REDIS_CLIENTS'] ?? (beforeRef !== undefined ? 16 : 50));
const pipelines = [1, 16];

if (!have('redis-benchmark')) {
  console.error('redis.bench: redis-benchmark is not installed (apt-get install -y redis-tools)');
  process.exit(1);
}

// mini-redis runs from its build (examples/mini-redis/dist).
const miniRedis = join(root, 'examples/mini-redis/dist/main.js');
// Build it (incremental: quick when up to date) so the run never measures stale code.
buildWorkspaces(root, ['examples/mini-redis']);
if (!existsSync(miniRedis)) process.exit(1);

/** CPU time of a process so far, in ms, from /proc (schedstat: ns, not 10 ms ticks). */
const cpuMs = (pid) => cpuSecondsFine(pid) * 1000;

function redisBenchmark(port, test, pipeline, dataSize = 3, count = requests) {
  return new Promise((resolve, reject) => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-n', String(count), '-c', String(clients), '-P', String(pipeline), '-d', String(dataSize), '-q', '--csv'];
    execFile('redis-benchmark', args, { timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`redis-benchmark ${args.join(' ')}: ${error.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}"`));
      if (!line) return reject(new Error(`redis-benchmark printed no ${test} result: ${stdout}`));
      resolve(Number(JSON.parse(`[${line}]`)[1]));
    });
  });
}

if (beforeRef !== undefined) {
  await compareBefore(beforeRef);
  process.exit(0);
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

/**
 * Extracts examples/mini-redis/src at `ref` into examples/mini-redis/node_modules/.before-<ref>
 * (where `@rt/*` resolve to this tree's packages, as for the current build) and compiles it;
 * returns the path of its main.js.
 */
function buildBefore(ref) {
  const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', `${ref}^{commit}`], { encoding: 'utf8' });
  if (commit.status !== 0) throw new Error(`redis.bench: unknown git ref ${ref}: ${commit.stderr.trim()}`);
  const dir = join(root, 'examples/mini-redis/node_modules', `.before-${commit.stdout.trim()}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git -C "${root}" archive "${ref}" examples/mini-redis/src | tar -x -C "${dir}" --strip-components=2`], { stdio: 'inherit' });
  if (archive.status !== 0) throw new Error(`redis.bench: could not extract examples/mini-redis/src at ${ref}`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    extends: '../../../../tsconfig.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', composite: false, incremental: false, declaration: false, declarationMap: false },
    include: ['src'],
  }));
  const compiled = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error(`redis.bench: mini-redis at ${ref} does not compile against this tree's packages`);
  // RT_REDIS_BEFORE_PACKAGES='util=packages/util/.before,net=packages/net/.before': the old
  // build runs on these builds of those packages (each a directory with package.json and
  // dist/, inside its package so its own imports resolve), to compare package changes with
  // `--before HEAD`: the same example on the old and new packages.
  for (const entry of (process.env['RT_REDIS_BEFORE_PACKAGES'] ?? '').split(',').filter(Boolean)) {
    const [name, path] = entry.split('=');
    const at = join(dir, 'node_modules/@rt');
    mkdirSync(at, { recursive: true });
    symlinkSync(resolve(root, path), join(at, name));
  }
  return join(dir, 'dist/main.js');
}

function range(values, digits) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[(sorted.length - 1) >> 1];
  return `${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)} (median ${median.toFixed(digits)})`;
}

async function compareBefore(ref) {
  const beforeMain = buildBefore(ref);
  const builds = [];
  try {
    const newPort = await freePort();
    builds.push(await start('mini-redis (this tree)', process.execPath, [miniRedis, '--port', String(newPort)], newPort));
    const oldPort = await freePort();
    builds.push(await start(`mini-redis @ ${ref}`, process.execPath, [beforeMain, '--port', String(oldPort)], oldPort));
    const cases = [];
    for (const pipeline of pipelines) {
      cases.push({ test: 'set', pipeline, size: 3 }, { test: 'get', pipeline, size: 3 }, { test: 'set', pipeline, size: 1024 });
    }
    for (const c of cases) c.name = `${c.test.toUpperCase()} -P ${c.pipeline}${c.size === 3 ? '' : ` -d ${c.size}`}`;
    // RT_REDIS_CASES='SET -P 16,GET -P 1' runs only those cases.
    const only = process.env['RT_REDIS_CASES']?.split(',').map((name) => name.trim());
    if (only !== undefined) cases.splice(0, cases.length, ...cases.filter((c) => only.includes(c.name)));
    if (cases.length === 0) throw new Error(`redis.bench: RT_REDIS_CASES matches no case (${process.env['RT_REDIS_CASES']})`);
    const version = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`this tree vs mini-redis @ ${ref}: redis-benchmark -n ${requests} (-P 16: ${requests * 4}) -c ${clients}, ${rounds} alternating rounds; server CPU from /proc/<pid>/task/*/schedstat; ${version}`);
    /** cells[case][build] = [{ rps, cpu }] per round */
    const cells = cases.map(() => builds.map(() => []));
    for (let round = 0; round < rounds; round++) {
      for (let c = 0; c < cases.length; c++) {
        const { test, pipeline, size } = cases[c];
        for (let i = 0; i < builds.length; i++) {
          const b = (i + round + c) % builds.length;
          const server = builds[b];
          const count = pipeline === 1 ? requests : requests * 4; // similar durations
          const before = cpuSecondsFine(server.child.pid);
          const rps = await redisBenchmark(server.port, test, pipeline, size, count);
          const cpu = ((cpuSecondsFine(server.child.pid) - before) * 1e6) / count;
          cells[c][b].push({ rps, cpu });
        }
      }
      process.stdout.write(`round ${round + 1}/${rounds} done\n`);
    }
    const rows = [];
    for (let c = 0; c < cases.length; c++) {
      const [now, old] = cells[c];
      rows.push({
        case: cases[c].name,
        'new req/s': range(now.map((x) => x.rps), 0),
        'old req/s': range(old.map((x) => x.rps), 0),
        'new CPU µs/req': range(now.map((x) => x.cpu), 2),
        'old CPU µs/req': range(old.map((x) => x.cpu), 2),
        'new ÷ old req/s': range(now.map((x, r) => x.rps / old[r].rps), 2),
        'new ÷ old CPU': range(now.map((x, r) => x.cpu / old[r].cpu), 2),
      });
    }
    console.table(rows);
    console.log('issue 20: the Framed port must be no worse: req/s ratio ≥ 1.00 and CPU ratio ≤ 1.00 (machine noise: read the ranges)');
  } finally {
    for (const server of builds) server.child.kill('SIGTERM');
  }
  if (process.env['RT_REDIS_IN_PROCESS'] === '0') return;
  const dists = [join(root, 'examples/mini-redis/dist'), join(beforeMain, '..')];
  const only = process.env['RT_REDIS_CASES']?.split(',').map((name) => name.trim());
  const cases = [];
  for (const pipeline of pipelines) {
    for (const [test, size] of [['set', 3], ['get', 3], ['set', 1024]]) {
      const name = `${test.toUpperCase()} -P ${pipeline}${size === 3 ? '' : ` -d ${size}`}`;
      if (only === undefined || only.includes(name)) cases.push({ test, pipeline, size, name });
    }
  }
  console.log(`\nin process (serveConnection over a stream double, no kernel; each: warm-up, then the median of 3 runs), ${rounds} alternating rounds, CPU ns per request:`);
  const rows = [];
  for (const { test, pipeline, size, name } of cases) {
    const batches = pipeline === 1 ? 100_000 : 10_000;
    const ns = dists.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < dists.length; i++) {
        const b = (i + round) % dists.length;
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--connection-child', dists[b], test, String(pipeline), String(size), String(batches)], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`redis.bench: in-process run failed: ${child.stderr}`);
        ns[b].push(Number(child.stdout.trim()));
      }
    }
    rows.push({
      case: name,
      'new ns/req': range(ns[0], 0),
      'old ns/req': range(ns[1], 0),
      'new ÷ old CPU': range(ns[0].map((x, r) => x / ns[1][r]), 2),
    });
  }
  console.table(rows);
}

/**
 * One in-process measurement (a child process of this script): serves `batches` reads of a
 * pipeline of `pipeline` requests through the build in `dist`, after a warm-up, and prints
 * CPU ns per request. Calls `serveConnection` so that both its signatures work: the current
 * one (stream, shared, CancellationToken) and the one before the Framed port (stream,
 * shared with a `shutdown` signal, a state object).
 */
async function connectionChild(dist, test, pipeline, size, batches) {
  const { main } = await import('@rt/macros');
  const { spawn } = await import('@rt/scheduler');
  const { CancellationToken } = await import('@rt/util');
  const { serveConnection } = await import(join(dist, 'connection.js'));
  const { Db } = await import(join(dist, 'db.js'));
  const { PubSub } = await import(join(dist, 'pub-sub.js'));
  const args = test === 'set' ? ['SET', 'key:__rand_int__', 'x'.repeat(Number(size))] : ['GET', 'key:__rand_int__'];
  const one = `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
  const request = Buffer.from(one.repeat(Number(pipeline)));
  class StreamDouble {
    constructor(pipelines) {
      this.pipelines = pipelines;
      this.offset = 0; // into `request`, when the reader's room was smaller than it
    }
    read(buf) {
      if (this.offset === 0 && this.pipelines-- === 0) return Promise.resolve(0);
      const n = Math.min(buf.length, request.length - this.offset);
      buf.set(request.subarray(this.offset, this.offset + n));
      this.offset = (this.offset + n) % request.length;
      return Promise.resolve(n);
    }
    tryWrite(buf) {
      return buf.length;
    }
    write(buf) {
      return Promise.resolve(buf.length);
    }
    writeAll() {
      return Promise.resolve();
    }
    flush() {
      return Promise.resolve();
    }
    shutdown() {
      return Promise.resolve();
    }
    close() {}
    setNoDelay() {}
  }
  const serve = async (reads) => {
    const token = new CancellationToken();
    const shared = { db: new Db(() => Date.now()), pubSub: new PubSub(), limits: {}, shutdown: token.signal };
    await serveConnection(new StreamDouble(reads), shared, Object.assign(token, { idle: false }));
  };
  await main(async () => {
    await spawn(async () => {
      await serve(Number(batches)); // warm-up: the optimising compiler's work is done before the measurements
      const samples = [];
      for (let i = 0; i < 3; i++) {
        const before = process.cpuUsage();
        await serve(Number(batches));
        const used = process.cpuUsage(before);
        samples.push(((used.user + used.system) * 1000) / (Number(batches) * Number(pipeline)));
      }
      console.log(samples.sort((a, b) => a - b)[1].toFixed(1)); // the median of three
    });
  });
}
