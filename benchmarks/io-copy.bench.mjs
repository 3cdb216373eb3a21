// io-copy: throughput of an in-memory byte pipe with a copy loop.
//
//   rt:       producer --writeAll--> duplex(64 KiB) --copy()--> sink()
//   baseline: Readable.from(producer) --> PassThrough --> Writable, with stream.pipeline
//
// Both move the same bytes in 64 KiB chunks through one bounded buffer with backpressure,
// from a producer to a consumer that only counts. Run `npx turbo run build` first.
// Quick mode (32 MiB instead of 256 MiB): `RT_BENCH_QUICK=1` or `--quick`. Another chunk
// size: `--chunk=4096` (bytes; the pipe buffers stay 64 KiB).
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copy, duplex, sink, writeAll } from '@rt/io';

const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const TOTAL = (quick ? 32 : 256) * 1024 * 1024;
const chunkArg = process.argv.find((arg) => arg.startsWith('--chunk='));
const CHUNK = chunkArg === undefined ? 64 * 1024 : Number(chunkArg.slice('--chunk='.length));
const PIPE = 64 * 1024;
if (!Number.isSafeInteger(CHUNK) || CHUNK < 1 || TOTAL % CHUNK !== 0) throw new RangeError(`--chunk must divide ${TOTAL}, got ${chunkArg}`);
const ROUNDS = quick ? 3 : 7;
const chunk = Buffer.alloc(CHUNK, 0x61);

async function rt() {
  const [a, b] = duplex(PIPE);
  const out = sink();
  const producer = (async () => {
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(a, chunk);
    await a.shutdown();
  })();
  const copied = await copy(b, out, { bufferSize: PIPE });
  await producer;
  if (copied !== TOTAL || out.bytesWritten !== TOTAL) throw new Error(`rt copied ${copied}, sink saw ${out.bytesWritten}`);
}

async function node() {
  let seen = 0;
  async function* produce() {
    for (let sent = 0; sent < TOTAL; sent += CHUNK) yield chunk;
  }
  await pipeline(
    Readable.from(produce(), { objectMode: false, highWaterMark: PIPE }),
    new PassThrough({ highWaterMark: PIPE }),
    new Writable({
      highWaterMark: PIPE,
      write(data, _encoding, callback) {
        seen += data.length;
        callback();
      },
    }),
  );
  if (seen !== TOTAL) throw new Error(`node delivered ${seen}`);
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

const WARMUP = 3;
for (let i = 0; i < WARMUP; i++) {
  await rt();
  await node();
}
const results = { rt: [], node: [] };
for (let i = 0; i < ROUNDS; i++) {
  results.rt.push(await time(rt));
  results.node.push(await time(node));
}
const mib = TOTAL / 1024 / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (runs) => ({
  best: mib / Math.min(...runs.map((r) => r.wall)),
  median: mib / median(runs.map((r) => r.wall)),
  perCpu: mib / median(runs.map((r) => r.cpu)),
});
const ours = summary(results.rt);
const theirs = summary(results.node);
console.log(`io-copy: ${mib} MiB in ${CHUNK / 1024} KiB chunks, ${WARMUP} warm-up + ${ROUNDS} measured rounds, interleaved`);
console.log('| pipe | best MiB/s | median MiB/s | MiB per CPU-second (median) |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of [['rt duplex + copy', ours], ['node PassThrough + pipeline', theirs]]) {
  console.log(`| ${name} | ${r.best.toFixed(0)} | ${r.median.toFixed(0)} | ${r.perCpu.toFixed(0)} |`);
}
console.log(
  `ratio rt / node: best ${(ours.best / theirs.best).toFixed(2)}x, median ${(ours.median / theirs.median).toFixed(2)}x, per CPU ${(ours.perCpu / theirs.perCpu).toFixed(2)}x`,
);
