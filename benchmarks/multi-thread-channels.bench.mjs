// Cross-thread message throughput: @rt/multi-thread's shared.mpsc (structured-clone records in a
// shared ring, Atomics.waitAsync wake-ups) vs a worker_threads MessagePort, in one run.
//
// One producer worker sends N small objects `{ i, tag }` to the main thread:
// - rt mpsc bounded(1024) : `await tx.send(v)` in the worker, `for await (const v of rx)` on main.
// - rt mpsc unbounded     : `tx.send(v)` in the worker (never waits).
// - MessagePort           : `port.postMessage(v)` in the worker, a 'message' listener on main.
// - ping-pong round trip  : one message there and one back, mpsc pair vs MessagePort pair.
// Best of REPS runs; ratio = rt msgs/s ÷ MessagePort msgs/s (above 1: rt faster).
//
//   npx turbo run build && node benchmarks/multi-thread-channels.bench.mjs
//   node benchmarks/multi-thread-channels.bench.mjs --quick   (or RT_BENCH_QUICK=1)
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';
const { mpsc } = shared;

const quick = process.argv.includes('--quick') || process.env.RT_BENCH_QUICK === '1';
const N = quick ? 50_000 : 300_000;
const ROUND_TRIPS = quick ? 5_000 : 30_000;
const REPS = quick ? 2 : 3;

if (!isMainThread) {
  const { mode, n } = workerData;
  const args = decodeTransferables(workerData.args);
  if (mode === 'bounded') {
    for (let i = 0; i < n; i++) await args.tx.send({ i, tag: 'x' });
    args.tx.close();
  } else if (mode === 'unbounded') {
    for (let i = 0; i < n; i++) args.tx.send({ i, tag: 'x' });
    args.tx.close();
  } else if (mode === 'port') {
    for (let i = 0; i < n; i++) args.port.postMessage({ i, tag: 'x' });
    args.port.postMessage(null);
  } else if (mode === 'pingpong-rt') {
    for await (const v of args.rx) args.tx.send(v);
    args.tx.close();
  } else if (mode === 'pingpong-port') {
    args.port.on('message', (v) => {
      if (v === null) args.port.close();
      else args.port.postMessage(v);
    });
  }
  parentPort?.postMessage('done');
} else {
  const self = new URL(import.meta.url);
  const start = (mode, n, args, transferList = []) =>
    new Worker(self, { workerData: { mode, n, args }, transferList });

  async function rtStream(unbounded) {
    const [tx, rx] = unbounded ? mpsc.unboundedChannel() : mpsc.channel(1024);
    const worker = start(unbounded ? 'unbounded' : 'bounded', N, encodeTransferables({ tx }));
    await new Promise((resolve) => worker.once('online', resolve));
    const t0 = performance.now();
    let count = 0;
    for await (const v of rx) count += v.i >= 0 ? 1 : 0;
    const ms = performance.now() - t0;
    await worker.terminate();
    if (count !== N) throw new Error(`rt received ${count} of ${N}`);
    return (N / ms) * 1000;
  }

  async function portStream() {
    const { port1, port2 } = new MessageChannel();
    const worker = start('port', N, { port: port2 }, [port2]);
    await new Promise((resolve) => worker.once('online', resolve));
    const t0 = performance.now();
    let count = 0;
    await new Promise((resolve) => {
      port1.on('message', (v) => {
        if (v === null) resolve();
        else count++;
      });
    });
    const ms = performance.now() - t0;
    port1.close();
    await worker.terminate();
    if (count !== N) throw new Error(`port received ${count} of ${N}`);
    return (N / ms) * 1000;
  }

  async function rtPingPong() {
    const [toWorker, workerRx] = mpsc.unboundedChannel();
    const [workerTx, fromWorker] = mpsc.unboundedChannel();
    const worker = start('pingpong-rt', 0, encodeTransferables({ rx: workerRx, tx: workerTx }));
    await new Promise((resolve) => worker.once('online', resolve));
    const t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) {
      toWorker.send(i);
      await fromWorker.recv();
    }
    const ms = performance.now() - t0;
    toWorker.close();
    await worker.terminate();
    return (ROUND_TRIPS / ms) * 1000;
  }

  async function portPingPong() {
    const { port1, port2 } = new MessageChannel();
    const worker = start('pingpong-port', 0, { port: port2 }, [port2]);
    await new Promise((resolve) => worker.once('online', resolve));
    const t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) {
      port1.postMessage(i);
      await new Promise((resolve) => port1.once('message', resolve));
    }
    const ms = performance.now() - t0;
    port1.postMessage(null);
    port1.close();
    await worker.terminate();
    return (ROUND_TRIPS / ms) * 1000;
  }

  const best = async (fn) => {
    let top = 0;
    for (let r = 0; r < REPS; r++) top = Math.max(top, await fn());
    return top;
  };

  const port = await best(portStream);
  const bounded = await best(() => rtStream(false));
  const unbounded = await best(() => rtStream(true));
  const portRt = await best(portPingPong);
  const rtRt = await best(rtPingPong);
  const fmt = (x) => Math.round(x).toLocaleString('en-US').padStart(12);
  console.log(`cross-thread channels, ${N} messages one way, ${ROUND_TRIPS} round trips, best of ${REPS}${quick ? ' (quick)' : ''}`);
  console.log('| case | rt msgs/s | MessagePort msgs/s | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| one way, mpsc bounded(1024) | ${fmt(bounded)} | ${fmt(port)} | ${(bounded / port).toFixed(2)}× |`);
  console.log(`| one way, mpsc unbounded | ${fmt(unbounded)} | ${fmt(port)} | ${(unbounded / port).toFixed(2)}× |`);
  console.log(`| ping-pong round trips/s | ${fmt(rtRt)} | ${fmt(portRt)} | ${(rtRt / portRt).toFixed(2)}× |`);
}
