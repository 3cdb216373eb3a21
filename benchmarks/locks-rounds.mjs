#!/usr/bin/env node
// CPU per uncontended acquire + release (issue 16's lock row) in alternating rounds: each round runs
// rt's Semaphore(1) and Mutex, the hand-written promise semaphore they are measured against, and
// the floors (benchmarks/sync.bench.mjs's `locks/floor…` rows), every case in its own process
// (`node --expose-gc sync.bench.mjs --case=…`, 1,000,000 operations), and prints each case's CPU ns
// per operation and its ratio to the plain semaphore of the same round. With --base=DIR (another
// worktree of this repository, built), rt's rows of that tree run in the same rounds, alternating
// with this tree's, for a before/after in the same minutes.
//
// --n=N runs N operations per case instead (SYNC_BENCH_N): at 1,000,000 start-up and compilation are
// still a few ns of each operation, more of rt's (more code to compile) than of the hand-written loops.
//
//   node benchmarks/locks-rounds.mjs [--rounds=5] [--n=5000000] [--base=/path/to/other/worktree] [--nodes=/path/node24,/path/node26]
//
// --set=mpsc-unbounded runs issue 16's two unbounded mpsc rows instead (`mpsc/rt unbounded send+recv`
// and `mpsc/rt unbounded, 4 producers`, 2,000,000 messages), each against its plain hand-written
// queue, printing plain ÷ rt as sync.bench.mjs does for the mpsc rows (≥ 1.0× is the target); with
// --floors also the rows' `mpsc/floor…` cases. --set=mpsc-bounded: the bounded(1024) rows, SPSC and 4
// producers, the same way.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(arg('rounds', '5'));
const base = arg('base', undefined);
const nodes = arg('nodes', process.execPath).split(',');
const n = arg('n', undefined);
const RT = ['locks/rt Semaphore(1) uncontended', 'locks/rt Mutex uncontended'];
const PLAIN = 'locks/plain promise semaphore(1) uncontended';
const FLOORS = ['locks/floor: plain promise semaphore(1), a setImmediate turn every 128 acquires', 'locks/floor: promise semaphore(1) resolving a fresh permit, a setImmediate turn every 128 acquires'];
const withFloors = process.argv.includes('--floors');
/** Each row: its plain baseline, floors, rt cases; `flip`: print plain ÷ case (the mpsc rows' direction) instead of case ÷ plain. */
const SETS = {
  locks: [{ plain: PLAIN, floors: FLOORS, rt: RT, flip: false }],
  'mpsc-unbounded': [
    { plain: 'mpsc/baseline unbounded array+promise queue, same two rt tasks', floors: ['mpsc/floor: unbounded array+promise queue, a setImmediate turn every 128 receives'], rt: ['mpsc/rt unbounded send+recv'], flip: true },
    { plain: 'mpsc/baseline unbounded array+promise queue, 4 producers', floors: ['mpsc/floor: unbounded, 4 producers, a setImmediate turn every 128 receives'], rt: ['mpsc/rt unbounded, 4 producers'], flip: true },
  ],
  'mpsc-bounded': [
    { plain: 'mpsc/baseline array+promise queue, same two rt tasks', floors: [], rt: ['mpsc/rt send+recv'], flip: true },
    { plain: 'mpsc/baseline array+promise queue, 4 producers', floors: [], rt: ['mpsc/rt 4 producers, capacity 1024'], flip: true },
  ],
};
const set = arg('set', 'locks');
if (SETS[set] === undefined) throw new TypeError(`--set must be one of ${Object.keys(SETS).join(', ')}, got ${set}`);
const short = (tree, name) => `${tree === base ? 'base ' : ''}${name.replace(/^(locks|mpsc)\//, '').replace(/, a setImmediate turn every 128 (acquires|receives)/, ' +turns').replace(/ uncontended$/, '')}`;

/** CPU ns per operation of one case of `tree`'s sync.bench.mjs. */
function cpuOf(node, tree, name) {
  const r = spawnSync(node, ['--expose-gc', join(tree, 'benchmarks/sync.bench.mjs'), `--case=${name}`], { encoding: 'utf8', env: n === undefined ? process.env : { ...process.env, SYNC_BENCH_N: n } });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).cpuNsPerOp;
}

const tree = join(here, '..');
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  for (const row of SETS[set]) {
    const floors = set === 'locks' || withFloors ? row.floors : [];
    const jobs = [[tree, row.plain], ...floors.map((f) => [tree, f]), ...row.rt.map((c) => [tree, c]), ...(base === undefined ? [] : row.rt.map((c) => [base, c]))];
    const ratios = new Map(jobs.map(([t, c]) => [short(t, c), []]));
    const loads = [];
    const ratio = (v, plain) => (row.flip ? plain / v : v / plain);
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round, and reverse it every other round, so no case always runs
      // first or right after another.
      const order = jobs.map((_, i) => jobs[(i + round) % jobs.length]);
      if (round % 2 === 1) order.reverse();
      const ns = new Map();
      for (const [t, c] of order) ns.set(short(t, c), cpuOf(node, t, c));
      loads.push(loadavg()[0]);
      const plain = ns.get(short(tree, row.plain));
      console.log(`Node ${version} round ${round + 1} (load ${loadavg()[0].toFixed(1)}): ` + [...ns].map(([k, v]) => `${k} ${v.toFixed(1)} ns (${ratio(v, plain).toFixed(2)}x)`).join('; '));
      for (const [k, v] of ns) ratios.get(k).push(ratio(v, plain));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`\nNode ${version}, ${rounds} rounds${n === undefined ? '' : `, N = ${n}`}, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}: ${row.flip ? 'plain ÷ case' : 'case ÷ plain'}, plain = ${short(tree, row.plain)} of the same round`);
    console.table([...ratios].map(([k, xs]) => ({ case: k, min: Math.min(...xs).toFixed(2) + 'x', median: median(xs).toFixed(2) + 'x', max: Math.max(...xs).toFixed(2) + 'x', ...(row.flip ? { 'rounds ≥ 1.0': xs.filter((x) => x >= 1).length } : {}) })));
  }
}
