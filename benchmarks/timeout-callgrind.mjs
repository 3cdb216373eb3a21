#!/usr/bin/env node
// Instructions per iteration of `timeout()` in one rt task, counted by callgrind, for builds side
// by side (a base worktree and a branch): the cost on the path of a change to `timeout`, which a
// loaded machine's CPU time cannot tell apart at a few %. A loop of N iterations in one task, run
// at N and 2N under `valgrind --tool=callgrind` (V8 as `callgrindInstructions` runs it); per
// iteration = (I(2N) - I(N)) ÷ N, start-up and JIT warm-up cancel out. Trees alternate, ROUNDS
// times. The baseline row, same run: the same loop without `timeout` (an awaited oneshot receive
// with its send, `await ready`), what `timeout` adds shows as the difference.
//
//   node benchmarks/timeout-callgrind.mjs [--trees=/work/wt-a,/work/wt-b] [--cases=recv,fn,ready] [--n=30000] [--rounds=2]
//   RT_TIMEOUT_CG_NODE=/path/to/node24 node benchmarks/timeout-callgrind.mjs
//
// Cases: recv `const [tx, rx] = oneshot.channel(); const p = timeout(10000, rx); tx.send(i); await p`
// (review rv31's and pass lk28's), fn the same with `timeout(10000, (signal) => rx.recv({ signal }))`,
// ready `await timeout(10000, ready)`; plain-recv and plain-ready are the baselines without
// `timeout`. await-rx `tx.send(i); await rx` and await-sleep `await sleepUntil(past)` (a deadline already past) await rt's thenables
// themselves, with no `timeout` (pass pp30: each `await` of a thenable looks its `then` up without a
// cache, so what its prototype holds shows here). Needs valgrind and the built packages of each tree (`npx turbo run build`).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

if (process.argv[2] === '--case') await runCase(process.argv[3], process.argv[4], Number(process.argv[5]));
else measure();

async function runCase(tree, kase, n) {
  const load = (pkg) => import(pathToFileURL(`${tree}/packages/${pkg}/dist/index.js`).href);
  const { Builder } = await load('scheduler');
  const { oneshot } = await load('sync');
  const { Instant, sleepUntil, timeout } = await load('time');
  const runtime = Builder.currentThread().build();
  await runtime.spawn(async () => {
    if (kase === 'recv') {
      for (let i = 0; i < n; i++) {
        const [tx, rx] = oneshot.channel();
        const p = timeout(10000, rx);
        tx.send(i);
        await p;
      }
    } else if (kase === 'fn') {
      for (let i = 0; i < n; i++) {
        const [tx, rx] = oneshot.channel();
        const p = timeout(10000, (signal) => rx.recv({ signal }));
        tx.send(i);
        await p;
      }
    } else if (kase === 'ready') {
      const ready = Promise.resolve(1);
      for (let i = 0; i < n; i++) await timeout(10000, ready);
    } else if (kase === 'plain-recv') {
      for (let i = 0; i < n; i++) {
        const [tx, rx] = oneshot.channel();
        const p = rx.recv();
        tx.send(i);
        await p;
      }
    } else if (kase === 'await-rx') {
      for (let i = 0; i < n; i++) {
        const [tx, rx] = oneshot.channel();
        tx.send(i);
        await rx;
      }
    } else if (kase === 'await-sleep') {
      // A deadline already past (not sleep(0), which parks until the clock's next millisecond
      // when called within one, so its count follows the machine's speed): completes at once.
      const past = Instant.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < n; i++) await sleepUntil(past);
    } else if (kase === 'plain-ready') {
      const ready = Promise.resolve(1);
      for (let i = 0; i < n; i++) await ready;
    } else throw new Error(`unknown case ${kase}`);
  });
  await runtime.shutdown();
}

function measure() {
  requireValgrind('timeout-callgrind');
  const here = resolve(dirname(self), '..');
  const trees = arg('trees', here).split(',');
  const cases = arg('cases', 'recv,plain-recv,fn,ready,plain-ready').split(',');
  const n = Number(arg('n', '30000'));
  const rounds = Number(arg('rounds', '2'));
  const node = process.env['RT_TIMEOUT_CG_NODE'] ?? process.execPath;
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`timeout() in a task under callgrind, Node ${version}: instructions per iteration = (I(${2 * n}) - I(${n})) ÷ ${n}, ${rounds} round(s), trees alternating`);
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const kase of cases) {
      const order = round % 2 === 0 ? trees : [...trees].reverse();
      for (const tree of order) {
        const count = (k) => callgrindInstructions(node, self, ['--case', tree, kase, String(k)]);
        const perIteration = (count(2 * n) - count(n)) / n;
        const key = `${kase}\t${tree}`;
        results.set(key, [...(results.get(key) ?? []), Math.round(perIteration)]);
        console.log(`round ${round + 1} ${kase} ${tree}: ${Math.round(perIteration)}`);
      }
    }
  }
  const rows = [];
  for (const [key, values] of results) {
    const [kase, tree] = key.split('\t');
    rows.push({ case: kase, tree, 'instructions/iteration': values.join(', ') });
  }
  console.table(rows);
}
