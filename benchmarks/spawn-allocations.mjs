// Promises made and heap bytes allocated per task by each spawn + join row of
// scheduler.bench.mjs (issue 16, the scheduler README's eighth pass), in one build loaded from
// a given dist. Run with a young generation large enough that no GC falls in the measured run,
// so heapUsed after − before is what the run allocated:
//
//   node --min-semi-space-size=128 --max-semi-space-size=128 benchmarks/spawn-allocations.mjs <dist/index.js> <case>
//   cases: promise-all, thenables, in-task, joinset, outside
import { promiseHooks } from 'node:v8';
import { Thenable } from './lib/thenable.mjs';

const [dist, which] = process.argv.slice(2);
const N = 20_000;
const trivial = async () => 1;
const rt = await import(dist);
const runtime = rt.Builder.currentThread().build();
const cases = {
  'promise-all': async () => {
    const p = new Array(N);
    for (let i = 0; i < N; i++) p[i] = trivial();
    await Promise.all(p);
  },
  thenables: async () => {
    const p = new Array(N);
    for (let i = 0; i < N; i++) p[i] = new Thenable(trivial());
    await Promise.all(p);
  },
  'in-task': () =>
    runtime.run(async () => {
      const h = new Array(N);
      for (let i = 0; i < N; i++) h[i] = rt.spawn(trivial);
      for (let i = 0; i < N; i++) await h[i];
    }),
  joinset: async () => {
    const set = new rt.JoinSet();
    for (let i = 0; i < N; i++) set.spawn(trivial);
    await set.joinAll();
  },
  outside: async () => {
    const h = new Array(N);
    for (let i = 0; i < N; i++) h[i] = rt.spawn(trivial);
    await Promise.all(h);
  },
};
for (let warm = 0; warm < 3; warm++) await cases[which]();
await new Promise((resolve) => setTimeout(resolve, 20));
let promises = 0;
const stop = promiseHooks.onInit(() => {
  promises++;
});
const before = process.memoryUsage().heapUsed;
await cases[which]();
const after = process.memoryUsage().heapUsed;
stop();
console.log(`${which.padEnd(12)} Node ${process.version}: ${(promises / N).toFixed(2)} promises, ${((after - before) / N).toFixed(0)} B allocated per task`);
await runtime.shutdown();
