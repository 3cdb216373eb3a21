// process: @rt/process against node:child_process, in the same run.
//
//   spawn: N short children (`true`, stdio to /dev/null), 8 in flight at a time.
//     rt:       new Command('true').stdin('null').stdout('null').stderr('null').status()
//     baseline: child_process.spawn('true', { stdio: 'ignore' }) + the 'exit' event
//   spawn+output: the same with stdout piped and collected (`echo hi`).
//     rt:       new Command('echo').arg('hi').output()
//     baseline: child_process.spawn + 'data' events on child.stdout + 'close'
//   cat: M MiB through `cat` (stdin piped in, stdout piped out), 64 KiB chunks.
//     rt:       writeAll(child.stdin) in one task, child.stdout.read(buf) into one reused
//               buffer in another (reactor + socket pair when the addon is available)
//     baseline: stream.pipeline(Readable.from(chunks), child.stdin) + 'data' on child.stdout
//
// Run `npx turbo run build` first. Quick mode (200 spawns, 32 MiB):
// `RT_BENCH_QUICK=1` or `--quick`. Full: 1,000 spawns, 256 MiB (`--mib=1024` for the
// issue's 1 GiB). Parent CPU only
// (process.cpuUsage): the children's CPU is the same program either way.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeAll } from '@rt/io';

// @rt/process may not be linked into benchmarks/node_modules yet: fall back to the build.
const { Command } = await import('@rt/process').catch(() => import('../packages/process/dist/index.js'));

const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const SPAWNS = quick ? 200 : 1000;
const mibArg = process.argv.find((arg) => arg.startsWith('--mib='));
const MIB = mibArg !== undefined ? Number(mibArg.slice('--mib='.length)) : quick ? 32 : 256;
if (!Number.isSafeInteger(MIB) || MIB < 1) throw new RangeError(`--mib must be a positive integer, got ${mibArg}`);
const TOTAL = MIB * 1024 * 1024;
const CHUNK = 64 * 1024;
const IN_FLIGHT = 8;
const ROUNDS = quick ? 2 : 3;
const chunk = Buffer.alloc(CHUNK, 0x61);

async function pool(count, one) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

const quiet = new Command('true').stdin('null').stdout('null').stderr('null');
async function rtSpawn() {
  await pool(SPAWNS, async () => {
    const status = await quiet.status();
    if (!status.success) throw new Error(`true failed: ${status}`);
  });
}

function nodeSpawn() {
  return pool(
    SPAWNS,
    () =>
      new Promise((resolve, reject) => {
        const child = spawn('true', { stdio: 'ignore' });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`true exited ${code}`))));
      }),
  );
}

const echo = new Command('echo').arg('hi');
async function rtOutput() {
  await pool(SPAWNS, async () => {
    const output = await echo.output();
    if (output.stdout.length !== 3) throw new Error('echo: wrong output');
  });
}

function nodeOutput() {
  return pool(
    SPAWNS,
    () =>
      new Promise((resolve, reject) => {
        const child = spawn('echo', ['hi'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const out = [];
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.resume();
        child.on('error', reject);
        child.on('close', () => (Buffer.concat(out).length === 3 ? resolve() : reject(new Error('echo: wrong output'))));
      }),
  );
}

async function rtCat() {
  const child = new Command('cat').stdin('piped').stdout('piped').spawn();
  const writer = (async () => {
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(child.stdin, chunk);
    await child.stdin.shutdown();
  })();
  const buf = Buffer.allocUnsafe(CHUNK);
  let seen = 0;
  for (;;) {
    const n = await child.stdout.read(buf);
    if (n === 0) break;
    seen += n;
  }
  await writer;
  await child.wait();
  if (seen !== TOTAL) throw new Error(`rt cat delivered ${seen}`);
}

async function nodeCat() {
  const child = spawn('cat', { stdio: ['pipe', 'pipe', 'inherit'] });
  let seen = 0;
  const done = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => (seen += d.length));
    child.on('error', reject);
    child.on('close', resolve);
  });
  async function* produce() {
    for (let sent = 0; sent < TOTAL; sent += CHUNK) yield chunk;
  }
  await pipeline(Readable.from(produce(), { objectMode: false }), child.stdin);
  await done;
  if (seen !== TOTAL) throw new Error(`node cat delivered ${seen}`);
}

async function time(fn) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function compare(name, unit, amount, ours, theirs) {
  await ours();
  await theirs();
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await time(ours));
    b.push(await time(theirs));
  }
  const rate = (runs) => amount / median(runs.map((r) => r.wall));
  const perCpu = (runs) => amount / median(runs.map((r) => r.cpu));
  return { name, unit, rt: { rate: rate(a), perCpu: perCpu(a) }, node: { rate: rate(b), perCpu: perCpu(b) } };
}

const rows = [
  await compare(`spawn ${SPAWNS} × true`, 'spawns/s', SPAWNS, rtSpawn, nodeSpawn),
  await compare(`spawn ${SPAWNS} × echo, collect stdout`, 'spawns/s', SPAWNS, rtOutput, nodeOutput),
  await compare(`${MIB} MiB through cat`, 'MiB/s', MIB, rtCat, nodeCat),
];
const pipes = new Command('true').stdout('piped').spawn();
const driver = pipes.stdout.driver;
pipes.stdout.close();
await pipes.wait();
console.log(`process: ${ROUNDS} measured rounds after one warm-up, interleaved, ${IN_FLIGHT} children in flight; rt pipes: ${driver}`);
console.log('| benchmark | rt (median) | node (median) | ratio rt/node | ratio per parent CPU-second |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.rt.rate.toFixed(0)} ${r.unit} | ${r.node.rate.toFixed(0)} ${r.unit} | ${(r.rt.rate / r.node.rate).toFixed(2)}x | ${(r.rt.perCpu / r.node.perCpu).toFixed(2)}x |`,
  );
}
