// @rt/scheduler against named baselines, each case in its own child process (so one case's
// AsyncLocalStorage hooks or heap do not tax the next), best of REPS runs, ratios in one table.
//
//   node benchmarks/scheduler.bench.mjs          full run  (npx tsc -b packages/scheduler first)
//   RT_BENCH_QUICK=1 node benchmarks/scheduler.bench.mjs   quick run (or pass --quick)
//   node benchmarks/scheduler.bench.mjs --only=blocking      one group (matched against its title)
//
// Cases:
// - spawn + join of N trivial tasks            vs Promise.all over N async calls
//   (joined three ways: Promise.all(handles) outside any task, JoinSet.joinAll(), and
//   `await handle` in turn inside runtime.run)
//   (+ the same Promise.all with AsyncLocalStorage.run per call: what the current-task
//   tracking alone costs on this Node version)
//   (+ Effect, the JavaScript peer: N fibers forked with Effect.forkChild, each joined)
// - 200 tasks x K yieldNow()                   vs the same with `await new Promise(setImmediate)`
// - ping-pong of 1,000 round trips between two tasks (a one-slot channel built on park(), as
//   @rt/sync does)                             vs the same between two plain async functions
//   (+ the same with AsyncLocalStorage switched on)
// - spawnBlocking throughput, 16 in flight     vs piscina, same worker function, same thread count
import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { URL, fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const SPAWN_N = quick ? 100_000 : 1_000_000;
const YIELD_TASKS = 200;
const YIELD_K = quick ? 100 : 1_000;
const PING_TRIPS = 1_000;
const PING_REPEAT = quick ? 20 : 200;
const BLOCKING_JOBS = quick ? 2_000 : 20_000;
const BLOCKING_ITERATIONS = 20_000;
const IN_FLIGHT = 16;
const THREADS = 2;
const REPS = quick ? 2 : 3;

async function trivial() {
  return 1;
}

const cases = {
  // --- spawn + join
  async 'promise-all'() {
    const promises = new Array(SPAWN_N);
    for (let i = 0; i < SPAWN_N; i++) promises[i] = trivial();
    await Promise.all(promises);
  },
  async 'promise-all+als'() {
    const storage = new AsyncLocalStorage();
    const promises = new Array(SPAWN_N);
    for (let i = 0; i < SPAWN_N; i++) promises[i] = storage.run(i, trivial);
    await Promise.all(promises);
  },
  async 'rt spawn'() {
    const { spawn } = await import('@rt/scheduler');
    const handles = new Array(SPAWN_N);
    for (let i = 0; i < SPAWN_N; i++) handles[i] = spawn(trivial);
    await Promise.all(handles);
  },
  async 'rt JoinSet.joinAll'() {
    const { JoinSet } = await import('@rt/scheduler');
    const set = new JoinSet();
    for (let i = 0; i < SPAWN_N; i++) set.spawn(trivial);
    await set.joinAll();
  },
  async 'rt spawn (in a task)'() {
    const { Builder, spawn } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const handles = new Array(SPAWN_N);
      for (let i = 0; i < SPAWN_N; i++) handles[i] = spawn(trivial);
      for (let i = 0; i < SPAWN_N; i++) await handles[i];
    });
    await runtime.shutdown();
  },
  async 'effect fork+join'() {
    // Effect (a named JavaScript peer): fork N fibers doing the same trivial work, join each.
    const { Effect, Fiber } = await import('effect');
    await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array(SPAWN_N);
        for (let i = 0; i < SPAWN_N; i++) fibers[i] = yield* Effect.forkChild(Effect.promise(trivial));
        for (let i = 0; i < SPAWN_N; i++) yield* Fiber.join(fibers[i]);
      }),
    );
  },
  // --- yield
  async 'rt yieldNow'() {
    const { spawn, yieldNow } = await import('@rt/scheduler');
    const handles = [];
    for (let t = 0; t < YIELD_TASKS; t++) {
      handles.push(spawn(async () => {
        for (let i = 0; i < YIELD_K; i++) await yieldNow();
      }));
    }
    await Promise.all(handles);
  },
  async 'setImmediate yield'() {
    const { spawn } = await import('@rt/scheduler');
    const handles = [];
    for (let t = 0; t < YIELD_TASKS; t++) {
      handles.push(spawn(async () => {
        for (let i = 0; i < YIELD_K; i++) await new Promise(setImmediate);
      }));
    }
    await Promise.all(handles);
  },
  // --- ping-pong
  async 'rt ping-pong'() {
    const { spawn, park } = await import('@rt/scheduler');
    /** A one-slot channel on park(): what an rt primitive does. */
    class Slot {
      waiter = undefined;
      value = undefined;
      full = false;
      send(value) {
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter !== undefined && waiter.wake(value)) return;
        this.value = value;
        this.full = true;
      }
      recv() {
        if (this.full) {
          this.full = false;
          return Promise.resolve(this.value);
        }
        const { waiter, promise } = park('Slot.recv', () => (this.waiter = undefined));
        this.waiter = waiter;
        return promise;
      }
    }
    for (let r = 0; r < PING_REPEAT; r++) {
      const ping = new Slot();
      const pong = new Slot();
      const a = spawn(async () => {
        for (let i = 0; i < PING_TRIPS; i++) {
          ping.send(i);
          await pong.recv();
        }
      });
      const b = spawn(async () => {
        for (let i = 0; i < PING_TRIPS; i++) pong.send(await ping.recv());
      });
      await a;
      await b;
    }
  },
  async 'promise ping-pong+als'() {
    // The same plain-promise ping-pong, with AsyncLocalStorage's promise hooks switched on.
    new AsyncLocalStorage().enterWith(1);
    await cases['promise ping-pong']();
  },
  async 'promise ping-pong'() {
    class Slot {
      resolve = undefined;
      value = undefined;
      full = false;
      send(value) {
        const resolve = this.resolve;
        this.resolve = undefined;
        if (resolve !== undefined) return resolve(value);
        this.value = value;
        this.full = true;
      }
      recv() {
        if (this.full) {
          this.full = false;
          return Promise.resolve(this.value);
        }
        return new Promise((resolve) => (this.resolve = resolve));
      }
    }
    for (let r = 0; r < PING_REPEAT; r++) {
      const ping = new Slot();
      const pong = new Slot();
      const a = (async () => {
        for (let i = 0; i < PING_TRIPS; i++) {
          ping.send(i);
          await pong.recv();
        }
      })();
      const b = (async () => {
        for (let i = 0; i < PING_TRIPS; i++) pong.send(await ping.recv());
      })();
      await a;
      await b;
    }
  },
  // --- blocking pool
  async 'rt spawnBlocking'() {
    const { Builder } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().maxBlockingThreads(THREADS).build();
    const url = new URL('./scheduler-worker.mjs', import.meta.url);
    const submit = () => runtime.spawnBlocking(url, 'work', [BLOCKING_ITERATIONS]);
    await Promise.all(Array.from({ length: THREADS * 4 }, submit)); // warm up: threads started, module loaded
    return timed(async () => {
      await inFlight(BLOCKING_JOBS, submit);
    }).finally(() => runtime.shutdown());
  },
  async 'piscina'() {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: new URL('./scheduler-worker.mjs', import.meta.url).href, minThreads: THREADS, maxThreads: THREADS });
    const submit = () => pool.run(BLOCKING_ITERATIONS, { name: 'work' });
    await Promise.all(Array.from({ length: THREADS * 4 }, submit));
    return timed(async () => {
      await inFlight(BLOCKING_JOBS, submit);
    }).finally(() => pool.destroy());
  },
};

/** Runs `total` jobs keeping IN_FLIGHT of them outstanding. */
async function inFlight(total, submit) {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      await submit();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

/** Marks the timed part of a case that needs set-up outside the timing. */
async function timed(fn) {
  const start = performance.now();
  await fn();
  return { ms: performance.now() - start };
}

const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const groups = [
  { title: `spawn + join of ${SPAWN_N.toLocaleString('en')} trivial tasks`, baseline: 'promise-all', cases: ['promise-all', 'promise-all+als', 'rt spawn', 'rt JoinSet.joinAll', 'rt spawn (in a task)', 'effect fork+join'], per: SPAWN_N, unit: 'task' },
  { title: `${YIELD_TASKS} tasks x ${YIELD_K.toLocaleString('en')} yields`, baseline: 'setImmediate yield', cases: ['setImmediate yield', 'rt yieldNow'], per: YIELD_TASKS * YIELD_K, unit: 'yield' },
  { title: `ping-pong, ${PING_TRIPS.toLocaleString('en')} round trips x ${PING_REPEAT}`, baseline: 'promise ping-pong', cases: ['promise ping-pong', 'promise ping-pong+als', 'rt ping-pong'], per: PING_TRIPS * PING_REPEAT, unit: 'round trip' },
  { title: `blocking pool: ${BLOCKING_JOBS.toLocaleString('en')} jobs, ${IN_FLIGHT} in flight, ${THREADS} threads`, baseline: 'piscina', cases: ['piscina', 'rt spawnBlocking'], per: BLOCKING_JOBS, unit: 'job' },
];

if (process.argv[2] === '--case') {
  // Child: run one case REPS times, print the best time as JSON.
  const name = process.argv[3];
  // The million-task cases are the slow ones: best of 2 keeps a full run near a minute.
  const reps = name.startsWith('promise-all') || name.startsWith('rt spawn') || name.startsWith('rt JoinSet') || name.startsWith('effect') ? Math.min(REPS, 2) : REPS;
  let best = Infinity;
  for (let rep = 0; rep < reps; rep++) {
    globalThis.gc?.();
    const start = performance.now();
    const result = await cases[name]();
    const ms = result?.ms ?? performance.now() - start;
    best = Math.min(best, ms);
  }
  process.stdout.write(JSON.stringify({ ms: best }) + '\n');
  process.exit(0);
}

const args = ['--expose-gc', self, '--case'];
const env = { ...process.env, RT_BENCH_QUICK: quick ? '1' : '0' };
console.log(`@rt/scheduler benchmarks (${quick ? 'quick' : 'full'} run, best of ${REPS} (2 for the spawn cases), Node ${process.version})`);
for (const group of groups) {
  if (only !== undefined && !group.title.includes(only)) continue;
  console.log(`\n${group.title}`);
  const results = {};
  for (const name of group.cases) {
    const child = spawnSync(process.execPath, [...args, name], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) {
      console.log(`  ${name}: failed (exit ${child.status})`);
      process.exitCode = 1;
      continue;
    }
    results[name] = JSON.parse(child.stdout.trim().split('\n').pop()).ms;
  }
  const base = results[group.baseline];
  const rows = group.cases
    .filter((name) => results[name] !== undefined)
    .map((name) => ({
      case: name,
      'ms': results[name].toFixed(1),
      [`ns/${group.unit}`]: ((results[name] * 1e6) / group.per).toFixed(0),
      [`ratio vs ${group.baseline}`]: base === undefined ? '-' : (results[name] / base).toFixed(2) + 'x',
    }));
  console.table(rows);
}
