#!/usr/bin/env node
// Why plain `Framed` costs ~2× the hand loop at 30 KB frames and `borrowFrames` does not: the
// cost of putting a 30 KB frame's bytes into memory no frame used before, against putting them
// into one reused buffer (the hand loop's and `borrowFrames`' way), in the same run. Each row
// writes N frames of 30,842 bytes (the 30 KB cell of framed.bench) with `set` (as a read(2)
// into the buffer would) and drops them:
//
//   reuse          one 64 KiB buffer for every frame (the baseline: hand, borrowFrames)
//   fresh          a storage of its own per frame, Buffer.allocUnsafeSlow (what BytesMut gives a
//                  large frame reserved while the buffer is empty: plain Framed at 30 KB)
//   slab           frames cut from 64 KiB slabs (BytesMut's slabs for smaller frames)
//   fresh, gc 1 MB the fresh row with a minor GC forced every 32 frames (~1 MB): what freeing
//                  the dropped storages sooner would give at best (a library cannot do this:
//                  it takes --expose-gc, and V8 collects dropped ArrayBuffers at its own pace,
//                  ~64 MB of external memory apart)
//   alloc only     the fresh row without writing the bytes (the allocation's own share)
//
//   node benchmarks/fresh-memory.bench.mjs      (~15 s)
//   RT_BENCH_QUICK=1 node benchmarks/fresh-memory.bench.mjs   or --quick
//
// Prints CPU ns per frame (process.cpuUsage; each row a fresh process, rows interleaved per
// round) with its system share, the median of the rounds and each row ÷ reuse (per round, as a
// range).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIZE = 2 + 0x7878; // 30,842 bytes, as framed.bench's 30 KB cell
const SLAB = 64 * 1024;
const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const ROUNDS = Number(process.env['RT_FRESH_ROUNDS'] ?? (quick ? 3 : 5));
const N = quick ? 50_000 : 100_000;

const rows = {
  reuse: { flags: [] },
  fresh: { flags: [] },
  slab: { flags: [] },
  'fresh, gc 1 MB': { flags: ['--expose-gc'] },
  'alloc only': { flags: [] },
};

function frames(name, n, message) {
  const reused = new Uint8Array(SLAB);
  let slab = reused;
  let at = SLAB;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let frame;
    if (name === 'reuse') {
      frame = new Uint8Array(reused.buffer, 0, SIZE);
    } else if (name === 'slab') {
      if (at + SIZE > SLAB) {
        slab = new Uint8Array(Buffer.allocUnsafeSlow(SLAB).buffer, 0, SLAB);
        at = 0;
      }
      frame = new Uint8Array(slab.buffer, at, SIZE);
      at += SIZE;
    } else {
      frame = new Uint8Array(Buffer.allocUnsafeSlow(SIZE).buffer, 0, SIZE);
    }
    if (name !== 'alloc only') frame.set(message);
    sum += frame[SIZE - 1];
    if (name === 'fresh, gc 1 MB' && i % 32 === 31) globalThis.gc({ type: 'minor' });
  }
  return sum;
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const name = process.argv[childAt + 1];
  const message = Buffer.alloc(SIZE, 0x78);
  frames(name, N / 5, message); // warm-up: the JIT, and the heap's steady state
  const start = process.cpuUsage();
  frames(name, N, message);
  const used = process.cpuUsage(start);
  console.log(`${((used.user + used.system) * 1000) / N} ${(used.system * 1000) / N}`);
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ns = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
/** The kernel's share (page faults: glibc returns freed storage to the kernel and takes it back). */
const sys = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, { flags }] of Object.entries(rows)) {
    const run = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child', name], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
    const [total, system] = run.stdout.trim().split(' ').map(Number);
    ns[name].push(total);
    sys[name].push(system);
  }
}
console.log(`${N} frames of ${SIZE} bytes written with set() and dropped: CPU ns per frame, median of ${ROUNDS} rounds (each row a fresh process, interleaved); ÷ reuse per round`);
for (const name of Object.keys(rows)) {
  const ratios = ns[name].map((x, i) => x / ns.reuse[i]).sort((a, b) => a - b);
  const ratio = name === 'reuse' ? '(baseline)' : `${median(ratios).toFixed(2)}× (rounds ${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})`;
  console.log(`${name.padEnd(16)}${median(ns[name]).toFixed(0).padStart(8)} ns (system ${median(sys[name]).toFixed(0).padStart(5)})   ${ratio}`);
}
