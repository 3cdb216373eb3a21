#!/usr/bin/env node
// Bytes allocated per ready operation of @rt/sync's budgeted receives (broadcast `recv`, watch
// `changed`, SetOnce `wait`; mpsc `recv` beside them) and of @rt/net's TcpStream `read` (64 B
// reads of a loopback stream another task keeps full, native driver) and @rt/util's FramedRead
// `next` (empty lines from @rt/io's `repeat`, decoded from the buffer), and uncontended acquire +
// release of @rt/sync's Semaphore and Mutex and @rt/multi-thread's shared Semaphore, in an rt task that always
// finds its value ready: the cooperative budget forces a yield every 128 operations, so the retry branch after a
// forced yield has run (issue 16: an arrow there capturing the method's parameters made V8
// allocate the method's context on every call). Baseline in the same run: the same loop awaiting
// an already-resolved promise (no rt operation).
//
// Each case runs in a child with V8's --trace-gc-nvp (the bytes `allocated` per collection),
// --single-threaded --random-seed=1, at 3N and at N operations: per operation = difference ÷ 2N.
//
//   node benchmarks/retry-bytes.mjs [N=300000] [--node=/path/to/node[,…]]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const CASES = ['promise', 'broadcast recv', 'watch changed', 'SetOnce wait', 'mpsc recv', 'Semaphore acquire', 'Mutex lock', 'shared Semaphore acquire', 'TcpStream read', 'FramedRead next'];

if (process.argv[2] === '--case') {
  const name = process.argv[3];
  const n = Number(process.argv[4]);
  const { spawn } = await import('@rt/scheduler');
  const { broadcast, watch, SetOnce, mpsc, Semaphore, Mutex } = await import('@rt/sync');
  if (name === 'TcpStream read') {
    const { TcpListener, TcpStream } = await import('@rt/net');
    const listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const accepting = listener.accept();
    const client = await TcpStream.connect(listener.localAddr(), { driver: 'native' });
    const server = await accepting;
    const chunk = Buffer.alloc(64 * 1024, 1);
    let done = false;
    const writer = spawn(async () => {
      while (!done) await client.writeAll(chunk);
    });
    await spawn(async () => {
      const buf = Buffer.alloc(64);
      for (let i = 0; i < n; i++) await server.read(buf);
    });
    done = true;
    server.close();
    await writer.catch(() => {});
    client.close();
    listener.close();
    process.exit(0);
  }
  if (name === 'FramedRead next') {
    const { repeat } = await import('@rt/io');
    const { FramedRead, LinesCodec } = await import('@rt/util');
    const frames = new FramedRead(repeat(10), new LinesCodec());
    await spawn(async () => {
      for (let i = 0; i < n; i++) await frames.next();
    });
    process.exit(0);
  }
  await spawn(async () => {
    if (name === 'promise') {
      const ready = Promise.resolve(1);
      for (let i = 0; i < n; i++) await ready;
    } else if (name === 'broadcast recv') {
      const [tx, rx] = broadcast.channel(16);
      for (let i = 0; i < n; i++) {
        tx.send(i);
        await rx.recv();
      }
    } else if (name === 'watch changed') {
      const [tx, rx] = watch.channel(0);
      for (let i = 0; i < n; i++) {
        tx.send(i);
        await rx.changed();
      }
    } else if (name === 'SetOnce wait') {
      const cell = new SetOnce();
      cell.set(1);
      for (let i = 0; i < n; i++) await cell.wait();
    } else if (name === 'Semaphore acquire') {
      const semaphore = new Semaphore(1);
      for (let i = 0; i < n; i++) (await semaphore.acquire()).release();
    } else if (name === 'Mutex lock') {
      const mutex = new Mutex(0);
      for (let i = 0; i < n; i++) (await mutex.lock()).release();
    } else if (name === 'shared Semaphore acquire') {
      const { shared } = await import('@rt/multi-thread');
      const semaphore = new shared.Semaphore(1);
      for (let i = 0; i < n; i++) (await semaphore.acquire()).release();
    } else if (name === 'mpsc recv') {
      const [tx, rx] = mpsc.unboundedChannel();
      for (let i = 0; i < n; i++) {
        tx.send(i);
        await rx.recv();
      }
    }
  });
  process.exit(0);
}

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 300_000);
const nodes = arg('node', process.execPath).split(',');

function allocated(node, name, n) {
  const child = spawnSync(node, ['--single-threaded', '--random-seed=1', '--trace-gc-nvp', self, '--case', name, String(n)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`${name} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  let sum = 0;
  for (const match of child.stdout.matchAll(/(?: allocated=|"allocated":)(\d+)/g)) sum += Number(match[1]);
  return sum;
}

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const rows = [];
  let base;
  for (const name of CASES) {
    const per = (allocated(node, name, 3 * N) - allocated(node, name, N)) / (2 * N);
    base ??= per;
    rows.push({ case: name, 'bytes/operation': Math.round(per), 'over the awaited promise': Math.round(per - base) });
  }
  console.log(`\nbytes allocated per ready operation in one rt task (budget forcing a yield every 128), Node ${version}: (A(${3 * N}) - A(${N})) ÷ ${2 * N}`);
  console.table(rows);
}
