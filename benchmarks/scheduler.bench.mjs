// @rt/scheduler against named baselines, each case in its own child process (so one case's
// AsyncLocalStorage hooks or heap do not tax the next), ratios in one table.
//
// Rounds: a group's cases run ROUNDS times (RT_BENCH_ROUNDS, default 2), each round every case once
// in a fresh process, the order turned each round (forward, then reversed, then forward shifted by
// one, ...), so no case is always the first or the last to run. (With one process per case in a
// fixed order the baseline always ran first: a full run on Node 24 once read the in-task spawn row
// at 0.60x its baseline.) A case's figures are its medians over the rounds, and its ratio the
// median of its per-round ratios to the baseline of the same round, with their range. Each process
// takes the best of its share of REPS (RT_BENCH_REPS, default 3) over the rounds, and of 2 runs at
// least: a fresh process's first run is a cold one (the million-task cases' first run grows the
// heap and takes about twice the second; a warm-up run of a tenth of the tasks does not remove
// that). A full run thus runs every million-task case twice as often as one process per case did.
//
//   node benchmarks/scheduler.bench.mjs          full run  (`npx turbo run build` first)
//   RT_BENCH_QUICK=1 node benchmarks/scheduler.bench.mjs   quick run (or pass --quick)
//   node benchmarks/scheduler.bench.mjs --only=blocking      one group (matched against its title)
//   node benchmarks/scheduler.bench.mjs --only=spawn --cases='rt spawn (in a task);engine steps in a task'
//                                                            those cases and the group's baseline
//   node benchmarks/scheduler.bench.mjs --case NAME          one case in this process (best of REPS)
//
// Cases:
// - spawn + join of N trivial tasks            vs Promise.all over N async calls
//   (joined three ways: Promise.all(handles) outside any task, JoinSet.joinAll(), and
//   `await handle` in turn inside runtime.run)
//   (+ the same Promise.all with AsyncLocalStorage.run per call: what the current-task
//   tracking alone costs on this Node version)
//   (+ Effect, the JavaScript peer: N fibers forked with Effect.forkChild, each joined)
//   (+ three floors: the same Promise.all inside runtime.run, Promise.all over N minimal
//   thenables, and the same thenables awaited in turn inside runtime.run: what tracking the
//   task and joining through a thenable cost with no rt code)
// - 200 tasks x K yieldNow()                   vs the same with `await new Promise(setImmediate)`
// - ping-pong of 1,000 round trips between two tasks (a one-slot channel built on park(), as
//   @rt/sync does; the same slot on a ReusableWaiter; @rt/sync's oneshot, a fresh channel per message; and its mpsc of capacity 1)
//                                              vs the same between two plain async functions
//   (+ the same with AsyncLocalStorage switched on; the floor of the mpsc(1) row: the same
//   plain ping-pong with each send's promise awaited, outside and inside rt tasks)
// - spawnBlocking throughput, 16 in flight     vs piscina, same worker function, same thread count
import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { URL, fileURLToPath } from 'node:url';
import { Thenable } from './lib/thenable.mjs';

const self = fileURLToPath(import.meta.url);
const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
// RT_BENCH_SPAWN_N overrides it (benchmarks/spawn-callgrind.bench.mjs runs a case under callgrind at two sizes).
const SPAWN_N = Number(process.env.RT_BENCH_SPAWN_N ?? (quick ? 100_000 : 1_000_000));
const YIELD_TASKS = 200;
const YIELD_K = quick ? 100 : 1_000;
const PING_TRIPS = 1_000;
// 1M round trips: 200k lasted ~40 ms, too short to measure on a shared machine. RT_BENCH_PING_REPEAT
// overrides it (benchmarks/ping-pong-callgrind.bench.mjs runs a case under callgrind at two sizes).
const PING_REPEAT = Number(process.env.RT_BENCH_PING_REPEAT ?? (quick ? 100 : 1_000));
const BLOCKING_JOBS = quick ? 2_000 : 20_000;
const BLOCKING_ITERATIONS = 20_000;
const IN_FLIGHT = 16;
const THREADS = 2;
const REPS = Number(process.env.RT_BENCH_REPS ?? (quick ? 2 : 3));
const ROUNDS = Number(process.env.RT_BENCH_ROUNDS ?? 2);

async function trivial() {
  return 1;
}

function outcome() {}

/** The 'engine steps in a task' floor's task record: a function, then its promise (with one outcome reaction); a thenable. */
class LazyRecord {
  constructor(fn) {
    this.fn = fn;
    this.promise = undefined;
  }
  start() {
    const promise = this.fn();
    this.fn = undefined;
    promise.then(outcome, outcome);
    this.promise = promise;
  }
  then(onfulfilled, onrejected) {
    return this.promise.then(onfulfilled, onrejected);
  }
}


// The ping-pong rows' exchange: two sides, each started with `run` (rt's `spawn`, or a plain
// call), pass a counter back and forth over two slots of class `Slot` (`send(value)`, `recv()`
// returning a promise), PING_TRIPS round trips, PING_REPEAT times. Every case runs in its own
// process, so each sees one `Slot` class here.
async function slotPingPong(Slot, run) {
  for (let r = 0; r < PING_REPEAT; r++) {
    const ping = new Slot();
    const pong = new Slot();
    const a = run(async () => {
      for (let i = 0; i < PING_TRIPS; i++) {
        ping.send(i);
        await pong.recv();
      }
    });
    const b = run(async () => {
      for (let i = 0; i < PING_TRIPS; i++) pong.send(await ping.recv());
    });
    await a;
    await b;
  }
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
  async 'promise-all in a task'() {
    // The floor of the "in a task" row: no rt primitive, but the current task is tracked
    // through every promise (Node 20/22: rt's promise hooks; 24+: AsyncLocalStorage).
    const { Builder } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().build();
    await runtime.run(() => cases['promise-all']());
    await runtime.shutdown();
  },
  async 'promise-all over thenables'() {
    // The floor of the Promise.all(handles) row: any handle that is a thenable rather than a
    // native promise costs the engine a wrapper promise and a job, and its then() a promise.
    const thenables = new Array(SPAWN_N);
    for (let i = 0; i < SPAWN_N; i++) thenables[i] = new Thenable(trivial());
    await Promise.all(thenables);
  },
  async 'await thenables in a task'() {
    // The floor of the "in a task" row: the same minimal thenables, awaited one after another
    // inside runtime.run. Awaiting a thenable that is not a native promise costs the engine a
    // promise, its resolving functions and a job before then() is even called, on top of
    // tracking the current task through every promise.
    const { Builder } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const thenables = new Array(SPAWN_N);
      for (let i = 0; i < SPAWN_N; i++) thenables[i] = new Thenable(trivial());
      for (let i = 0; i < SPAWN_N; i++) await thenables[i];
    });
    await runtime.shutdown();
  },
  async 'engine steps in a task'() {
    // The floor of the "in a task" row in engine steps, with no rt code: per task a record
    // holding its function, the call, one outcome reaction on the promise it returns (as a task
    // records its outcome), and a join through the record as a thenable (its `then` on the
    // task's own promise), awaited in turn inside runtime.run. Each function is called at its
    // join (no queue, no drain, no async context of its own, no budget or abort check): what
    // rt adds to this is the task runtime itself. (Not in the group's default list: run with
    // --only=spawn --cases='engine steps in a task'.)
    const { Builder } = await import('@rt/scheduler');
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const records = new Array(SPAWN_N);
      for (let i = 0; i < SPAWN_N; i++) records[i] = new LazyRecord(trivial);
      for (let i = 0; i < SPAWN_N; i++) {
        const record = records[i];
        record.start();
        await record;
      }
    });
    await runtime.shutdown();
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
    await slotPingPong(Slot, spawn);
  },
  async 'rt ping-pong, ReusableWaiter'() {
    // The slot on @rt/scheduler/primitives' ReusableWaiter (what rt's own receivers park one
    // operation at a time with): a park allocates only its promise, as the plain slot's does.
    const { spawn } = await import('@rt/scheduler');
    const { ReusableWaiter } = await import('@rt/scheduler/primitives');
    const nothing = () => {};
    class Slot {
      waiter = new ReusableWaiter('Slot.recv', nothing);
      full = false;
      value = undefined;
      send(value) {
        // (A value sent while nobody waits is kept for the next recv, as in the other slots.)
        if (!this.waiter.wake(value)) {
          this.full = true;
          this.value = value;
        }
      }
      recv() {
        if (!this.full) return this.waiter.park();
        this.full = false;
        return Promise.resolve(this.value);
      }
    }
    await slotPingPong(Slot, spawn);
  },
  async 'rt mpsc(1) ping-pong'() {
    // The same exchange over @rt/sync's bounded mpsc channels of capacity 1.
    const { spawn } = await import('@rt/scheduler');
    const { mpsc } = await import('@rt/sync');
    for (let r = 0; r < PING_REPEAT; r++) {
      const [pingTx, pingRx] = mpsc.channel(1);
      const [pongTx, pongRx] = mpsc.channel(1);
      const a = spawn(async () => {
        for (let i = 0; i < PING_TRIPS; i++) {
          await pingTx.send(i);
          await pongRx.recv();
        }
      });
      const b = spawn(async () => {
        for (let i = 0; i < PING_TRIPS; i++) await pongTx.send(await pingRx.recv());
      });
      await a;
      await b;
    }
  },
  async 'rt oneshot ping-pong'() {
    // The same exchange with each message a fresh @rt/sync oneshot channel: the plain ping-pong's
    // promise and its resolve function become a oneshot receiver and its sender (what a user
    // writes in place of `new Promise`), the receiver awaited through `recv()`.
    const { spawn } = await import('@rt/scheduler');
    const { oneshot } = await import('@rt/sync');
    class Slot {
      tx = undefined;
      value = undefined;
      full = false;
      send(value) {
        const tx = this.tx;
        this.tx = undefined;
        if (tx !== undefined) return tx.send(value);
        this.value = value;
        this.full = true;
      }
      recv() {
        if (this.full) {
          this.full = false;
          return Promise.resolve(this.value);
        }
        const [tx, rx] = oneshot.channel();
        this.tx = tx;
        return rx.recv();
      }
    }
    await slotPingPong(Slot, spawn);
  },
  async 'promise ping-pong in rt tasks'() {
    // The same plain-promise ping-pong, its two sides spawned as rt tasks: what tracking the
    // current task through every promise costs on this Node version, with no rt primitive.
    const { spawn } = await import('@rt/scheduler');
    await cases['promise ping-pong'](spawn);
  },
  async 'promise ping-pong+empty hooks'() {
    // The same plain-promise ping-pong with V8 promise hooks that do nothing: the floor of any
    // context tracking built on promise hooks (rt's on Node 20/22) before it does any work.
    const { promiseHooks } = await import('node:v8');
    promiseHooks.createHook({ init() {}, before() {}, after() {} });
    await cases['promise ping-pong']();
  },
  async 'promise ping-pong+als'() {
    // The same plain-promise ping-pong, with AsyncLocalStorage's promise hooks switched on.
    new AsyncLocalStorage().enterWith(1);
    await cases['promise ping-pong']();
  },
  async 'promise ping-pong, awaited sends'() {
    // The floor of the mpsc(1) row: the same plain-promise ping-pong, but as a channel's `send`
    // returns a promise the sender awaits (here a shared resolved one): two more awaits per
    // round trip, with no rt code.
    await cases['promise ping-pong'](undefined, true);
  },
  async 'promise ping-pong, awaited sends, in rt tasks'() {
    const { spawn } = await import('@rt/scheduler');
    await cases['promise ping-pong'](spawn, true);
  },
  async 'promise ping-pong'(run = (fn) => fn(), awaitSends = false) {
    const resolved = Promise.resolve();
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
    if (!awaitSends) return slotPingPong(Slot, run);
    for (let r = 0; r < PING_REPEAT; r++) {
      const ping = new Slot();
      const pong = new Slot();
      const a = run(async () => {
        for (let i = 0; i < PING_TRIPS; i++) {
          ping.send(i);
          await resolved;
          await pong.recv();
        }
      });
      const b = run(async () => {
        for (let i = 0; i < PING_TRIPS; i++) {
          pong.send(await ping.recv());
          await resolved;
        }
      });
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
// --cases='a;b': in the groups --only selects, run only these cases (any of `cases`) and the baseline.
const picked = process.argv.find((arg) => arg.startsWith('--cases='))?.slice('--cases='.length).split(';');
for (const name of picked ?? []) if (!(name in cases)) throw new TypeError(`--cases: no case named ${JSON.stringify(name)}`);
const groups = [
  { title: `spawn + join of ${SPAWN_N.toLocaleString('en')} trivial tasks`, baseline: 'promise-all', cases: ['promise-all', 'promise-all+als', 'promise-all in a task', 'promise-all over thenables', 'await thenables in a task', 'rt spawn', 'rt JoinSet.joinAll', 'rt spawn (in a task)', 'effect fork+join'], per: SPAWN_N, unit: 'task' },
  { title: `${YIELD_TASKS} tasks x ${YIELD_K.toLocaleString('en')} yields`, baseline: 'setImmediate yield', cases: ['setImmediate yield', 'rt yieldNow'], per: YIELD_TASKS * YIELD_K, unit: 'yield' },
  { title: `ping-pong, ${PING_TRIPS.toLocaleString('en')} round trips x ${PING_REPEAT}`, baseline: 'promise ping-pong', cases: ['promise ping-pong', 'promise ping-pong+empty hooks', 'promise ping-pong+als', 'promise ping-pong in rt tasks', 'rt ping-pong', 'rt ping-pong, ReusableWaiter', 'rt oneshot ping-pong', 'promise ping-pong, awaited sends', 'promise ping-pong, awaited sends, in rt tasks', 'rt mpsc(1) ping-pong'], per: PING_TRIPS * PING_REPEAT, unit: 'round trip' },
  { title: `blocking pool: ${BLOCKING_JOBS.toLocaleString('en')} jobs, ${IN_FLIGHT} in flight, ${THREADS} threads`, baseline: 'piscina', cases: ['piscina', 'rt spawnBlocking'], per: BLOCKING_JOBS, unit: 'job' },
];

if (process.argv[2] === '--case') {
  // Child: run one case REPS times, print the best time as JSON.
  const name = process.argv[3];
  // The million-task cases are the slow ones: best of 2 (a fresh process's first run of them
  // grows the heap and takes about twice as long as the next: the second is the one measured).
  const reps = isSpawnCase(name) ? Math.min(REPS, 2) : REPS;
  let best = Infinity;
  let bestCpu = Infinity;
  const cpuAll = [];
  for (let rep = 0; rep < reps; rep++) {
    globalThis.gc?.();
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await cases[name]();
    const ms = result?.ms ?? performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, ms);
    // CPU time of the whole process (GC threads included): steadier than wall time on a shared machine.
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
    cpuAll.push((cpu.user + cpu.system) / 1000);
  }
  // Peak RSS of the child over all its runs (the first run of a fresh process is the peak).
  process.stdout.write(JSON.stringify({ ms: best, cpuMs: bestCpu, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuAll }) + '\n');
  process.exit(0);
}

/** The million-task cases (best of at most 2 runs per process). */
function isSpawnCase(name) {
  return name.startsWith('promise-all') || name.startsWith('await thenables') || name.startsWith('rt spawn') || name.startsWith('rt JoinSet') || name.startsWith('effect');
}

/**
 * The order of round `round`'s cases: forward, reversed, then forward and reversed again shifted
 * by one, and so on, so that over two rounds every case's mean position is the same.
 */
function roundOrder(cases, round) {
  const shift = Math.floor(round / 2) % cases.length;
  const order = [...cases.slice(shift), ...cases.slice(0, shift)];
  return round % 2 === 0 ? order : order.reverse();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const x = (ratio) => ratio.toFixed(2) + 'x';
/** `median (min-max)` of per-round ratios (just the median with one round). */
const ratioCell = (ratios) => (ratios.length === 0 ? '-' : ratios.length === 1 ? x(ratios[0]) : `${x(median(ratios))} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);

const env = { ...process.env, RT_BENCH_QUICK: quick ? '1' : '0' };
// Each process takes the best of its share of REPS, but of two runs at least (a process's first run
// is a cold one: see `reps`).
env.RT_BENCH_REPS = String(Math.min(REPS, Math.max(2, Math.ceil(REPS / ROUNDS))));
const args = ['--expose-gc', self, '--case'];
console.log(`@rt/scheduler benchmarks (${quick ? 'quick' : 'full'} run, ${ROUNDS} round(s), each case in its own process per round, order turned each round; best of ${env.RT_BENCH_REPS} run(s) per process (2 for the spawn cases); medians over the rounds, ratios: median (min-max) of each round's ratio to the baseline of that round; Node ${process.version})`);
for (const group of groups) {
  if (only !== undefined && !group.title.includes(only)) continue;
  if (picked !== undefined) group.cases = [group.baseline, ...picked.filter((name) => name !== group.baseline)];
  console.log(`\n${group.title}`);
  /** results[name][round]: that round's JSON from the case's process. */
  const results = Object.fromEntries(group.cases.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of roundOrder(group.cases, round)) {
      const child = spawnSync(process.execPath, [...args, name], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (child.status !== 0) {
        console.log(`  ${name}: failed (exit ${child.status}, round ${round + 1})`);
        process.exitCode = 1;
        continue;
      }
      results[name][round] = JSON.parse(child.stdout.trim().split('\n').pop());
    }
  }
  const base = results[group.baseline];
  /** The ratios of `name`'s `field` to the baseline's, in the rounds where both ran. */
  const ratios = (name, field) => results[name].flatMap((r, round) => (r !== undefined && base[round] !== undefined ? [r[field] / base[round][field]] : []));
  const rows = group.cases
    .filter((name) => results[name].some((r) => r !== undefined))
    .map((name) => {
      const ran = results[name].filter((r) => r !== undefined);
      const ms = median(ran.map((r) => r.ms));
      const cpuMs = median(ran.map((r) => r.cpuMs));
      return {
        case: name,
        'ms': ms.toFixed(1),
        [`ns/${group.unit}`]: ((ms * 1e6) / group.per).toFixed(0),
        [`ratio vs ${group.baseline}`]: ratioCell(ratios(name, 'ms')).split(' ')[0],
        [`CPU ns/${group.unit}`]: ((cpuMs * 1e6) / group.per).toFixed(0),
        'CPU ratio': ratioCell(ratios(name, 'cpuMs')),
        'peak RSS MB': median(ran.map((r) => r.maxRssMb)).toFixed(0),
        'RSS ratio': ratioCell(ratios(name, 'maxRssMb')).split(' ')[0],
      };
    });
  console.table(rows);
}
