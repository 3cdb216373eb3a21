// fs: sequential file reads and writes through @rt/fs `File` vs Node's `fs.promises`
// `FileHandle`, in the same run.
//
//   rt:       File.open(path)  → loop `await file.read(buf)`        (read-ahead, 64 KiB → 1 MiB)
//   baseline: fsp.open(path)   → loop `await handle.read(buf, 0, n)` (one threadpool trip per call)
//
// Cases: 64 KiB reads of a 256 MiB file (1 GiB with --full), 4 KiB reads of a quarter of it,
// 64 KiB writes of 64 MiB and 4 KiB writes of 16 MiB (file closed inside the timing). The file is read
// once first so both read from the page cache (the benchmark measures the runtime, not the disk).
// Run `npx turbo run build` first. Quick mode (32 MiB): `RT_BENCH_QUICK=1` or `--quick`.
import { open as fspOpen, unlink } from 'node:fs/promises';
import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// benchmarks/package.json does not list @rt/fs yet: fall back to the built package by path.
const { File, OpenOptions } = await import('@rt/fs').catch(() => import('../packages/fs/dist/index.js'));

const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const full = process.argv.includes('--full');
const MiB = 1024 * 1024;
const SIZE = (quick ? 32 : full ? 1024 : 256) * MiB;
const ROUNDS = quick ? 2 : 3;
const path = join(tmpdir(), `rt-fs-bench-${process.pid}.bin`);
const outPath = join(tmpdir(), `rt-fs-bench-${process.pid}.out`);

function makeFile() {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  for (let written = 0; written < SIZE; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
}

async function rtRead(chunk, limit) {
  const buf = Buffer.allocUnsafe(chunk);
  const file = await File.open(path);
  let total = 0;
  for (let n; total < limit && (n = await file.read(buf)) !== 0; ) total += n;
  await file.close();
  return total;
}

async function nodeRead(chunk, limit) {
  const buf = Buffer.allocUnsafe(chunk);
  const handle = await fspOpen(path, 'r');
  let total = 0;
  for (let n; total < limit && (n = (await handle.read(buf, 0, chunk)).bytesRead) !== 0; ) total += n;
  await handle.close();
  return total;
}

async function rtWrite(chunk, limit) {
  const buf = Buffer.alloc(chunk, 0x61);
  const file = await new OpenOptions().write(true).create(true).truncate(true).open(outPath);
  for (let total = 0; total < limit; ) total += await file.write(buf);
  await file.close();
  return limit;
}

async function nodeWrite(chunk, limit) {
  const buf = Buffer.alloc(chunk, 0x61);
  const handle = await fspOpen(outPath, 'w');
  for (let total = 0; total < limit; ) total += (await handle.write(buf, 0, chunk)).bytesWritten;
  await handle.close();
  return limit;
}

async function time(fn, chunk, limit) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const bytes = await fn(chunk, limit);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (bytes < limit) throw new Error(`${fn.name} moved ${bytes} of ${limit} bytes`);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

const cases = [
  { name: 'read 64 KiB', chunk: 64 * 1024, limit: SIZE, rt: rtRead, node: nodeRead },
  { name: 'read 4 KiB', chunk: 4 * 1024, limit: SIZE / 4, rt: rtRead, node: nodeRead },
  { name: 'write 64 KiB', chunk: 64 * 1024, limit: Math.min(SIZE, 64 * MiB), rt: rtWrite, node: nodeWrite },
  { name: 'write 4 KiB', chunk: 4 * 1024, limit: Math.min(SIZE, 64 * MiB) / 4, rt: rtWrite, node: nodeWrite },
];

makeFile();
try {
  await nodeRead(MiB, SIZE); // warm the page cache
  console.log(`fs: File vs fs.promises FileHandle, file ${SIZE / MiB} MiB, 1 warm-up + ${ROUNDS} measured rounds, interleaved`);
  console.log('| case | MiB | rt MiB/s (best) | node MiB/s (best) | ratio rt/node (best) | ratio (median) | ratio per CPU-second |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    await c.rt(c.chunk, Math.min(c.limit, 8 * MiB));
    await c.node(c.chunk, Math.min(c.limit, 8 * MiB));
    const ours = [];
    const theirs = [];
    for (let i = 0; i < ROUNDS; i++) {
      ours.push(await time(c.rt, c.chunk, c.limit));
      theirs.push(await time(c.node, c.chunk, c.limit));
    }
    const mib = c.limit / MiB;
    const best = (runs) => mib / Math.min(...runs.map((r) => r.wall));
    const median = (runs) => mib / [...runs.map((r) => r.wall)].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    const perCpu = (runs) => mib / [...runs.map((r) => r.cpu)].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    console.log(
      `| ${c.name} | ${mib} | ${best(ours).toFixed(0)} | ${best(theirs).toFixed(0)} | ${(best(ours) / best(theirs)).toFixed(2)}x | ${(median(ours) / median(theirs)).toFixed(2)}x | ${(perCpu(ours) / perCpu(theirs)).toFixed(2)}x |`,
    );
  }
} finally {
  await unlink(path).catch(() => {});
  await unlink(outPath).catch(() => {});
}
