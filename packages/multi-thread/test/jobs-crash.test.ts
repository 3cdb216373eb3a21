import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, JobError } from '@rt/multi-thread';

// Node 20 has Atomics.waitAsync; the ES2023 lib does not declare it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { value: Promise<string> | string } }).waitAsync;

// Workers run the built dist: `npx tsc -b packages/multi-thread` first.
const work = pathToFileURL(path.join(__dirname, 'fixtures', 'jobs-work.mjs'));

describe('spawnOn when a worker crashes', () => {
  it('rejects the job it was running with an error naming the worker, runs no job twice and leaks no slot', async () => {
    const runtime = Builder.multiThread().workerThreads(2).onWorkerCrash('replace').name('jobs-crash').build();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const error = (await runtime.spawnOn(0, work, 'crash').then(
        () => undefined,
        (e: unknown) => e,
      )) as JobError;
      expect(error).toBeInstanceOf(JobError);
      expect(error.code).toBe('ERR_RT_JOB_WORKER_CRASHED');
      expect(error.isPanic()).toBe(true);
      expect(error.worker).toBe(0);
      expect(error.message).toMatch(/worker 0/);

      // A job that fans out 32 jobs onto its own worker's queue, then crashes that worker.
      // Jobs still queued there go back to the injector and run elsewhere; jobs the dying
      // worker had already started (its loop may start some while the fan-out job awaits)
      // are lost with it, reported to their spawner — here the dead worker itself. So: every
      // job runs at most once, and the count settles.
      const n = 32;
      const counts = new SharedArrayBuffer(4 * (n + 1));
      const words = new Int32Array(counts);
      const crashed = runtime.spawnOn(0, work, 'fanOutThenCrash', [counts, n]);
      await expect(crashed).rejects.toMatchObject({ code: 'ERR_RT_JOB_WORKER_CRASHED', worker: 0 });
      for (let seen = -1; seen !== Atomics.load(words, n); ) {
        seen = Atomics.load(words, n);
        await waitAsync(words, n, seen, 300).value; // until no job has finished for 300 ms
      }
      expect(words.subarray(0, n).every((c) => c <= 1)).toBe(true);
      expect(Atomics.load(words, n)).toBeGreaterThan(0);
      // The replacement serves jobs, pinned ones included.
      expect(await runtime.spawnOn(0, work, 'whereAmI')).toBe(0);
      expect(runtime.metrics()['jobSlotsInUse']).toBe(0);
    } finally {
      await runtime.shutdown({ timeout: 5000 });
      stderr.mockRestore();
    }
  });

  it('runs the jobs still queued on a crashed worker elsewhere, each exactly once', async () => {
    const runtime = Builder.multiThread().workerThreads(2).onWorkerCrash('replace').name('jobs-requeue').build();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = mkdtempSync(path.join(tmpdir(), 'rt-jobs-requeue-'));
    try {
      // Worker 0 queues 40 jobs (plain arguments: queued synchronously, 256-slot local queue)
      // and exits in the same turn, so its loop never claimed one: all are still queued.
      const n = 40;
      const file = path.join(dir, 'ran.txt');
      await expect(runtime.spawnOn(0, work, 'fanOutToFileThenCrash', [file, n])).rejects.toMatchObject({ code: 'ERR_RT_JOB_WORKER_CRASHED', worker: 0 });
      const lines = (): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
      for (let i = 0; i < 500 && lines().length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const ran = lines().map((line) => Number(line.split(' ')[0]));
      expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // A job's line is written before it returns; its slot is freed once its result has been
      // handed back (through the supervisor: the spawner is dead), a little later.
      for (let i = 0; i < 500 && runtime.metrics()['jobSlotsInUse'] !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(runtime.metrics()['jobSlotsInUse']).toBe(0);
    } finally {
      await runtime.shutdown({ timeout: 5000 });
      stderr.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails pending jobs when the crash shuts the runtime down', async () => {
    const runtime = Builder.multiThread().workerThreads(2).onWorkerCrash('shutdown').name('jobs-crash-shutdown').build();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const slow = runtime.spawnOn(1, work, 'spin', [200]);
      const crashed = runtime.spawnOn(0, work, 'crash');
      await expect(crashed).rejects.toBeInstanceOf(JobError);
      const error = (await slow.then(
        (value) => value,
        (e: unknown) => e,
      )) as JobError | number;
      // Either it finished before the shutdown reached worker 1, or it was cut short.
      if (typeof error !== 'number') expect(error).toBeInstanceOf(JobError);
      expect(() => runtime.spawnOn('any', work, 'square', [1])).toThrow();
    } finally {
      await runtime.shutdown({ timeout: 5000 });
      stderr.mockRestore();
    }
  });
});
