// The per-worker histogram slots are a seqlock: a read never mixes two publications, and a slot
// left mid-write (a worker that died while publishing) yields the last complete copy read.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RuntimeHistograms } from '@rt/scheduler';
import { clearHistograms, histogramBuffer, publishHistograms, readHistograms } from '../src/internal/worker-histograms.js';

/** A publication whose every field is `k`: a read mixing two publications has unequal fields. */
function all(k: number): RuntimeHistograms {
  const h = { count: k, min: k, max: k, mean: k, p50: k, p99: k };
  return { pollMs: { ...h }, scheduleDelayMs: { ...h }, eventLoopDelayMs: { ...h } };
}

function fields(histograms: RuntimeHistograms): number[] {
  return Object.values(histograms).flatMap((h) => Object.values(h as Record<string, number>));
}

describe('worker histogram slots', () => {
  it('reads back what was published, per worker; undefined before the first publication and after clear', () => {
    const buffer = histogramBuffer(2);
    expect(readHistograms(buffer, 0)).toBeUndefined();
    publishHistograms(buffer, 1, all(7));
    expect(readHistograms(buffer, 0)).toBeUndefined();
    expect(readHistograms(buffer, 1)).toEqual(all(7));
    publishHistograms(buffer, 1, all(8));
    expect(readHistograms(buffer, 1)).toEqual(all(8));
    clearHistograms(buffer, 1);
    expect(readHistograms(buffer, 1)).toBeUndefined();
  });

  it('a slot left mid-write gives the last complete publication read', () => {
    const buffer = histogramBuffer(1);
    publishHistograms(buffer, 0, all(3));
    expect(readHistograms(buffer, 0)).toEqual(all(3));
    // A writer that stopped after marking the slot odd (as a worker dying mid-publish would).
    const sequence = new Int32Array(buffer);
    Atomics.add(sequence, 0, 1);
    new Float64Array(buffer)[1] = 99;
    expect(readHistograms(buffer, 0)).toEqual(all(3));
  });

  it('never returns a torn publication while another thread publishes continuously', async () => {
    const buffer = histogramBuffer(1);
    const module = pathToFileURL(join(__dirname, '..', 'dist', 'internal', 'worker-histograms.js')).href;
    // The writer runs the built module (run `npx tsc -b` first, as the runtime tests need); it
    // publishes until terminated.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(${JSON.stringify(module)}).then(({ publishHistograms }) => {
         const h = (k) => ({ count: k, min: k, max: k, mean: k, p50: k, p99: k });
         let k = 1;
         parentPort.postMessage('started');
         const nap = new Int32Array(new SharedArrayBuffer(4));
         for (;;) {
           publishHistograms(workerData.buffer, 0, { pollMs: h(k), scheduleDelayMs: h(k), eventLoopDelayMs: h(k) });
           k++;
           if (k % 64 === 0) Atomics.wait(nap, 0, 0, 0.05); // let some reads fall between writes
         }
       });`,
      { eval: true, workerData: { buffer } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    try {
      let reads = 0;
      const distinct = new Set<number>();
      const deadline = Date.now() + 500;
      while (Date.now() < deadline) {
        const h = readHistograms(buffer, 0);
        if (h === undefined) continue;
        const values = fields(h);
        expect(new Set(values).size).toBe(1);
        distinct.add(values[0]!);
        reads++;
      }
      expect(reads).toBeGreaterThan(20);
      // The reads saw the writer move on (not one frozen publication).
      expect(distinct.size).toBeGreaterThan(2);
    } finally {
      await worker.terminate();
    }
  });
});
