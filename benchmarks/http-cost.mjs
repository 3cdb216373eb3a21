#!/usr/bin/env node
// The hello and JSON rows of http.bench.mjs, driven in ONE process by a raw-syscall client
// (the rt reactor and plain read/write, as echo-cost.mjs does) for a fixed number of
// keep-alive requests: what each server costs per request, free of wrk and of the machine's
// other load. The servers are the ones http.bench runs: http-rt-server.mjs (`--fast`:
// FastResponse; else the plain Web `Response`) and node:http (baselines/http-node-server.mjs).
//
//   node benchmarks/http-cost.mjs SERVER [REQUESTS] [CONNECTIONS] [PATH]
//     SERVER: rt-fast | rt | node | floor (the C responder of http-floor.bench: the client's own
//     cost) (rt-fast-async, rt-async: http-rt-server.mjs --async-handler);
//     PATH: / (hello, default), /json, or /upload (a POST of 1 MiB, http.bench's upload row: rt reads
//     it with a BYOB reader into a reused 64 KiB buffer; SERVER may then also be upload-floor, the
//     rt TcpStream server of http-upload-floor.bench)
//   prints {"server", "requests", "userUs", "sysUs"} (CPU per request of the whole process,
//   the client's share included)
//
// Instruction counts (nearly noise-free on a shared machine): run it under callgrind for two
// request counts and divide the difference by the difference of the counts (start-up, JIT
// warm-up and fixed costs cancel; the client's per-request cost is the same for every server):
//
//   node benchmarks/http-cost.mjs --callgrind rt-fast,node [N1] [N2] [CONNECTIONS] [PATH]
//
// prints each server's instructions per request (client included) and the ratio to the last.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--callgrind') await callgrind(process.argv.slice(3));
else await measure(process.argv[2] ?? 'rt-fast', Number(process.argv[3] ?? 100_000), Number(process.argv[4] ?? 64), process.argv[5] ?? '/');

async function callgrind([servers = 'rt-fast,node', n1 = '5000', n2 = '25000', connections = '64', path = '/']) {
  const instructions = (server, n) => {
    const out = `/tmp/http-cost-${process.pid}-${server}-${n}.cg`;
    // Long idle timeouts: under callgrind a connection can wait seconds for its turn.
    // --single-threaded: V8 compiles and collects on this thread, at the same points in every
    // run (background JIT and GC threads make the two-point difference swing by tens of %).
    const flags = ['--single-threaded', '--predictable-gc-schedule'];
    const run = spawnSync('valgrind', ['--tool=callgrind', '--dump-instr=no', `--callgrind-out-file=${out}`, process.execPath, ...flags, self, server, n, connections, path], {
      encoding: 'utf8',
      env: { ...process.env, RT_HTTP_IDLE_MS: '600000' },
    });
    if (run.status !== 0) throw new Error(`${server} ${n}: ${run.stderr.slice(-2000)}`);
    const total = Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))[1]);
    rmSync(out);
    return total;
  };
  const results = [];
  for (const server of servers.split(',')) {
    results.push({ server, perRequest: (instructions(server, n2) - instructions(server, n1)) / (Number(n2) - Number(n1)) });
  }
  const last = results[results.length - 1];
  for (const { server, perRequest } of results) {
    console.log(`${server.padEnd(10)} ${path.padEnd(6)} ${Math.round(perRequest).toString().padStart(8)} instructions/request  (÷ ${last.server}: ${(perRequest / last.perRequest).toFixed(3)})`);
  }
}

/** Starts `server` in this process; resolves with its port (the servers print "listening on <port>"). */
async function startServer(server) {
  const log = console.log;
  const port = new Promise((resolve) => {
    console.log = (line) => {
      console.log = log;
      resolve(Number(/([0-9]+)$/.exec(String(line))[1]));
    };
  });
  if (/^rt(-fast)?(-async)?$/.test(server)) {
    process.argv.splice(2, Infinity, '0', ...(server.includes('-fast') ? ['--fast'] : []), ...(server.endsWith('-async') ? ['--async-handler'] : []));
    void import('./http-rt-server.mjs'); // serves until SIGTERM
  } else if (server === 'floor') {
    // The C responder of http-floor.bench (another process, which callgrind does not count):
    // what is left per request is this client's own cost, to subtract from the other rows.
    const { buildC } = await import('./lib/loadgen.mjs');
    const { startPrintingPort } = await import('./lib/proc.mjs');
    const { child, port: floorPort } = await startPrintingPort('floor', buildC('http-floor-server'), []);
    child.unref();
    process.once('exit', () => child.kill());
    console.log = log;
    return floorPort;
  } else if (server === 'upload-floor') {
    process.argv.splice(2, Infinity, '0');
    void import('./http-upload-floor-server.mjs');
  } else if (server === 'node') {
    process.argv.splice(2, Infinity, '0');
    void import('./baselines/http-node-server.mjs');
  } else {
    throw new Error(`unknown server ${server}`);
  }
  return port;
}

async function measure(server, requests, connections, path) {
  const port = await startServer(server);
  const { constants, sys } = await import('@rt/mio-native');
  const { Interest, Reactor } = await import('@rt/reactor');
  const EAGAIN = -11;
  const reactor = new Reactor();
  const upload = path === '/upload' ? Buffer.alloc(1024 * 1024, 'u') : undefined;
  const request = upload === undefined
    ? Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'latin1')
    : Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${upload.length}\r\n\r\n`, 'latin1'), upload]);
  const back = Buffer.allocUnsafe(64 * 1024);
  /** Bytes of one whole response, learnt from the first (the servers' answers have a fixed length). */
  let responseLength = 0;
  let left = requests;
  let done;
  let running = 0;
  const connection = async () => {
    const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    sys.setSocketOption(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
    const registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
    const r = sys.connect(fd, { family: 'IPv4', address: '127.0.0.1', port });
    if (r !== 0) await registration.readiness(Interest.WRITABLE);
    while (left > 0) {
      left--;
      for (let sent = 0, event = null; sent < request.length; ) {
        const n = sys.write(fd, request, sent, request.length - sent);
        if (n === EAGAIN) {
          if (event !== null) registration.clearReadiness(event);
          event = await registration.readiness(Interest.WRITABLE);
          continue;
        }
        if (n <= 0) throw new Error(`client: write ${n}`);
        if (upload === undefined && n !== request.length) throw new Error('client: short write');
        sent += n;
      }
      for (let got = 0; responseLength === 0 || got < responseLength; ) {
        const event = await registration.readiness(Interest.READABLE);
        const n = sys.read(fd, back, got, back.length - got);
        if (n === EAGAIN) {
          registration.clearReadiness(event);
          continue;
        }
        if (n <= 0) throw new Error(`client: read ${n}`);
        got += n;
        if (responseLength === 0) {
          const text = back.toString('latin1', 0, got);
          const headEnd = text.indexOf('\r\n\r\n');
          const length = /content-length: *([0-9]+)/i.exec(text);
          if (headEnd >= 0 && length !== null && got >= headEnd + 4 + Number(length[1])) responseLength = headEnd + 4 + Number(length[1]);
          else continue;
          if (got !== responseLength) throw new Error('client: more than one response');
        }
      }
      if (back[9] !== 50 /* '2' of "HTTP/1.1 200" */) throw new Error(`client: ${back.toString('latin1', 0, 12)}`);
    }
    registration.deregister();
    sys.close(fd);
    if (--running === 0) done();
  };
  /** Runs `count` requests over `connections` connections; resolves when all are closed. */
  const run = (count, connections) => {
    const finished = new Promise((resolve) => (done = resolve));
    left = count;
    running = connections;
    for (let c = 0; c < connections; c++) void connection().catch((error) => {
      console.error(error);
      process.exit(1);
    });
    return finished;
  };
  // One request first, alone, to learn the response's length; then a warm-up (JIT tiers),
  // then the measured requests.
  await run(1, 1);
  await run(Number(process.env['RT_HTTP_COST_WARMUP'] ?? (upload === undefined ? 5000 : 200)), connections);
  const started = process.cpuUsage();
  await run(requests, connections);
  const cpu = process.cpuUsage(started);
  console.log(JSON.stringify({ server, path, requests, userUs: +(cpu.user / requests).toFixed(3), sysUs: +(cpu.system / requests).toFixed(3) }));
  process.exit(0);
}
