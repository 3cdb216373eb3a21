#!/usr/bin/env node
// Where the unbounded mpsc rows' budget goes: a backlog of N values (sent before the consumer
// starts) drained by one rt task, so the producer's turns are out of the picture. With the
// cooperative budget the consumer takes 128 values per event-loop turn (N / 128 forced turns);
// `unconstrained` it takes them all in one. The hand-written side is the budgeted floor of
// baselines/promise-queue.mjs (the same 128 per turn with a bare `setImmediate` per turn), and the
// same queue with no budget. Per side: CPU per message; the difference between a side with turns
// and without, times 128, is what one forced turn costs.
//
//   node benchmarks/mpsc-drain.mjs [--n=2000000] [--rounds=3]
//   node benchmarks/mpsc-drain.mjs --side=rt --n=...      one side, one run (prints JSON)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn, unconstrained } from '@rt/scheduler';
import { mpsc } from '@rt/sync';
import { BudgetedUnboundedChannel } from './baselines/promise-queue.mjs';

const { values } = parseArgs({ options: { side: { type: 'string' }, n: { type: 'string', default: '2000000' }, rounds: { type: 'string', default: '3' } } });
const n = Number(values.n);
const sumTo = (k) => (k * (k - 1)) / 2;
const consume = async (recv) => {
  let sum = 0;
  let v;
  while ((v = await recv()) !== undefined) sum += v;
  return sum;
};
const rtDrain = (wrap) => {
  const [tx, rx] = mpsc.unboundedChannel();
  for (let i = 0; i < n; i++) tx.send(i);
  tx.close();
  return spawn(() => wrap(() => consume(() => rx.recv())));
};
const queueDrain = (budget) => {
  const ch = new BudgetedUnboundedChannel(budget);
  for (let i = 0; i < n; i++) ch.push(i);
  ch.close();
  return spawn(() => consume(() => ch.recv()));
};
const sides = {
  'rt (budget: 128 per turn)': () => rtDrain((f) => f()),
  'rt, consumer unconstrained': () => rtDrain(unconstrained),
  'hand-written queue, 128 per turn': () => queueDrain(128),
  'hand-written queue, no budget': () => queueDrain(Infinity),
};

if (values.side !== undefined) {
  const run = sides[values.side];
  if (run === undefined) throw new TypeError(`--side must be one of ${Object.keys(sides).join(', ')}`);
  const c0 = process.cpuUsage();
  const sum = await run();
  const c = process.cpuUsage(c0);
  if (sum !== sumTo(n)) throw new Error(`checksum ${sum} !== ${sumTo(n)}`);
  process.stdout.write(JSON.stringify({ nsPerMessage: ((c.user + c.system) * 1000) / n }) + '\n');
} else {
  const self = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const side of Object.keys(sides)) {
      const r = spawnSync(process.execPath, [self, `--side=${side}`, `--n=${n}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) throw new Error(`${side} failed (exit ${r.status})`);
      results[side].push(JSON.parse(r.stdout.trim().split('\n').pop()).nsPerMessage);
    }
  }
  const range = (v) => `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}`;
  const turn = (a, b) => range(a.map((x, i) => ((x - b[i]) * 128) / 1000));
  console.log(`drain of a ${n.toLocaleString('en')}-value backlog by one task, Node ${process.version}, CPU per message (ranges over ${values.rounds} rounds)`);
  console.table(Object.entries(results).map(([side, v]) => ({ side, 'CPU ns/message': range(v) })));
  console.log(`one forced turn, CPU µs (side with turns − side without, × 128): rt ${turn(results['rt (budget: 128 per turn)'], results['rt, consumer unconstrained'])}, hand-written ${turn(results['hand-written queue, 128 per turn'], results['hand-written queue, no budget'])}`);
}
