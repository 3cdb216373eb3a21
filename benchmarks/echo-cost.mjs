#!/usr/bin/env node
// The echo servers of echo.bench.mjs / net.bench.mjs, driven in ONE process by a raw-syscall
// client, for a fixed number of messages: what each server rung costs per message, free of
// the load generator and of the machine's other load.
//
//   node benchmarks/echo-cost.mjs SERVER [MESSAGES] [CONNECTIONS] [BYTES]
//     SERVER: reactor (echo-rt-server.mjs's loop), minimal-stream (echo-ladder-servers.mjs),
//             stream (TcpStream, a task per connection, the read/writeAll loop of
//             `net.bench.mjs --serve native`)
//   prints {"server", "messages", "userUs", "sysUs"} (CPU per message of the whole process)
//
// Instruction counts (noise-free on a shared machine): run it under callgrind for two message
// counts and divide the difference by the difference of the counts (start-up, JIT warm-up and
// the client's fixed costs cancel; the client's per-message cost is the same for every rung):
//
//   node benchmarks/echo-cost.mjs --callgrind reactor,stream [N1] [N2]
//
// prints each server's instructions per message and its excess over the first one's.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--callgrind') await callgrind(process.argv.slice(3));
else await measure(process.argv[2] ?? 'stream', Number(process.argv[3] ?? 200_000), Number(process.argv[4] ?? 64), Number(process.argv[5] ?? 64));

async function callgrind([servers = 'reactor,stream', n1 = '20000', n2 = '80000', connections = '64', size = '64']) {
  const instructions = (server, n) => {
    const out = `/tmp/echo-cost-${process.pid}-${server}-${n}.cg`;
    const run = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, self, server, n, connections, size], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${server} ${n}: ${run.stderr.slice(-2000)}`);
    const total = Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))[1]);
    rmSync(out);
    return total;
  };
  let first;
  for (const server of servers.split(',')) {
    const perMessage = (instructions(server, n2) - instructions(server, n1)) / (Number(n2) - Number(n1));
    first ??= perMessage;
    console.log(`${server.padEnd(16)} ${Math.round(perMessage).toString().padStart(7)} instructions/msg  (${perMessage === first ? 'base' : `+${Math.round(perMessage - first)}`})`);
  }
}

/** Starts `server` in this process; resolves with its port (the servers print it). */
async function startServer(server) {
  const log = console.log;
  const port = new Promise((resolve) => {
    console.log = (line) => {
      console.log = log;
      resolve(Number(line));
    };
  });
  if (server === 'reactor') await import('./echo-rt-server.mjs');
  else if (server === 'minimal-stream') (await import('./echo-ladder-servers.mjs')).serveMinimalStream();
  else if (server === 'stream') {
    process.argv.push('--serve', 'native');
    void import('./net.bench.mjs'); // its top-level await serves forever
  } else throw new Error(`unknown server ${server}`);
  return port;
}

async function measure(server, messages, connections, size) {
  const port = await startServer(server);
  const { constants, sys } = await import('@rt/mio-native');
  const { Interest, Reactor } = await import('@rt/reactor');
  const EAGAIN = -11;
  const reactor = new Reactor();
  let left = messages;
  const started = process.cpuUsage();
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  let running = connections;
  for (let c = 0; c < connections; c++) {
    void (async () => {
      const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
      sys.setSocketOption(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
      const registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
      const r = sys.connect(fd, { family: 'IPv4', address: '127.0.0.1', port });
      if (r !== 0) await registration.readiness(Interest.WRITABLE);
      const out = Buffer.alloc(size, 7);
      const back = Buffer.allocUnsafe(size);
      while (left > 0) {
        left--;
        if (sys.write(fd, out, 0, size) !== size) throw new Error('client: short write');
        for (let got = 0; got < size; ) {
          const event = await registration.readiness(Interest.READABLE);
          const n = sys.read(fd, back, got, size - got);
          if (n === EAGAIN) registration.clearReadiness(event);
          else if (n <= 0) throw new Error(`client: read ${n}`);
          else got += n;
        }
      }
      registration.deregister();
      sys.close(fd);
      if (--running === 0) done();
    })();
  }
  await finished;
  const cpu = process.cpuUsage(started);
  console.log(JSON.stringify({ server, messages, userUs: +(cpu.user / messages).toFixed(3), sysUs: +(cpu.system / messages).toFixed(3) }));
  process.exit(0);
}
