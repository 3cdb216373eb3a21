#!/usr/bin/env node
// The unbounded mpsc SPSC row of sync.bench.mjs in a lean process (no npm peers loaded, so it
// starts fast under callgrind), with the producer's turn interval as a knob: at 1,024 sends
// per turn the consumer task's budget (128 per turn) leaves a backlog of ~1,750,000 values for
// 2,000,000 messages; at 128 there is none, with the same number of turns. Sides: rt, rt with
// the consumer `unconstrained`, and the hand-written unbounded queue (baselines/promise-queue.mjs)
// in the same two rt tasks. Also the bounded(1024) SPSC row (`spsc`), rt only.
//
//   node benchmarks/mpsc-backlog.mjs [--every=1024] [--n=2000000] [--rounds=3]
//       CPU per message of each side, sides alternating, ranges over the rounds
//   node benchmarks/mpsc-backlog.mjs --callgrind [--n=200000] [--every=1024]
//       instructions per message under callgrind: (I(2N) - I(N)) ÷ N per side
//   node benchmarks/mpsc-backlog.mjs --side=rt --n=...     one side, one run (prints JSON)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn, unconstrained } from '@rt/scheduler';
import { mpsc } from '@rt/sync';
import { ArrayChannel, BudgetedUnboundedChannel } from './baselines/promise-queue.mjs';
import { callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';

const { values } = parseArgs({
  options: {
    side: { type: 'string' },
    n: { type: 'string' },
    every: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    callgrind: { type: 'boolean', default: false },
  },
});
const every = Number(values.every);
if (!Number.isInteger(Math.log2(every))) throw new TypeError(`--every must be a power of two, got ${values.every}`);
const mask = every - 1;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const sumTo = (n) => (n * (n - 1)) / 2;

const consume = async (recv) => {
  let sum = 0;
  let v;
  while ((v = await recv()) !== undefined) sum += v;
  return sum;
};
/** The producer task sends n values at once, with a turn every `every` sends. */
async function pair(n, send, close, consumer) {
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) {
      send(i);
      if ((i & mask) === mask) await tick();
    }
    close();
  });
  const c = spawn(consumer);
  await producer;
  return c;
}
const sides = {
  rt: (n) => {
    const [tx, rx] = mpsc.unboundedChannel();
    return pair(n, (v) => tx.send(v), () => tx.close(), () => consume(() => rx.recv()));
  },
  'rt unconstrained': (n) => {
    const [tx, rx] = mpsc.unboundedChannel();
    return pair(n, (v) => tx.send(v), () => tx.close(), () => unconstrained(() => consume(() => rx.recv())));
  },
  'hand-written queue': (n) => {
    const ch = new ArrayChannel();
    return pair(n, (v) => ch.push(v), () => ch.close(), () => consume(() => ch.recv()));
  },
  // The floor of the rt side: the hand-written queue with the cooperative budget's turns (see baselines/promise-queue.mjs).
  'hand-written queue + budget': (n) => {
    const ch = new BudgetedUnboundedChannel();
    return pair(n, (v) => ch.push(v), () => ch.close(), () => consume(() => ch.recv()));
  },
  spsc: async (n) => {
    const [tx, rx] = mpsc.channel(1024);
    const producer = spawn(async () => {
      for (let i = 0; i < n; i++) await tx.send(i);
      tx.close();
    });
    const c = spawn(() => consume(() => rx.recv()));
    await producer;
    return c;
  },
};

const self = fileURLToPath(import.meta.url);
if (values.side !== undefined) {
  const n = Number(values.n ?? 2_000_000);
  const run = sides[values.side];
  if (run === undefined) throw new TypeError(`--side must be one of ${Object.keys(sides).join(', ')}`);
  const c0 = process.cpuUsage();
  const sum = await run(n);
  const c = process.cpuUsage(c0);
  if (sum !== sumTo(n)) throw new Error(`checksum ${sum} !== ${sumTo(n)}`);
  process.stdout.write(JSON.stringify({ nsPerMessage: ((c.user + c.system) * 1000) / n }) + '\n');
} else if (values.callgrind) {
  requireValgrind('mpsc-backlog');
  const n = Number(values.n ?? 200_000);
  const count = (side, k) => callgrindInstructions(process.execPath, self, [`--side=${side}`, `--n=${k}`, `--every=${every}`]);
  const rows = Object.keys(sides).map((side) => ({ side, 'instructions/message': Math.round((count(side, 2 * n) - count(side, n)) / n) }));
  console.log(`unbounded mpsc SPSC under callgrind, Node ${process.version}, a turn every ${every} sends: (I(${2 * n}) - I(${n})) ÷ ${n}`);
  console.table(rows);
} else {
  const n = Number(values.n ?? 2_000_000);
  const results = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const side of Object.keys(sides)) {
      const r = spawnSync(process.execPath, [self, `--side=${side}`, `--n=${n}`, `--every=${every}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) throw new Error(`${side} failed (exit ${r.status})`);
      results[side].push(JSON.parse(r.stdout.trim().split('\n').pop()).nsPerMessage);
    }
  }
  const range = (v, digits = 0) => `${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}`;
  const base = results['hand-written queue'];
  console.log(`unbounded mpsc SPSC, ${n.toLocaleString('en')} messages, a turn every ${every} sends, Node ${process.version}, CPU per message (ranges over ${values.rounds} rounds)`);
  console.table(Object.entries(results).map(([side, v]) => ({ side, 'CPU ns/message': range(v), 'hand-written ÷ side': side === 'spsc' ? '' : range(v.map((x, i) => base[i] / x), 2) + '×' })));
}
