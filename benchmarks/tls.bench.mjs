#!/usr/bin/env node
// TLS echo: an rt server (@rt/net TcpListener + @rt/tls TlsAcceptor, one task per
// connection doing read → write) against Node's `tls.createServer` echo server (the
// baseline), in the same run, with the same certificate and the same cipher suite
// (TLS_AES_128_GCM_SHA256, TLS 1.3, forced by the client). Each server runs in its own
// process. Two load generators, each one process, the same against every server:
//
// - `C client` rows: benchmarks/c/tls-loadgen.c (OpenSSL's libssl, epoll, non-blocking; built
//   with cc -lssl -lcrypto on first use, needs libssl-dev). It spends a fraction of a Node
//   client's CPU per message, so the server, not the client, sets the rate: these are the
//   rows that compare the servers' rates.
// - `node client` rows: one Node process (Node's `tls` client), as in earlier figures. It
//   costs more CPU per message than either server, so its rate is about the same against
//   any server: it measures the client; compare CPU per message there.
//
// Echo: N connections, each sending RT_TLS_INFLIGHT (default 1) messages and waiting for
// their echo before the next. Each row also prints the client's CPU per unit (its own
// user + system time over the window) and how busy the server was (its CPU seconds per
// second of the window: near 1.0 means the server was the bottleneck).
//
// The ladder's other rungs: Node's TLS over a net.Socket hidden behind a plain JS Duplex
// (Node's JS stream wrapper, without rt), and the rt server on @rt/tls's Node engine
// (`engine: 'node'`: Node's TLSSocket over the rt stream). `rt` is the native engine (OpenSSL
// driven by rt on the socket's fd), the default.
//
// Rounds alternate the order of the servers (RT_TLS_ROUNDS, default 3); each row prints the
// range over the rounds. RT_TLS_ROWS=echo,handshake,bulk picks rows; RT_TLS_SERVERS=rt picks
// servers (the node baseline always runs); RT_TLS_CLIENTS=c,node picks the load generators
// (default both; without libssl-dev the C client rows are left out, with a message).
//
// Rows: echo 64 B x 64 connections, echo 16 KiB x 64 connections, full handshakes per
// second (8 at a time, no resumption). The C client completes each handshake (Finished,
// close_notify, then reads the server's tickets and close_notify raw until it closes). The
// Node client destroys each connection at secureConnect, which drops its Finished:
// RT_TLS_HS_END=1 ends it instead so the server completes the handshake and sends its
// tickets. Bulk: an echo of RT_TLS_BULK_MIB (default 64) MiB on one connection (Node client).
// Prints messages/s (or handshakes/s, MiB/s), server CPU per message from /proc (schedstat, ns),
// and the rt/node ratio. On a shared machine compare CPU per message first: rates move with
// other load.
//
// RT_TLS_CLIENT_PROCS=2 (or handshake=2) runs the C client as that many processes: a full
// handshake costs it about as much CPU as a server (OpenSSL 3.0's certificate decoding and
// signature check), so one process cannot keep a server busy there.
//
//   node benchmarks/tls.bench.mjs             (~4 min with 3 rounds and all servers)
//
// Needs: the built packages (pnpm build), the openssl CLI (a throwaway certificate); for the
// C client rows cc and libssl-dev.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tls from 'node:tls';
import { buildC } from './lib/loadgen.mjs';
import { cpuSecondsFine, startPrintingPort } from './lib/proc.mjs';

const here = fileURLToPath(import.meta.url);
const role = process.env['RT_TLS_ROLE'];
const CIPHER = 'TLS_AES_128_GCM_SHA256';

function loadCert(dir) {
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

if (role !== undefined && role.endsWith('-server')) process.on('SIGTERM', () => process.exit(0)); // callgrind writes its totals at exit

if (role === 'rt-server') {
  const { main } = await import('@rt/macros');
  const { spawn: spawnTask } = await import('@rt/scheduler');
  const { TcpListener } = await import('@rt/net');
  const { TlsAcceptor } = await import('@rt/tls');
  const engine = process.env['RT_TLS_ENGINE'] === 'node' ? 'node' : 'native';
  const acceptor = new TlsAcceptor({ ...loadCert(process.env['RT_TLS_DIR']), engine });
  await main(async () => {
    const listener = await TcpListener.bind('127.0.0.1:0');
    process.stdout.write(`${listener.localAddr().port}\n`);
    for (;;) {
      const tcp = await listener.accept();
      tcp.setNoDelay(true);
      spawnTask(async () => {
        let stream;
        try {
          stream = await acceptor.accept(tcp);
          const buf = Buffer.allocUnsafe(64 * 1024);
          for (let n; (n = await stream.read(buf)) !== 0; ) await stream.writeAll(buf.subarray(0, n));
          await stream.shutdown();
        } catch {
          // a client that went away
        } finally {
          stream?.close();
        }
      });
    }
  });
} else if (role === 'node-server') {
  const server = tls.createServer(loadCert(process.env['RT_TLS_DIR']), (socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else if (role === 'node-js-duplex-server') {
  // The ladder's middle rung: Node's TLS over a net.Socket hidden behind a plain JS Duplex,
  // so Node drives it through its JS stream wrapper (JSStreamSocket) as it drives @rt/tls's
  // adapter; only the rt parts are missing.
  const { Duplex } = await import('node:stream');
  const net = await import('node:net');
  const secureContext = tls.createSecureContext(loadCert(process.env['RT_TLS_DIR']));
  const server = net.createServer((raw) => {
    raw.setNoDelay(true);
    const duplex = new Duplex({
      read() {
        raw.resume();
      },
      write(chunk, _encoding, callback) {
        raw.write(chunk, callback);
      },
      final(callback) {
        raw.end();
        callback();
      },
    });
    raw.on('data', (chunk) => {
      if (!duplex.push(chunk)) raw.pause();
    });
    raw.on('end', () => duplex.push(null));
    raw.on('error', () => duplex.destroy());
    const socket = new tls.TLSSocket(duplex, { isServer: true, secureContext });
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else if (role === 'client') {
  // argv: mode port a b ms
  const [mode, portText, aText, bText, msText] = process.argv.slice(2);
  const port = Number(portText);
  const ms = Number(msText);
  const ca = readFileSync(join(process.env['RT_TLS_DIR'], 'cert.pem'));
  const options = { host: '127.0.0.1', port, servername: 'localhost', ca, ciphers: CIPHER, minVersion: 'TLSv1.3' };
  const connect = () =>
    new Promise((resolve, reject) => {
      const socket = tls.connect(options, () => resolve(socket));
      socket.setNoDelay(true);
      socket.once('error', reject);
    });
  let cipher = '';
  // The client's own CPU seconds (user + system) over the measured window, as the C client reports it.
  let cpuAtStart = process.cpuUsage();
  const startCpu = () => {
    cpuAtStart = process.cpuUsage();
  };
  const windowCpu = () => {
    const { user, system } = process.cpuUsage(cpuAtStart);
    return (user + system) / 1e6;
  };
  let cpu = 0;
  if (mode === 'echo-count') {
    // A fixed workload for instruction counts: `a` connections, each `ms` round trips of `b` bytes.
    const sockets = await Promise.all(Array.from({ length: Number(aText) }, connect));
    cipher = sockets[0].getCipher().standardName;
    const size = Number(bText);
    const message = Buffer.alloc(size, 0x61);
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise((resolve) => {
            let got = 0;
            let left = ms;
            socket.on('data', (chunk) => {
              got += chunk.length;
              if (got < size) return;
              got -= size;
              if (--left === 0) {
                socket.end();
                resolve();
              } else socket.write(message);
            });
            socket.write(message);
          }),
      ),
    );
    process.stdout.write(`${JSON.stringify({ count: Number(aText) * ms, cipher })}\n`);
  } else if (mode === 'handshake-count') {
    // A fixed workload: `ms` full handshakes, `a` at a time.
    let left = ms;
    await Promise.all(
      Array.from({ length: Number(aText) }, async () => {
        while (left-- > 0) {
          const socket = await connect();
          cipher = socket.getCipher().standardName;
          socket.destroy();
        }
      }),
    );
    process.stdout.write(`${JSON.stringify({ count: ms, cipher })}\n`);
  } else if (mode === 'echo') {
    const connections = Number(aText);
    const size = Number(bText);
    const sockets = await Promise.all(Array.from({ length: connections }, connect));
    cipher = sockets[0].getCipher().standardName;
    const message = Buffer.alloc(size, 0x61);
    let count = 0;
    let measuring = false;
    let stop = false;
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise((resolve) => {
            let got = 0;
            socket.on('data', (chunk) => {
              got += chunk.length;
              if (got < size) return;
              got -= size;
              if (measuring) count++;
              if (stop) {
                socket.end();
                resolve();
              } else socket.write(message);
            });
            socket.write(message);
          }),
      ).concat([
        (async () => {
          await new Promise((r) => setTimeout(r, 300)); // warm-up
          process.stdout.write('measure\n');
          startCpu();
          measuring = true;
          await new Promise((r) => setTimeout(r, ms));
          measuring = false;
          cpu = windowCpu();
          stop = true;
        })(),
      ]),
    );
    process.stdout.write(`${JSON.stringify({ count, cipher, cpu })}\n`);
  } else if (mode === 'handshake') {
    const endHandshakes = process.env['RT_TLS_HS_END'] === '1';
    const parallel = Number(aText);
    let count = 0;
    let measuring = false;
    const end = Date.now() + 300 + ms;
    setTimeout(() => {
      process.stdout.write('measure\n');
      startCpu();
      measuring = true;
    }, 300);
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (Date.now() < end) {
          const socket = await connect();
          cipher = socket.getCipher().standardName;
          // destroy() drops the client's Finished still queued in Node's TLS stream, so the
          // server never completes its handshake (nor sends tickets); RT_TLS_HS_END=1 ends the
          // socket instead (Finished, then close_notify and FIN) and waits for the server's close.
          if (endHandshakes) {
            socket.resume();
            socket.end();
            await new Promise((resolve) => socket.once('close', resolve));
          } else socket.destroy();
          if (measuring && Date.now() < end) count++;
        }
      }),
    );
    cpu = windowCpu(); // the window and the handshakes still in flight at its end
    process.stdout.write(`${JSON.stringify({ count, cipher, cpu })}\n`);
  } else if (mode === 'bulk') {
    const total = Number(aText) * 1024 * 1024;
    const socket = await connect();
    cipher = socket.getCipher().standardName;
    process.stdout.write('measure\n');
    startCpu();
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    let received = 0;
    const done = new Promise((resolve) =>
      socket.on('data', (c) => {
        received += c.length;
        if (received >= total) resolve();
      }),
    );
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    await done;
    cpu = windowCpu();
    socket.end();
    process.stdout.write(`${JSON.stringify({ count: total, cipher, cpu })}\n`);
  }
  process.exit(0);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'rt-tls-bench-'));
  const children = [];
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'ignore' });
    const env = { ...process.env, RT_TLS_DIR: dir };
    if (process.env['RT_TLS_CALLGRIND'] !== undefined) {
      await callgrindRows(env, dir);
      process.exit(0);
    }
    const servers = [];
    // RT_TLS_SERVERS=node,rt runs only those servers (node, the baseline, always runs).
    const picked = process.env['RT_TLS_SERVERS']?.split(',');
    const names = ['node', 'node-js-duplex', 'rt-node-engine', 'rt'].filter((name) => name === 'node' || picked === undefined || picked.includes(name));
    for (const name of names) {
      const role = name.startsWith('rt') ? 'rt-server' : `${name}-server`;
      const { child, port } = await startPrintingPortEnv(name, { ...env, RT_TLS_ROLE: role, ...(name === 'rt-node-engine' ? { RT_TLS_ENGINE: 'node' } : {}) });
      children.push(child);
      servers.push({ name, child, port });
    }
    const rounds = Number(process.env['RT_TLS_ROUNDS'] ?? 3);
    const only = process.env['RT_TLS_ROWS']?.split(','); // e.g. RT_TLS_ROWS=bulk or echo,handshake
    const bulkMib = Number(process.env['RT_TLS_BULK_MIB'] ?? 64);
    const clients = process.env['RT_TLS_CLIENTS']?.split(',') ?? ['c', 'node'];
    // Messages in flight per connection in the C client's echo rows, one row per value.
    const inFlights = (process.env['RT_TLS_INFLIGHT'] ?? '1,16').split(',').map(Number);
    let cClient;
    if (clients.includes('c')) {
      try {
        cClient = buildC('tls-loadgen', ['-lssl', '-lcrypto']);
      } catch {
        console.log('C client rows left out: benchmarks/c/tls-loadgen.c does not build here (needs cc and libssl-dev: apt-get install -y gcc libssl-dev)');
      }
    }
    const shapes = [
      { label: 'echo 64 B x 64 x', mode: 'echo', a: 64, b: 64, ms: 2000, unit: 'msg/s' },
      { label: 'echo 16 KiB x 64 x', mode: 'echo', a: 64, b: 16384, ms: 2000, unit: 'msg/s' },
      { label: 'handshakes (8 parallel)', mode: 'handshake', a: 8, b: 0, ms: 2000, unit: 'hs/s' },
    ];
    const nodeRows = shapes.map((shape) => ({ ...shape, label: `${shape.label}${shape.mode === 'echo' ? ' 1' : ''}, node client` }));
    // Processes of the C client (default 1, as the Node client): RT_TLS_CLIENT_PROCS=2 (or
    // handshake=2 for that row only) forks more, for a server that one client process cannot keep busy.
    const procsOf = (mode) => {
      const setting = process.env['RT_TLS_CLIENT_PROCS'] ?? '1';
      const own = setting.split(',').find((part) => part.startsWith(`${mode}=`));
      return Number(own === undefined ? (setting.includes('=') ? 1 : setting) : own.slice(mode.length + 1));
    };
    const cName = (mode) => (procsOf(mode) === 1 ? 'C client' : `C client x${procsOf(mode)} procs`);
    const cRows = shapes.flatMap((shape) =>
      shape.mode === 'echo'
        ? inFlights.map((inFlight) => ({ ...shape, client: cClient, procs: procsOf('echo'), inFlight, label: `${shape.label} ${inFlight}, ${cName('echo')}` }))
        : [{ ...shape, client: cClient, procs: procsOf(shape.mode), label: `${shape.label}, ${cName(shape.mode)}` }],
    );
    const rows = [
      ...(cClient === undefined ? [] : cRows),
      ...(clients.includes('node') ? nodeRows : []),
      { label: `bulk echo ${bulkMib} MiB, node client`, mode: 'bulk', a: bulkMib, b: 0, ms: 0, unit: 'MiB/s' },
    ];
    console.log(`TLS echo, rt (@rt/tls) vs Node tls, ${CIPHER}; shared 2-core machine: compare CPU/msg first`);
    console.log(`${rounds} alternating rounds; ranges over the rounds (median in brackets); ratios are per round against the node server of the same round`);
    console.log('each load generator is one process unless labelled; echo "S x N x K": N connections, each with K messages of S bytes in flight (RT_TLS_INFLIGHT=1,16 sets K of the C client rows; the Node client keeps 1)');
    console.log('server busy = its CPU s per s of the window (1.0 = one core busy); client CPU/unit = the load generator\'s own CPU per unit');
    console.log(
      `${'row'.padEnd(44)}${'server'.padEnd(16)}${'rate'.padEnd(20)}${'server CPU/unit'.padEnd(18)}${'rate vs node'.padEnd(20)}${'CPU/unit vs node'.padEnd(20)}${'server busy'.padEnd(13)}client CPU/unit`,
    );
    const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const range = (values, digits) => {
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
    };
    for (const row of rows.filter((r) => only === undefined || only.includes(r.mode))) {
      const results = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const { name, child, port } of order) results[name].push(await runClient(env, row, port, child.pid));
      }
      for (const name of names) {
        const rs = results[name];
        const rateRatio = rs.map((r, i) => r.rate / results.node[i].rate);
        const cpuRatio = rs.map((r, i) => r.cpuPer / results.node[i].cpuPer);
        console.log(
          `${row.label.padEnd(44)}${name.padEnd(16)}${`${range(rs.map((r) => r.rate), 0)} ${row.unit}`.padEnd(20)}${`${range(rs.map((r) => r.cpuPer * 1e6), 1)} µs`.padEnd(18)}${(name === 'node' ? 'baseline' : `${range(rateRatio, 2)}x (${median(rateRatio).toFixed(2)})`).padEnd(20)}${(name === 'node' ? '' : `${range(cpuRatio, 2)}x (${median(cpuRatio).toFixed(2)})`).padEnd(20)}${range(rs.map((r) => r.busy), 2).padEnd(13)}${range(rs.map((r) => r.clientCpuPer * 1e6), 1)} µs  [${rs[0].cipher}]`,
        );
      }
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startPrintingPortEnv(name, env, command = process.execPath, args = [here]) {
  const previous = process.env;
  process.env = env; // startPrintingPort spawns with the inherited environment
  try {
    return await startPrintingPort(name, command, args);
  } finally {
    process.env = previous;
  }
}

/**
 * Runs one client row against a server: the Node client, or the C client when `row.client`
 * is its path (echo and handshake modes). Server CPU is measured over the measured window
 * only; the client reports its own CPU over that window.
 */
function runClient(env, row, port, serverPid) {
  return new Promise((resolve, reject) => {
    const [command, args] =
      row.client === undefined
        ? [process.execPath, [here, row.mode, String(port), String(row.a), String(row.b), String(row.ms)]]
        : [row.client, [row.mode, String(port), String(row.a), String(row.b), String(row.inFlight ?? 0), String(row.warmupMs ?? 300), String(row.ms), String(row.procs)]];
    const client = spawn(command, args, {
      env: { ...env, RT_TLS_ROLE: 'client' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    let cpuStart = 0;
    let timeStart = 0;
    client.stdout.on('data', (chunk) => {
      text += chunk;
      if (cpuStart === 0 && text.includes('measure\n')) {
        cpuStart = cpuSecondsFine(serverPid);
        timeStart = performance.now();
      }
      const lines = text.split('\n').slice(0, -1).filter((l) => l.startsWith('{')); // whole lines only
      if (lines.length > 0) {
        const seconds = (performance.now() - timeStart) / 1000;
        const cpu = cpuSecondsFine(serverPid) - cpuStart;
        const { count, cipher, cpu: clientCpu = NaN } = JSON.parse(lines[0]);
        const units = row.mode === 'bulk' ? count / (1024 * 1024) : count;
        const measured = row.mode === 'bulk' ? seconds : row.ms / 1000;
        resolve({ rate: units / measured, cpuPer: cpu / Math.max(units, 1e-9), busy: cpu / seconds, clientCpuPer: clientCpu / Math.max(units, 1e-9), cipher });
      }
    });
    client.once('exit', (code) => code !== 0 && reject(new Error(`client exited ${code}`)));
  });
}

/**
 * RT_TLS_CALLGRIND=1: instruction counts (valgrind --tool=callgrind, nearly free of the noise
 * of a shared machine) of each server process for a fixed workload, run twice (n and 2n
 * units) so that start-up cancels: (I(2n) - I(n)) / n is the server's instructions per
 * message or per handshake. The client runs natively. Slow (about 50x): small counts.
 * Rows: the Node client's 64 B round trips and handshakes (destroyed at secureConnect, so the
 * server never completes them), and the C client's handshakes, completed (Finished, the
 * server's tickets, close_notify both ways). RT_TLS_ROWS matches a row's mode or a part of its
 * label (RT_TLS_ROWS="C client").
 */
async function callgrindRows(env, dir) {
  // The C client's handshakes (completed: Finished, tickets, close_notify), a fixed count (RT_TLS_LOADGEN_COUNT).
  function cClientRows() {
    try {
      const client = buildC('tls-loadgen', ['-lssl', '-lcrypto']);
      return [{ label: 'handshakes, C client (8 parallel)', mode: 'handshake', client, a: 8, b: 0, n: Number(process.env['RT_TLS_CALLGRIND_HANDSHAKES'] ?? 40), unit: 'handshake' }];
    } catch {
      console.log('C client row left out: benchmarks/c/tls-loadgen.c does not build here (needs cc and libssl-dev)');
      return [];
    }
  }
  const rows = [
    { label: 'echo 64 B x 16', mode: 'echo-count', a: 16, b: 64, n: Number(process.env['RT_TLS_CALLGRIND_MSGS'] ?? 250), unit: 'msg' },
    { label: 'handshakes (4 parallel)', mode: 'handshake-count', a: 4, b: 0, n: Number(process.env['RT_TLS_CALLGRIND_HANDSHAKES'] ?? 40), unit: 'handshake' },
    ...cClientRows(),
  ].filter((r) => process.env['RT_TLS_ROWS'] === undefined || process.env['RT_TLS_ROWS'].split(',').some((m) => r.mode.startsWith(m) || r.label.includes(m)));
  const picked = process.env['RT_TLS_SERVERS']?.split(',');
  // Instruction counts hardly move with load: RT_TLS_SERVERS may leave the node baseline out here.
  const names = ['node', 'rt-node-engine', 'rt'].filter((name) => (picked === undefined ? name !== 'rt-node-engine' : picked.includes(name)));
  console.log('TLS server instructions per unit (callgrind; the difference of a run of n and of 2n units)');
  for (const row of rows) {
    for (const name of names) {
      const counts = [];
      const done = [];
      for (const units of [row.n, 2 * row.n]) {
        const out = join(dir, `cg-${name}-${units}.out`);
        const roleEnv = { ...env, RT_TLS_ROLE: name.startsWith('rt') ? 'rt-server' : `${name}-server`, ...(name === 'rt-node-engine' ? { RT_TLS_ENGINE: 'node' } : {}) };
        const { child, port } = await startPrintingPortEnv(name, roleEnv, 'valgrind', ['-q', '--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, here]);
        // echo-count: a connections x (units / a) round trips; handshake-count: units handshakes.
        const perConnection = row.mode === 'echo-count' ? Math.max(1, Math.round(units / row.a)) : units;
        done.push(row.mode === 'echo-count' ? perConnection * row.a : units);
        if (row.client === undefined) await runClient(env, { ...row, ms: perConnection }, port, child.pid);
        else await runClient({ ...env, RT_TLS_LOADGEN_COUNT: String(units) }, { ...row, ms: 3_600_000, warmupMs: 0, procs: 1 }, port, child.pid);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        const totals = readFileSync(out, 'utf8').match(/^(?:summary|totals): (\d+)/m);
        counts.push(Number(totals?.[1] ?? NaN));
      }
      const per = (counts[1] - counts[0]) / (done[1] - done[0]);
      console.log(`${row.label.padEnd(44)}${name.padEnd(18)}${Math.round(per).toLocaleString('en-US').padStart(12)} instructions/${row.unit}`);
    }
  }
}
