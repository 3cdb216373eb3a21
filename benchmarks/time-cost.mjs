#!/usr/bin/env node
// What one awaited timer costs, for the ladders of packages/time/README.md (issue 16): run
// one side alone (for `--cpu-prof`, `--trace-gc` or callgrind), count instructions per timer,
// or break the heap of a waiting timer down by object.
//
//   node benchmarks/time-cost.mjs SIDE [N]       schedules N timers over 0–1,000 ms and waits
//     for all of them; prints {"side", "n", "cpuMs"}. SIDE: rt (`sleep(ms).then(cb)`), rtTask
//     (the same inside one task), rtTasks (a task per timer, each `await sleep(ms)`), node
//     (`setTimeout(cb, ms)`), floor (a promise + `then` per timer, no wheel: lib/timer-floor.mjs),
//     floorCancel (the same plus a cancellable handle per timer in a list per millisecond)
//   node benchmarks/time-cost.mjs --callgrind rt,rtTask [N1] [N2]
//     instructions per timer under callgrind (`--predictable`): the difference between N2 and
//     N1 timers divided by N2 - N1 (start-up and most of the JIT cancel)
//   node --expose-gc benchmarks/time-cost.mjs --heap [N]
//     bytes per waiting `sleep(60_000 + i).then(noop, noop)` by object (heap snapshots before
//     and after), outside a task, in a task, and `setTimeout(cb)`
//
// Build first: `npx turbo run build` (benchmarks import the built packages).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Builder } from '@rt/scheduler';
import { sleep } from '@rt/time';
import { floorCancellableSleep, floorSleep } from './lib/timer-floor.mjs';

const self = fileURLToPath(import.meta.url);
const noop = () => {};

if (process.argv[2] === '--callgrind') callgrind(process.argv.slice(3));
else if (process.argv[2] === '--heap') await heap(Number(process.argv[3] ?? 20_000));
else await run(process.argv[2] ?? 'rt', Number(process.argv[3] ?? 1_000_000));

async function run(side, n) {
  const delays = new Float64Array(n);
  let x = 777;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    delays[i] = Math.floor((x / 0x7fffffff) * 1001);
  }
  const fire = (schedule) =>
    new Promise((resolve) => {
      let left = n;
      if (n === 0) resolve();
      const done = () => {
        if (--left === 0) resolve();
      };
      for (let i = 0; i < n; i++) schedule(delays[i], done);
    });
  const rt = (ms, done) => sleep(ms).then(done);
  const runtime = Builder.currentThread().build();
  const start = process.cpuUsage();
  if (side === 'rt') await fire(rt);
  else if (side === 'rtTask') await runtime.run(() => fire(rt));
  else if (side === 'rtTasks') await runtime.run(() => fire((ms, done) => void runtime.spawn(async () => (await sleep(ms), done()))));
  else if (side === 'node') await fire((ms, done) => setTimeout(done, ms));
  else if (side === 'floor') await fire((ms, done) => floorSleep(ms).then(done));
  else if (side === 'floorCancel') await fire((ms, done) => floorCancellableSleep(ms).then(done));
  else throw new Error(`unknown side ${side}`);
  const cpu = process.cpuUsage(start);
  console.log(JSON.stringify({ side, n, cpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
  await runtime.shutdown();
}

function callgrind([sides = 'rt,rtTask', n1 = '20000', n2 = '100000']) {
  const instructions = (side, n) => {
    const out = `/tmp/time-cost-${process.pid}-${side}-${n}.cg`;
    const result = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, '--predictable', self, side, n], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${side} ${n}: ${result.stderr.slice(-2000)}`);
    const total = Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))[1]);
    rmSync(out);
    return total;
  };
  for (const side of sides.split(',')) {
    const perTimer = (instructions(side, n2) - instructions(side, n1)) / (Number(n2) - Number(n1));
    console.log(`${side.padEnd(8)} ${Math.round(perTimer).toString().padStart(7)} instructions/timer`);
  }
}

/** Self sizes summed by type and name, after two full GCs. */
function objects() {
  globalThis.gc();
  globalThis.gc();
  const file = v8.writeHeapSnapshot(`/tmp/time-cost-${process.pid}.heapsnapshot`);
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const totals = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    // Strings and code are not a timer's (and a key per distinct string would fill this map).
    if (/string|code/.test(types[snapshot.nodes[i + type]])) continue;
    const key = `${types[snapshot.nodes[i + type]]} ${snapshot.strings[snapshot.nodes[i + name]]}`.slice(0, 60);
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + size];
    totals.set(key, entry);
  }
  return totals;
}

async function heap(n) {
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc');
  const measure = (label, make, release) => {
    const before = objects();
    const kept = make();
    const after = objects();
    const rows = [];
    for (const [key, { count, bytes }] of after) {
      const old = before.get(key) ?? { count: 0, bytes: 0 };
      // Objects made once per timer (the snapshot's own strings and the array that keeps the
      // timers are left out by the count test).
      const perTimer = (count - old.count) / n;
      if (perTimer >= 0.9 && perTimer <= 1.1) rows.push({ object: key, count: perTimer, bytes: (bytes - old.bytes) / n });
    }
    rows.sort((a, b) => b.bytes - a.bytes);
    console.log(`${label}: ${rows.reduce((sum, r) => sum + r.bytes, 0).toFixed(0)} B per timer`);
    for (const r of rows) console.log(`  ${r.bytes.toFixed(0).padStart(5)} B  ${r.object}`);
    release(kept);
  };
  const sleeps = () => Array.from({ length: n }, (_, i) => {
    const s = sleep(60_000 + i);
    s.then(noop, noop);
    return s;
  });
  const dispose = (kept) => kept.forEach((s) => s[Symbol.dispose]());
  measure('sleep(ms).then(cb), outside a task', sleeps, dispose);
  const runtime = Builder.currentThread().build();
  await runtime.run(async () => measure('sleep(ms).then(cb), in a task', sleeps, dispose));
  measure('setTimeout(cb, ms)', () => Array.from({ length: n }, (_, i) => setTimeout(noop, 60_000 + i)), (kept) => kept.forEach(clearTimeout));
  await runtime.shutdown();
}
