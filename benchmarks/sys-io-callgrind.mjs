#!/usr/bin/env node
// Instructions per `sys.write` + `sys.read` pair of a whole 16-byte Buffer on a socket pair (the
// two calls an echoed message makes, without the reactor), under callgrind: the cost of the io
// slots' path (@rt/mio-native README, passes na27 and na28) against the argument path in the same
// tree (`sys.write(fd, buf, 0, 16)`, the named baseline: fd, offset, length as N-API values) and,
// with --before, the slots' path of other checkouts (comma-separated; their packages built).
//
//   node benchmarks/sys-io-callgrind.mjs [--before=/path/to/tree[,/other/tree]] [--rounds=5] [--node=/path/to/node]
//        [--low=20000] [--high=180000] [--no-baseline]
//
// Per pair = (instructions of a run of HIGH pairs − of LOW pairs) / (HIGH − LOW): start-up, the
// JIT's compilation and the tear-down cancel out (V8 with --single-threaded
// --predictable-gc-schedule --random-seed=1, lib/callgrind.mjs). Rounds alternate the cases, the
// order rotated; prints each case's median and min–max and the ratios of the medians.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

if (arg('loop') !== undefined) {
  // The counted process: N pairs on one socket pair.
  const { sys, constants: C } = await import(pathToFileURL(join(arg('tree'), 'packages/mio-native/dist/index.js')).href);
  const n = Number(arg('loop'));
  const p = new Int32Array(2);
  if (sys.socketPair(C.AF_UNIX, C.SOCK_STREAM, p) !== 0) throw new Error('socketPair failed');
  const [x, y] = p;
  const out = Buffer.alloc(16, 1);
  const into = Buffer.alloc(16);
  let sum = 0;
  if (arg('path') === 'args') {
    for (let i = 0; i < n; i++) {
      sum += sys.write(x, out, 0, 16);
      sum += sys.read(y, into, 0, 16);
    }
  } else {
    for (let i = 0; i < n; i++) {
      sum += sys.write(x, out);
      sum += sys.read(y, into);
    }
  }
  if (sum !== 32 * n) throw new Error(`expected ${32 * n} bytes, got ${sum}`);
  process.exit(0);
}

requireValgrind('sys-io-callgrind');
const self = fileURLToPath(import.meta.url);
const here = join(self, '..', '..');
const node = arg('node', process.execPath);
const rounds = Number(arg('rounds', '5'));
const low = Number(arg('low', '20000'));
const high = Number(arg('high', '180000'));
const before = arg('before')?.split(',') ?? [];
const cases = [
  { name: 'this tree, slots', tree: here, path: 'slots' },
  ...(process.argv.includes('--no-baseline') ? [] : [{ name: 'this tree, arguments (baseline)', tree: here, path: 'args' }]),
  ...before.map((tree) => ({ name: `${tree}, slots`, tree, path: 'slots' })),
];
const count = (c, n) => callgrindInstructions(node, self, [`--loop=${n}`, `--tree=${c.tree}`, `--path=${c.path}`]);
const results = new Map(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(r + k) % cases.length];
    const perPair = (count(c, high) - count(c, low)) / (high - low);
    results.get(c.name).push(perPair);
    console.error(`round ${r + 1} ${c.name}: ${perPair.toFixed(1)}`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`node ${node === process.execPath ? process.version : node}, ${rounds} rounds, (${high} − ${low} pairs); instructions per write + read pair:`);
for (const c of cases) {
  const xs = results.get(c.name);
  console.log(`  ${c.name.padEnd(40)} median ${median(xs).toFixed(0).padStart(6)}  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`);
}
const m = (name) => median(results.get(name));
if (cases[1]?.path === 'args') console.log(`  slots ÷ arguments: ${(m(cases[0].name) / m(cases[1].name)).toFixed(3)}`);
for (const c of cases.filter((c) => c.tree !== here)) console.log(`  this tree ÷ ${c.tree}: ${(m(cases[0].name) / m(c.name)).toFixed(3)}`);
