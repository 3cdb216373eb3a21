// Latency of @rt/http measured by a client whose figures obey Little's law, against its two
// baselines, in one run: benchmarks/c/http-count-client.c with LATENCY=1 (64 keep-alive
// connections, one request in flight on each, a fixed count per round; each request timed from
// its write to its whole answer on CLOCK_MONOTONIC and on CLOCK_REALTIME, the clock wrk uses).
// The servers, in two pairs (ours ÷ its baseline):
//   - "@rt/http" (FastResponse) against "node:http" with a plain handler: both
//     benchmarks/http-p99-server.mjs, the same routes and bytes as http.bench;
//   - "Hono on @rt/http" against "Hono on @hono/node-server": one Hono app,
//     benchmarks/http-hono-server.mjs, as http.bench's Hono rows.
// Rows: hello (GET /, 13 bytes) and json (GET /json, 4 KiB). Rounds alternate the servers (the
// order rotates each round).
//
// Why: wrk's latency figures on this VM break Little's law in its slow runs (a mean of 3.01 ms
// at 196,369 req/s, where 64 requests in flight allow 0.33 ms; see packages/http/README.md), so
// its p99 cannot be taken at face value there. Here each round prints the mean Little's law
// allows (64 ÷ requests/s) beside the measured mean on both clocks: a round where they differ
// by more than 2% is marked, and left out of the ratios.
//
// Beside each round's latency, what the server process did in it, in measures the machine's
// load does not fake (benchmarks/lib/round-probe.mjs, reported from inside the server on
// SIGUSR2 before and after the round, so the figures are the round's alone): CPU µs per request (user + system), V8's GC events by kind
// (scavenges, mark-compacts: count and pause total), the heap in use, stalls of its thread of
// >= 10 ms off and on the CPU, and (V8's --trace-deopt / --trace-opt output, counted per round)
// deoptimisations and optimised compilations; `--deopts` lists the deoptimised functions. And the
// machine's share: the run-queue wait of the server's main thread and of the client (runnable
// without a CPU: other work, or the two put on one core) and the VM's steal time.
//
//   node benchmarks/http-latency.bench.mjs            (6 rounds × 200,000 requests, both rows, all four servers)
//   node benchmarks/http-latency.bench.mjs --rows=json --servers=rt,node --rounds=4 --requests=100000
//     --servers: rt, node, hono-rt, hono-node, or a pair: plain (rt,node), hono (hono-rt,hono-node)
//     --pin=split: the servers on CPU 0, the client on CPU 1 (taskset; --pin=same: both on CPU 0), so every
//       round has the same placement (unpinned, the scheduler places each round's client anew)
//     --rt-event-interval=1000: also the rt servers with the run queue's eventInterval at 1000 (default 61)
//     --node-flags='--min-semi-space-size=16': V8 flags for every server (an experiment's, both sides alike)
//     --no-trace: without --trace-deopt/--trace-opt in the servers;  --deopts: list deopts per round
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { buildC } from './lib/loadgen.mjs';
import { freePort, have, lastCpu, runQueueMs, SERVER_ENV, sleeps, startListening, stealMs } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(arg('rounds', '6'));
const requests = Number(arg('requests', '200000'));
const trace = !process.argv.includes('--no-trace');
const listDeopts = process.argv.includes('--deopts');
// --pin=split: every server on CPU 0 and the client on CPU 1 (taskset); --pin=same: both on CPU 0.
const pin = arg('pin', 'off');
if (!['off', 'split', 'same'].includes(pin)) throw new Error(`http-latency.bench: --pin=${pin} (off, split, same)`);
if (pin !== 'off' && !have('taskset')) throw new Error('http-latency.bench: --pin needs taskset (util-linux)');
const clientCpu = { split: '1', same: '0' }[pin];
// --node-flags='--min-semi-space-size=16 ...': V8/Node flags for every server (both sides).
const nodeFlags = arg('node-flags', '').split(' ').filter(Boolean);
const ROWS = { hello: '/', json: '/json' };
const rowNames = arg('rows', 'hello,json').split(',');
for (const name of rowNames) if (ROWS[name] === undefined) throw new Error(`http-latency.bench: no row ${name} (hello, json)`);
const SERVERS = {
  rt: { name: '@rt/http', script: 'benchmarks/http-p99-server.mjs', args: ['rt'] },
  node: { name: 'node:http', script: 'benchmarks/http-p99-server.mjs', args: ['node'] },
  'hono-rt': { name: 'Hono on @rt/http', script: 'benchmarks/http-hono-server.mjs', args: [], probe: true },
  'hono-node': { name: 'Hono on @hono/node-server', script: 'benchmarks/http-hono-server.mjs', args: ['--node'], probe: true },
};
const PAIRS = [['rt', 'node'], ['hono-rt', 'hono-node'], ['rt-ei', 'node'], ['hono-rt-ei', 'hono-node']];
// --rt-event-interval=N: the rt servers of the selected pairs run a second time, with the run
// queue's eventInterval at N (lib/event-interval-preload.mjs), against the same baselines.
const eventInterval = arg('rt-event-interval', undefined);
if (eventInterval !== undefined) {
  SERVERS['rt-ei'] = { ...SERVERS.rt, name: `@rt/http, eventInterval ${eventInterval}`, eventInterval };
  SERVERS['hono-rt-ei'] = { ...SERVERS['hono-rt'], name: `Hono on @rt/http, eventInterval ${eventInterval}`, eventInterval };
}
const serverKeys = [...new Set(arg('servers', 'plain,hono').split(',').flatMap((s) => ({ plain: ['rt', 'node'], hono: ['hono-rt', 'hono-node'] })[s] ?? [s]))];
if (eventInterval !== undefined) serverKeys.push(...serverKeys.filter((key) => key === 'rt' || key === 'hono-rt').map((key) => `${key}-ei`));
for (const key of serverKeys) if (SERVERS[key] === undefined) throw new Error(`http-latency.bench: no server ${key} (rt, node, hono-rt, hono-node, plain, hono)`);

// Build @rt/http (incremental) so the run never measures stale code.
buildWorkspaces(root, ['packages/http', 'packages/macros']);
const client = buildC('http-count-client');

/**
 * One round: the client's figures (latency in µs, requests/s), its run-queue wait, and the share
 * of 50 ms samples in which it and the server's main thread were last on the same CPU.
 */
function measure(port, path, count, serverPid) {
  return new Promise((resolve, reject) => {
    let clientQueue = 0;
    let samples = 0;
    let together = 0;
    const args = [String(port), '64', String(count), path];
    const child = execFile(clientCpu === undefined ? client : 'taskset', clientCpu === undefined ? args : ['-c', clientCpu, client, ...args], { env: { ...process.env, LATENCY: '1' }, timeout: 300_000 }, (error, stdout) => {
      clearInterval(poll);
      if (error) return reject(error);
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const latency = lines.find((l) => l.latency_us !== undefined)?.latency_us;
      const run = lines.find((l) => l.requests !== undefined);
      if (latency === undefined || run === undefined) return reject(new Error(`http-count-client printed no latency line: ${stdout}`));
      resolve({ ...latency, rps: run.requests / run.seconds, clientQueue, sameCpu: samples > 0 ? together / samples : NaN });
    });
    // The client's wait in the run queue (runnable, no CPU), sampled while it runs (gone at its exit).
    const poll = setInterval(() => {
      const v = runQueueMs(`/proc/${child.pid}/schedstat`);
      if (!Number.isNaN(v)) clientQueue = v;
      // Where the two run: the share of samples with the server's main thread and the client last on one CPU.
      const [a, b] = [lastCpu(`/proc/${child.pid}/stat`), lastCpu(`/proc/${serverPid}/stat`)];
      if (!Number.isNaN(a) && !Number.isNaN(b)) {
        samples++;
        if (a === b) together++;
      }
    }, 50);
  });
}

/**
 * Starts one server with the round probe and (unless --no-trace) V8's deopt and optimisation
 * traces, line-buffered (stdbuf) so each round's trace lines are in before its probe is read.
 */
async function start(key) {
  const spec = SERVERS[key];
  const port = await freePort();
  const nodeArgs = [
    ...nodeFlags,
    ...(spec.probe ? ['--import', join(root, 'benchmarks/lib/round-probe-preload.mjs')] : []),
    ...(spec.eventInterval !== undefined ? ['--import', join(root, 'benchmarks/lib/event-interval-preload.mjs')] : []),
    ...(trace ? ['--trace-deopt', '--trace-opt'] : []),
  ];
  const line = [...(have('stdbuf') ? ['stdbuf', '-oL'] : []), process.execPath, ...nodeArgs, join(root, spec.script), String(port), ...spec.args];
  if (pin !== 'off') line.unshift('taskset', '-c', '0');
  const [command, ...args] = line;
  const server = await startListening(spec.name, command, args, port, spec.eventInterval === undefined ? SERVER_ENV : { ...SERVER_ENV, RT_EVENT_INTERVAL: spec.eventInterval }, 'pipe');
  const jit = { deopts: 0, opts: 0, sites: new Map() };
  lines(server.child.stdout, (line) => {
    if (line.startsWith('[bailout (kind:')) {
      jit.deopts++;
      const fn = /<JSFunction ([^ >]*)/.exec(line)?.[1] || '(anonymous)';
      const reason = /reason: ([^)]*)\)/.exec(line)?.[1] ?? '?';
      const site = `${fn} (${reason})`;
      jit.sites.set(site, (jit.sites.get(site) ?? 0) + 1);
    } else if (line.startsWith('[completed optimizing')) jit.opts++;
  });
  const probes = [];
  lines(server.child.stderr, (line) => {
    if (line.startsWith('PROBE ')) probes.shift()?.(JSON.parse(line.slice(6)));
    else if (line.trim() !== '') process.stderr.write(`${spec.name}: ${line}\n`);
  });
  /** The server's probe since the last one, with the JIT events counted since. */
  server.probe = async () => {
    // A server that died or stopped answering fails the run instead of hanging it.
    const inside = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.name}: no probe line within 10 s (exit code ${server.child.exitCode})`)), 10_000);
      probes.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
      server.child.kill('SIGUSR2');
    });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the trace lines written before the probe line
    const round = { ...inside, deopts: jit.deopts, opts: jit.opts, sites: jit.sites };
    jit.deopts = 0;
    jit.opts = 0;
    jit.sites = new Map();
    return round;
  };
  server.key = key;
  return server;
}

function lines(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) onLine(line);
  });
}

const ms = (us) => (us / 1000).toFixed(2);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const servers = [];
try {
  for (const key of serverKeys) servers.push(await start(key));
  console.log(`http-count-client LATENCY=1: 64 keep-alive connections, ${requests} requests per round, ${rounds} rounds per server and row, servers alternated; latency in ms; ${pin === 'off' ? 'not pinned' : `pinned: servers on CPU 0, client on CPU ${clientCpu}`}; load average at start ${load()}`);
  console.log("Little: the mean latency 64 requests in flight allow (64 ÷ req/s); 'ok' when the client's mean on both clocks is within 2% of it (else the round's figures are not the requests' and are left out of the ratios).");
  console.log('sleeps/req: how often the server main thread blocked (in epoll: it had nothing to do) per request; fewer when requests arrive in batches, more when server and client take turns (e.g. on one core).');
  console.log("one CPU %: the share of 50 ms samples with the client and the server main thread last on the same CPU (2 cores: they share one). On the loaded machine, placement alone moved a JSON round of either server by 1.3-8.5x in req/s and 1.3-2.0x in CPU/req (README, p99 section; --pin fixes it).");
  console.log('The machine, per round: ms the server main thread and the client spent runnable without a CPU (run queue: a busy machine, or the two on one core), the VM steal time (ms, all CPUs), the round length (s) and the 1-minute load average.');
  console.log('Inside the server, per round: CPU µs/request (user+system), GC (scavenges / mark-compacts incl. incremental: count, pause ms), heap MB in use at the end and the young generation (V8 new space) size after the round GCs (min–max MB), stalls >= 10 ms (off CPU = the machine, on CPU = JS or GC: count), V8 deopts / optimised compilations; idle mc: mark-compacts while the server waited for its round (the others ran).');
  for (const rowName of rowNames) {
    const path = ROWS[rowName];
    for (const server of servers) await measure(server.port, path, Math.min(requests, 100_000)); // warm-up (JIT)
    const table = [];
    const state = [];
    const results = new Map(servers.map((server) => [server.key, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length];
        const idle = await server.probe(); // since this server's last round: the others' rounds
        const queue0 = runQueueMs(`/proc/${server.child.pid}/schedstat`);
        const steal0 = stealMs();
        const sleeps0 = sleeps(server.child.pid);
        const l = await measure(server.port, path, requests, server.child.pid);
        const slept = sleeps(server.child.pid) - sleeps0;
        const queue = runQueueMs(`/proc/${server.child.pid}/schedstat`) - queue0;
        const steal = stealMs() - steal0;
        const inside = await server.probe(); // this round alone
        const m = l.monotonic;
        const sound = Math.abs(m.mean - l.little_mean) <= 0.02 * l.little_mean && Math.abs(l.realtime.mean - l.little_mean) <= 0.02 * l.little_mean;
        results.get(server.key).push({ round, sound, ...m, rps: l.rps });
        table.push({
          row: rowName,
          round,
          server: SERVERS[server.key].name,
          'req/s': Math.round(l.rps),
          'Little / mono / real mean': `${ms(l.little_mean)} / ${ms(m.mean)} / ${ms(l.realtime.mean)} ${sound ? 'ok' : 'NO'}`,
          'p50 / p90 / p99 / p99.9 / max': `${ms(m.p50)} / ${ms(m.p90)} / ${ms(m.p99)} / ${ms(m.p999)} / ${ms(m.max)}`,
          'round s': (requests / l.rps).toFixed(1),
          load: loadavg()[0].toFixed(1),
        });
        const mc = [inside.gc.mc, inside.gc.inc, inside.gc.mmc].filter(Boolean);
        state.push({
          round,
          server: SERVERS[server.key].name,
          'CPU µs/req': ((inside.cpuUserUs + inside.cpuSystemUs) / requests).toFixed(2),
          'scav n, ms': `${inside.gc.scav?.n ?? 0}, ${(inside.gc.scav?.ms ?? 0).toFixed(0)}`,
          'mc n, ms': `${mc.reduce((sum, g) => sum + g.n, 0)}, ${mc.reduce((sum, g) => sum + g.ms, 0).toFixed(0)}`,
          'heap, young MB': `${inside.heapMB.toFixed(0)}, ${Number.isNaN(inside.youngMB.min) ? '-' : `${inside.youngMB.min.toFixed(0)}–${inside.youngMB.max.toFixed(0)}`}`,
          'idle mc': idle.gc.mc?.n ?? 0,
          'stalls off/on': `${inside.stalls.off.n}/${inside.stalls.on.n}`,
          'sleeps/req': (slept / requests).toFixed(3),
          'one CPU %': (l.sameCpu * 100).toFixed(0),
          'run queue ms srv/client': `${queue.toFixed(0)}/${l.clientQueue.toFixed(0)}`,
          'steal ms': steal.toFixed(0),
          'deopt/opt': trace ? `${inside.deopts}/${inside.opts}` : '-',
        });
        if (listDeopts && inside.sites.size > 0) {
          const top = [...inside.sites].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([site, n]) => `${site} ×${n}`);
          console.log(`  ${rowName} round ${round} ${SERVERS[server.key].name} deopts: ${top.join('; ')}`);
        }
      }
    }
    console.log(`${rowName}: latency (ms)`);
    console.table(table);
    console.log(`${rowName}: the servers' state in the same rounds`);
    console.table(state);
    for (const [key, values] of results) {
      console.log(`${rowName}: ${SERVERS[key].name} p99 per round (ms, sorted): ${values.map((v) => v.p99).sort((a, b) => a - b).map(ms).join(' ')}`);
    }
    for (const [ours, baseline] of PAIRS) {
      if (!results.has(ours) || !results.has(baseline)) continue;
      const a = results.get(ours);
      const b = results.get(baseline);
      const both = a.map((r, i) => [r, b[i]]).filter(([x, y]) => x.sound && y.sound);
      const name = `${SERVERS[ours].name} ÷ ${SERVERS[baseline].name}`;
      if (both.length === 0) {
        console.log(`${rowName}: ${name}: no round where Little's law held for both`);
        continue;
      }
      const ratios = (field) => both.map(([x, y]) => x[field] / y[field]);
      const line = ['p50', 'p90', 'p99', 'p999'].map((field) => {
        const r = ratios(field);
        return `${field === 'p999' ? 'p99.9' : field} ${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
      });
      const under = ratios('p99').filter((r) => r <= 1).length;
      console.log(`${rowName}: ${name}, per-round ratios over ${both.length} rounds, median (range): ${line.join(', ')}; rt's p99 ≤ the baseline's in ${under} of ${both.length} rounds (≤ 1: rt's is the lower)`);
    }
  }
  console.log(`load average at the end: ${load()}`);
} finally {
  for (const server of servers) server.child.kill();
}
