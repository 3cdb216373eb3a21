// How far below node:http can a server get on the hello row of http.bench.mjs at all? The
// floor: benchmarks/c/http-floor-server.c answers each keep-alive request with exactly one
// read() and one write() and does nothing else (no parsing, a canned response with the same
// bytes as @rt/http's FastResponse hello), so its CPU per request is the kernel's cost of those
// two syscalls plus epoll. Against it, in the same run and rounds alternating: @rt/http
// (FastResponse, benchmarks/http-rt-server.mjs --fast) and node:http
// (baselines/http-node-server.mjs). wrk -t1 -c64, keep-alive, GET /. Prints per round each
// server's CPU µs/request (from /proc) and requests/s, and the ratios node ÷ floor and
// node ÷ rt of CPU per request: node ÷ floor is the most any server could reach here.
//
//   node benchmarks/http-floor.bench.mjs     (3 rounds × 3 s; RT_HTTP_ROUNDS, RT_HTTP_SECONDS)
//   --before=/abs/path/to/index.js   also serves another build of @rt/http (a copy of
//                                    packages/http/dist kept inside packages/http) in the same rounds
//   --async-handler                  the rt servers answer through an async handler (the old shape)
//   --json                           the JSON row instead: GET /json (4 KiB), the floor answering
//                                    4,096 body bytes with one write as well
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './lib/loadgen.mjs';
import { cpuSeconds, freePort, have, SERVER_ENV, startListening, startPrintingPort } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? 3);
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? 3);
if (!have('wrk') || !have('cc')) {
  console.error('http-floor.bench: needs wrk and cc (apt-get install -y wrk gcc)');
  process.exit(1);
}
buildWorkspaces(root, ['packages/http', 'packages/macros']);

const json = process.argv.includes('--json');
function wrk(port, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', '-c64', `-d${duration}s`, `http://127.0.0.1:${port}${json ? '/json' : '/'}`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout) => {
      const total = /([0-9]+) requests in/.exec(stdout);
      const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
      if (error || !total || !rps || /Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk ${args.join(' ')}: ${error?.message ?? stdout}`));
      resolve({ requests: Number(total[1]), rps: Number(rps[1]) });
    });
  });
}

const servers = [];
try {
  console.log(`wrk -t1 -c64, GET ${json ? '/json' : '/'} keep-alive; ${seconds} s per run, ${rounds} alternating rounds; machine shared with other work`);
  const floor = await startPrintingPort('floor (C, one read + one write)', buildC('http-floor-server'), json ? ['4096'] : []);
  servers.push({ name: 'floor (C, one read + one write)', ...floor });
  const rtArgs = ['--fast', ...(process.argv.includes('--async-handler') ? ['--async-handler'] : [])];
  const rtPort = await freePort();
  servers.push(await startListening('@rt/http (FastResponse)', process.execPath, [join(root, 'benchmarks/http-rt-server.mjs'), String(rtPort), ...rtArgs], rtPort, SERVER_ENV));
  const before = process.argv.find((arg) => arg.startsWith('--before='))?.slice('--before='.length);
  if (before !== undefined) {
    const beforePort = await freePort();
    servers.push(await startListening('@rt/http before', process.execPath, [join(root, 'benchmarks/http-rt-server.mjs'), String(beforePort), ...rtArgs], beforePort, { ...SERVER_ENV, RT_HTTP_DIST: before }));
  }
  const nodePort = await freePort();
  servers.push(await startListening('node:http', process.execPath, [join(root, 'benchmarks/baselines/http-node-server.mjs'), String(nodePort)], nodePort, SERVER_ENV));
  for (const server of servers) await wrk(server.port, 1); // warm-up (JIT)
  const rows = [];
  for (let round = 0; round < rounds; round++) {
    const cpu = {};
    for (let s = 0; s < servers.length; s++) {
      const server = servers[(s + round) % servers.length];
      const before = cpuSeconds(server.child.pid, NaN);
      const { requests, rps } = await wrk(server.port, seconds);
      cpu[server.name] = ((cpuSeconds(server.child.pid, NaN) - before) * 1e6) / requests;
      rows.push({ round: round + 1, server: server.name, 'req/s': Math.round(rps), 'CPU µs/req': cpu[server.name].toFixed(2) });
    }
    const node = cpu['node:http'];
    rows.push({ round: round + 1, server: 'node ÷ floor (CPU/req)', 'CPU µs/req': (node / cpu['floor (C, one read + one write)']).toFixed(2) });
    rows.push({ round: round + 1, server: 'node ÷ rt (CPU/req)', 'CPU µs/req': (node / cpu['@rt/http (FastResponse)']).toFixed(2) });
    if (before !== undefined) rows.push({ round: round + 1, server: 'node ÷ rt before (CPU/req)', 'CPU µs/req': (node / cpu['@rt/http before']).toFixed(2) });
  }
  console.table(rows);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}
