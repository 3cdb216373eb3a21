import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, JobError, type MultiThreadRuntime, shared } from '@rt/multi-thread';

// Workers run the built dist: `npx tsc -b packages/multi-thread` first.
// Node 20 has Atomics.waitAsync; the ES2023 lib does not declare it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { value: Promise<string> | string } }).waitAsync;

const work = pathToFileURL(path.join(__dirname, 'fixtures', 'jobs-work.mjs'));

describe('spawnOn', () => {
  let runtime: MultiThreadRuntime;

  beforeEach(() => {
    runtime = Builder.multiThread().workerThreads(2).name('jobs-test').build();
  });

  afterEach(async () => {
    await runtime.shutdown({ timeout: 5000 });
  });

  it('runs a job on some worker and resolves with its result', async () => {
    const handle = runtime.spawnOn<number>('any', work, 'square', [7]);
    expect(typeof handle.id).toBe('number');
    expect(await handle).toBe(49);
    expect(handle.isFinished()).toBe(true);
  });

  it('runs a pinned job on the worker it names', async () => {
    expect(await runtime.spawnOn('any', work, 'whereAmI')).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 4; i++) {
      expect(await runtime.spawnOn(0, work, 'whereAmI')).toBe(0);
      expect(await runtime.spawnOn(1, work, 'whereAmI')).toBe(1);
    }
  });

  it('clones arguments and results', async () => {
    const value = { list: [1, 2, 3], map: new Map([['a', 1]]), date: new Date(0), bytes: new Uint8Array([1, 2]) };
    const result = await runtime.spawnOn<typeof value>('any', work, 'echo', [value]);
    expect(result).toEqual(value);
    expect(result).not.toBe(value);
  });

  it('transfers channel ends in arguments and in results', async () => {
    const [reply, answer] = shared.oneshot.channel<number>();
    expect(await runtime.spawnOn('any', work, 'replyOn', [reply, 21])).toBe('replied');
    expect(await answer.recv()).toBe(42);
    const { rx } = await runtime.spawnOn<{ rx: shared.mpsc.Receiver<number> }>('any', work, 'filledChannel', [3]);
    const got: number[] = [];
    for await (const value of rx) got.push(value);
    expect(got).toEqual([1, 2, 3]);
  });

  it('rejects with a panicked JobError carrying the thrown error', async () => {
    const error = await runtime.spawnOn('any', work, 'boom', ['no luck']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobError);
    const jobError = error as JobError;
    expect(jobError.isPanic()).toBe(true);
    expect(jobError.code).toBe('ERR_RT_JOB_PANICKED');
    expect(jobError.message).toMatch(/no luck/);
    expect((jobError.cause as Error).name).toBe('TypeError');
    expect((jobError.cause as { code?: string }).code).toBe('ERR_BOOM');
  });

  it('rejects when the export is missing or not a function, or the result cannot be cloned', async () => {
    await expect(runtime.spawnOn('any', work, 'nope')).rejects.toMatchObject({ code: 'ERR_RT_JOB_PANICKED' });
    await expect(runtime.spawnOn('any', work, 'notAFunction')).rejects.toMatchObject({ code: 'ERR_RT_JOB_PANICKED' });
    await expect(runtime.spawnOn('any', work, 'uncloneable')).rejects.toMatchObject({ code: 'ERR_RT_JOB_PANICKED' });
    // The worker is still fine.
    expect(await runtime.spawnOn('any', work, 'square', [3])).toBe(9);
  });

  it('fails at once on bad input', () => {
    expect(() => runtime.spawnOn(2, work, 'square')).toThrow(RangeError);
    expect(() => runtime.spawnOn(-1, work, 'square')).toThrow(RangeError);
    expect(() => runtime.spawnOn('any', './relative.mjs', 'square')).toThrow(TypeError);
    expect(() => runtime.spawnOn('any', work, '')).toThrow(TypeError);
    expect(() => runtime.spawnOn('any', work, 'square', 3 as unknown as unknown[])).toThrow(TypeError);
  });

  it('rejects arguments that cannot be cloned or are too large, without queuing them', async () => {
    await expect(runtime.spawnOn('any', work, 'echo', [() => 1])).rejects.toMatchObject({ code: 'ERR_RT_JOB_PANICKED' });
    await expect(runtime.spawnOn('any', work, 'echo', [new Uint8Array(64 * 1024)])).rejects.toMatchObject({ code: 'ERR_RT_JOB_TOO_LARGE' });
    expect(runtime.metrics()['jobSlotsInUse']).toBe(0);
  });

  it('aborts a running job: its signal fires and the handle rejects as cancelled', async () => {
    const flag = new SharedArrayBuffer(8);
    const words = new Int32Array(flag);
    const handle = runtime.spawnOn('any', work, 'waitForAbort', [flag]);
    // Wait (without timing) until the job has started.
    while (Atomics.load(words, 0) === 0) await waitAsync(words, 0, 0, 50).value;
    handle.abort();
    const error = (await handle.then(
      () => undefined,
      (e: unknown) => e,
    )) as JobError;
    expect(error).toBeInstanceOf(JobError);
    expect(error.isCancelled()).toBe(true);
    expect(Atomics.load(words, 1)).toBe(1);
  });

  it('aborts a queued job so that it never runs', async () => {
    const counts = new SharedArrayBuffer(4 * 8);
    // Keep both workers busy, then queue jobs behind them and abort them at once.
    const busy = [runtime.spawnOn(0, work, 'spin', [100]), runtime.spawnOn(1, work, 'spin', [100])];
    const queued = Array.from({ length: 8 }, (_, i) => runtime.spawnOn('any', work, 'count', [counts, i]));
    for (const handle of queued) handle.abort('not needed');
    for (const handle of queued) {
      await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_JOB_CANCELLED' });
    }
    await Promise.all(busy);
    // Everything after them still runs, and the aborted ones never did.
    await runtime.spawnOn('any', work, 'square', [1]);
    await runtime.spawnOn(0, work, 'square', [1]);
    await runtime.spawnOn(1, work, 'square', [1]);
    expect([...new Int32Array(counts)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(runtime.metrics()['jobSlotsInUse']).toBe(0);
  });

  it('aborts a job that waits for a free slot', async () => {
    const counts = new SharedArrayBuffer(4 * 5000);
    const handles = Array.from({ length: 5000 }, (_, i) => runtime.spawnOn('any', work, 'count', [counts, i]));
    const last = handles[4999]!;
    last.abort();
    await expect(last).rejects.toMatchObject({ code: 'ERR_RT_JOB_CANCELLED' });
    await Promise.all(handles.slice(0, 4999));
    expect(new Int32Array(counts)[4999]).toBe(0);
    expect(runtime.metrics()['jobSlotsInUse']).toBe(0);
    // 60 s, not jest's 20: 5,000 jobs through two workers started for the case is work, 1.1-2.4 s
    // of CPU alone here (time(1) of a jest run of it, less an empty run), and a jest worker at
    // load ~20 on 2 cores gets about a tenth of a core (10.7 s in a whole-suite run at load ~10).
    // A lost job or a slot never freed still hangs the case: it fails.
  }, 60_000);

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort('early');
    await expect(runtime.spawnOn('any', work, 'square', [2], { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_RT_JOB_CANCELLED' });
  });

  it('runs every job exactly once when more are spawned at once than the arena holds (back-pressure)', async () => {
    const n = 5000;
    const counts = new SharedArrayBuffer(4 * n);
    const handles = Array.from({ length: n }, (_, i) => runtime.spawnOn<number>('any', work, 'count', [counts, i]));
    const workers = await Promise.all(handles);
    expect([...new Int32Array(counts)].every((c) => c === 1)).toBe(true);
    expect(new Set(workers).size).toBeGreaterThanOrEqual(1);
    const metrics = runtime.metrics();
    expect(metrics.workers.reduce((sum, w) => sum + (w['jobsRun'] as number), 0)).toBe(n);
  }, 60_000); // the same work as the abort case above (5,000 jobs): the same limit, for the same reason

  it('spawns from inside a worker, and idle workers steal from its queue', async () => {
    // Both workers up first (a slow start of worker 1 must not look like a missing steal).
    await Promise.all([runtime.spawnOn(0, work, 'square', [1]), runtime.spawnOn(1, work, 'square', [1])]);
    const where = await runtime.spawnOn<number[]>(0, work, 'fanOut', [16, 20]);
    expect(where).toHaveLength(16);
    // Worker 0 ran fanOut and queued 16 jobs of 20 ms on its own queue; worker 1 was idle.
    expect(where.filter((w) => w === 1).length).toBeGreaterThan(0);
    const metrics = runtime.metrics();
    expect(metrics.workers[1]!['steals']).toBeGreaterThan(0);
    expect(metrics.workers[0]!['jobsSpawned']).toBe(16);
  });

  it('spawns a pinned job from one worker onto another', async () => {
    expect(await runtime.spawnOn(0, work, 'pinnedFrom', [1])).toBe(1);
    expect(await runtime.spawnOn(1, work, 'pinnedFrom', [0])).toBe(0);
  });
});

describe('spawnOn at shutdown', () => {
  it('fails queued and running jobs and refuses new ones, leaving nothing behind', async () => {
    const runtime = Builder.multiThread().workerThreads(2).name('jobs-shutdown').build();
    const flag = new SharedArrayBuffer(8);
    const words = new Int32Array(flag);
    const running = runtime.spawnOn('any', work, 'waitForAbort', [flag]);
    while (Atomics.load(words, 0) === 0) await waitAsync(words, 0, 0, 50).value;
    const queued = Array.from({ length: 20 }, () => runtime.spawnOn('any', work, 'spin', [5]));
    await runtime.shutdown({ timeout: 5000 });
    const outcomes = await Promise.allSettled([running, ...queued]);
    // Some quick jobs may have finished before the shutdown; every other one failed with a JobError.
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(JobError);
    }
    expect(outcomes[0]!.status).toBe('rejected');
    expect(((outcomes[0] as PromiseRejectedResult).reason as JobError).isCancelled()).toBe(true);
    expect(() => runtime.spawnOn('any', work, 'square', [1])).toThrow();
  });
});
