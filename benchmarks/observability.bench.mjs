// What observability costs: the same workloads with nobody listening (the baseline: what every
// program pays), with a subscriber on every rt:task:* channel and the net TracingChannels, and
// on a runtime built with Builder.instrument() (promise hooks, per-task accounting, a stack
// capture per spawn), and instrumented without spawn locations. Each run is
// its own child process (promise hooks and subscribers must not leak into the next); best of
// REPS; ratios against "off" in one table.
//
//   node benchmarks/observability.bench.mjs [--quick]     (npx tsc -b packages/console first)
//
// Workloads: spawn + join of N trivial tasks inside a task; an @rt/sync mpsc ping-pong between
// two tasks (capacity 1: every message parks and wakes); a 64-byte TCP echo over loopback
// (@rt/net, one connection, round trips in sequence).
import { spawnSync } from 'node:child_process';
import diagnostics_channel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const quick = process.env.RT_BENCH_QUICK === '1' || process.argv.includes('--quick');
const SPAWN_N = quick ? 100_000 : 300_000;
const MPSC_N = quick ? 50_000 : 200_000;
const ECHO_N = quick ? 5_000 : 20_000;
const REPS = quick ? 3 : 5;

const workloads = {
  async spawn(runtime, { spawn }) {
    await runtime.run(async () => {
      const handles = new Array(SPAWN_N);
      for (let i = 0; i < SPAWN_N; i++) handles[i] = spawn(async () => i);
      for (let i = 0; i < SPAWN_N; i++) await handles[i];
    });
  },
  async mpsc(runtime, { spawn }) {
    const { mpsc } = await import('@rt/sync');
    await runtime.run(async () => {
      const [tx, rx] = mpsc.channel(1);
      const consumer = spawn(async () => {
        let sum = 0;
        for (let i = 0; i < MPSC_N; i++) sum += await rx.recv();
        return sum;
      });
      for (let i = 0; i < MPSC_N; i++) await tx.send(1);
      await consumer;
    });
  },
  async echo(runtime, { spawn }) {
    const { TcpListener, TcpStream } = await import('@rt/net');
    await runtime.run(async () => {
      const listener = await TcpListener.bind('127.0.0.1:0');
      const server = spawn(async () => {
        const stream = await listener.accept();
        const buffer = Buffer.alloc(64);
        for (;;) {
          const n = await stream.read(buffer);
          if (n === 0) break;
          await stream.writeAll(buffer.subarray(0, n));
        }
        stream.close();
      });
      const client = await TcpStream.connect(listener.localAddr());
      const message = Buffer.alloc(64, 7);
      const reply = Buffer.alloc(64);
      for (let i = 0; i < ECHO_N; i++) {
        await client.writeAll(message);
        let got = 0;
        while (got < 64) got += await client.read(reply.subarray(got));
      }
      client.close();
      await server;
      listener.close();
    });
  },
};

const modes = ['off', 'subscribed', 'instrumented', 'no-locations'];

async function child(workload, mode) {
  const scheduler = await import('@rt/scheduler');
  if (mode === 'subscribed') {
    let count = 0;
    const count1 = () => void count++;
    for (const name of ['rt:task:spawn', 'rt:task:finish', 'rt:task:park', 'rt:task:wake']) diagnostics_channel.subscribe(name, count1);
    for (const name of ['rt:net:accept', 'rt:net:connect']) {
      diagnostics_channel.tracingChannel(name).subscribe({ start: count1, end: count1, asyncStart: count1, asyncEnd: count1, error: count1 });
    }
  }
  const builder = scheduler.Builder.currentThread().enableAll();
  if (mode === 'instrumented') builder.instrument();
  if (mode === 'no-locations') builder.instrument({ spawnLocations: false });
  const runtime = builder.build();
  const start = performance.now();
  await workloads[workload](runtime, scheduler);
  const ms = performance.now() - start;
  await runtime.shutdown();
  process.stdout.write(JSON.stringify({ ms }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  console.log(`observability cost (Node ${process.version}, best of ${REPS}, each run a fresh process${quick ? ', quick' : ''})`);
  console.log('workload  | off (ms) | subscribed (ms) | ratio | instrumented (ms) | ratio | instrumented, spawnLocations: false (ms) | ratio');
  for (const workload of Object.keys(workloads)) {
    const best = {};
    // Interleave the modes rep by rep, so drift on a shared machine hits all of them alike.
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of modes) {
        const r = spawnSync(process.execPath, [self, '--child', workload, mode], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${workload}/${mode} failed: ${r.stderr}`);
        const { ms } = JSON.parse(r.stdout);
        best[mode] = Math.min(best[mode] ?? Infinity, ms);
      }
    }
    const ratio = (mode) => (best[mode] / best.off).toFixed(3);
    console.log(
      `${workload.padEnd(9)} | ${best.off.toFixed(1).padStart(8)} | ${best.subscribed.toFixed(1).padStart(15)} | ${ratio('subscribed')} | ${best.instrumented.toFixed(1).padStart(17)} | ${ratio('instrumented')} | ${best['no-locations'].toFixed(1).padStart(40)} | ${ratio('no-locations')}`,
    );
  }
}
