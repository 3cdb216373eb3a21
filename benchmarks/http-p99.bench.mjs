// Where a slow p99 round comes from: wrk -t1 -c64 --latency (keep-alive) against @rt/http
// (FastResponse) and node:http, rounds alternated, each server run by http-p99-server.mjs, which
// reports what happened inside it during the round. One line per round and server:
//   - wrk: requests/s, p50, p90, p99, p99.9 and max latency (ms; a `done` script, /tmp);
//   - the machine: the server's main thread's wait in the run queue (runnable, no CPU:
//     /proc/<pid>/schedstat), the same for wrk's threads, and the VM's steal time (/proc/stat);
//   - the server (http-p99-server.mjs): the p99 of the interval between two requests of one
//     connection as the server sees them (a power of 2 bound), stalls of its thread of >= 10 ms, split by whether the
//     process had the CPU during the stall ("off": it did not: the machine; "on": it did:
//     JavaScript or GC), the longest GC pause, the event-loop delay max, connections accepted.
// A round's slow tail is put down to the machine when its off-CPU stalls outweigh its on-CPU
// ones ("cause" column). At the end: each server's per-round p99s, sorted.
//
//   node benchmarks/http-p99.bench.mjs                 (10 rounds × 3 s, hello and json)
//   node benchmarks/http-p99.bench.mjs --rounds=20 --seconds=3 --rows=hello
//   RT_MAXREQ=1500 ...: the rt server's maxRequestsPerConnection (reconnect bursts more often)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, have, runQueueAllMs, runQueueMs, SERVER_ENV, startListening, stealMs } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(option('rounds', 10));
const seconds = Number(option('seconds', 3));
const rowNames = option('rows', 'hello,json').split(',');
const ROWS = { hello: '/', json: '/json' };

if (!have('wrk')) {
  console.error('http-p99.bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}
buildWorkspaces(root, ['packages/http', 'packages/macros']);

const scratch = mkdtempSync(join(tmpdir(), 'rt-http-p99-'));
const doneScript = join(scratch, 'done.lua');
writeFileSync(doneScript, `done = function(summary, latency, requests)
  io.write(string.format("LAT %d %d %d %d %d %d %d\\n", latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, summary.requests, summary.duration))
end
`);

function wrk(port, path, duration) {
  return new Promise((resolve, reject) => {
    let wrkQueue = 0;
    const child = execFile('wrk', ['-t1', '-c64', `-d${duration}s`, '--latency', '-s', doneScript, `http://127.0.0.1:${port}${path}`], { timeout: (duration + 30) * 1000 }, (error, stdout) => {
      clearInterval(poll);
      if (error) return reject(error);
      const m = /LAT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(stdout);
      if (m === null || /Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk: ${stdout}`));
      const ms = (i) => Number(m[i]) / 1000;
      resolve({ p50: ms(1), p90: ms(2), p99: ms(3), p999: ms(4), max: ms(5), requests: Number(m[6]), rps: Number(m[6]) / (Number(m[7]) / 1e6), wrkQueue });
    });
    // wrk's threads are gone when it exits: their run-queue time is sampled while it runs.
    const poll = setInterval(() => {
      const v = runQueueAllMs(child.pid);
      if (!Number.isNaN(v)) wrkQueue = v;
    }, 50);
  });
}

/** Asks the server for its report of the round (SIGUSR2: one line on its stderr). */
function report(server) {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) {
        server.child.stderr.off('data', onData);
        resolve(JSON.parse(text.slice(text.indexOf('{'), end)));
      }
    };
    server.child.stderr.on('data', onData);
    server.child.kill('SIGUSR2');
  });
}

const servers = [];
try {
  for (const kind of ['rt', 'node']) {
    const port = await freePort();
    const server = await startListening(kind === 'rt' ? '@rt/http' : 'node:http', process.execPath, [join(root, 'benchmarks/http-p99-server.mjs'), String(port), kind], port, SERVER_ENV, 'pipe');
    servers.push(server);
  }
  console.log(`wrk -t1 -c64 --latency, keep-alive; ${rounds} rounds × ${seconds} s per server and row, alternated; machine shared with other work`);
  for (const rowName of rowNames) {
    const path = ROWS[rowName];
    if (path === undefined) throw new Error(`http-p99.bench: no row ${rowName} (hello, json)`);
    for (const server of servers) await wrk(server.port, path, 1); // warm-up (JIT)
    for (const server of servers) await report(server);
    const table = [];
    const p99s = new Map(servers.map((server) => [server.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length];
        const queue0 = runQueueMs(`/proc/${server.child.pid}/schedstat`);
        const steal0 = stealMs();
        const result = await wrk(server.port, path, seconds);
        const queue = runQueueMs(`/proc/${server.child.pid}/schedstat`) - queue0;
        const steal = stealMs() - steal0;
        const inside = await report(server);
        p99s.get(server.name).push(result.p99);
        const { off, on } = inside.stalls;
        table.push({
          row: rowName,
          round,
          server: server.name,
          'req/s': Math.round(result.rps),
          'p50/p90/p99/p99.9/max ms': [result.p50, result.p90, result.p99, result.p999, result.max].map((v) => v.toFixed(v < 10 ? 2 : 0)).join(' / '),
          'run queue ms: server, wrk': `${queue.toFixed(0)}, ${result.wrkQueue.toFixed(0)}`,
          'steal ms': Math.round(steal),
          'stalls ≥10 ms off CPU: n, ms, max': `${off.n}, ${off.ms.toFixed(0)}, ${off.max.toFixed(0)}`,
          'on CPU: n, ms, max': `${on.n}, ${on.ms.toFixed(0)}, ${on.max.toFixed(0)}`,
          'server gap p99 ms': `<${inside.gapP99Ms}`,
          'GC max ms': inside.gcMax.toFixed(1),
          accepted: inside.accepted,
          cause: result.p99 < 10 ? '' : off.ms >= on.ms ? 'machine' : 'server',
        });
      }
    }
    console.table(table);
    for (const [name, values] of p99s) console.log(`${rowName}: ${name} p99 per round (ms, sorted): ${values.sort((a, b) => a - b).map((v) => v.toFixed(2)).join(' ')}`);
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
