import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { LocalQueue } from '../src/jobs/local-queue.js';
import { Injector } from '../src/jobs/injector.js';

// Runs on the built dist (npx tsc -b packages/multi-thread).
const fixture = path.join(__dirname, 'fixtures', 'jobs-queue-contention.mjs');

describe('LocalQueue across threads', () => {
  it('hands every job to exactly one of three contending threads', async () => {
    const count = 3;
    const capacity = 16;
    const jobs = 100_000;
    const locals = Array.from({ length: count }, () => new SharedArrayBuffer(LocalQueue.words(capacity) * 4));
    const injector = new SharedArrayBuffer(Injector.words(jobs) * 4);
    const taken = new SharedArrayBuffer(jobs * 4);
    const done = new SharedArrayBuffer(12); // [owner finished, jobs taken, threads started]
    const workers = Array.from({ length: count }, (_, index) => new Worker(fixture, { workerData: { index, count, capacity, jobs, locals, injector, taken, done } }));
    try {
      const totals = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<number>((resolve, reject) => {
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
      );
      expect(totals.reduce((a, b) => a + b, 0)).toBe(jobs);
      const counts = new Int32Array(taken);
      let wrong = 0;
      for (let job = 0; job < jobs; job++) if (counts[job] !== 1) wrong++;
      expect(wrong).toBe(0);
      // The thieves did take part.
      expect(totals[1]! + totals[2]!).toBeGreaterThan(0);
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  });
});
