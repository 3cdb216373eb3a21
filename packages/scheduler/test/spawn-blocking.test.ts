import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, JoinError, spawnBlocking } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';

const fixture = join(__dirname, 'fixtures', 'blocking.mjs');
const fixtureUrl = pathToFileURL(fixture);

function errorOf(promise: PromiseLike<unknown>): Promise<JoinError> {
  return Promise.resolve(promise).then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as JoinError,
  );
}

/** Waits (without sleeping) until the worker sets cell `index` of `cells`. */
async function started(cells: Int32Array, index: number): Promise<void> {
  // Atomics.waitAsync is in Node 20, not in the ES2023 lib the packages compile against.
  const { waitAsync } = Atomics as unknown as {
    waitAsync(cells: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
  };
  const result = waitAsync(cells, index, 0);
  if (result.async) await result.value;
}

describe('spawnBlocking', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().maxBlockingThreads(2).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('runs an exported function on a worker thread and returns its value', async () => {
    expect(await runtime.spawnBlocking(fixtureUrl, 'add', [2, 3])).toBe(5);
    expect(await runtime.spawnBlocking(fixture, 'asyncDouble', [21])).toBe(42);
    expect(await runtime.spawnBlocking(fixtureUrl.href, 'add', ['a', 'b'])).toBe('ab');
  });

  it('runs on the current runtime from the top-level function', async () => {
    expect(await runtime.run(() => spawnBlocking<number>(fixtureUrl, 'add', [1, 1]))).toBe(2);
    expect(runtime.metrics().blockingThreads).toBe(1);
  });

  it('transfers the objects in transferList', async () => {
    const buffer = new ArrayBuffer(16);
    const length = await runtime.spawnBlocking(fixtureUrl, 'byteLength', [buffer], { transferList: [buffer] });
    expect(length).toBe(16);
    expect(buffer.byteLength).toBe(0);
  });

  it('surfaces a thrown error as a JoinError with the original name, message, code and stack', async () => {
    const error = await errorOf(runtime.spawnBlocking(fixtureUrl, 'fail', ['bad input']));
    expect(error).toBeInstanceOf(JoinError);
    expect(error.isPanic()).toBe(true);
    const cause = error.cause as Error & { code?: string };
    expect(cause.message).toBe('bad input');
    expect(cause.name).toBe('RangeError');
    expect(cause.code).toBe('ERR_FIXTURE');
    expect(cause.stack).toContain('blocking.mjs');
    expect(error.message).toContain('bad input');
  });

  it('fails with a JoinError when the export is not a function or the result cannot be cloned', async () => {
    expect((await errorOf(runtime.spawnBlocking(fixtureUrl, 'notAFunction', []))).cause).toMatchObject({
      message: expect.stringContaining('"notAFunction"'),
    });
    expect((await errorOf(runtime.spawnBlocking(fixtureUrl, 'missing', []))).isPanic()).toBe(true);
    expect((await errorOf(runtime.spawnBlocking(fixtureUrl, 'returnsFunction', []))).isPanic()).toBe(true);
    // The pool still works afterwards.
    expect(await runtime.spawnBlocking(fixtureUrl, 'add', [1, 2])).toBe(3);
  });

  it('fails the job and replaces the thread when the worker thread exits', async () => {
    const error = await errorOf(runtime.spawnBlocking(fixtureUrl, 'exitThread', []));
    expect(error.isPanic()).toBe(true);
    expect(String((error.cause as Error).message)).toMatch(/exited with code 3/);
    expect(await runtime.spawnBlocking(fixtureUrl, 'add', [2, 2])).toBe(4);
  });

  it('rejects a closure, a relative path, a bad export name and bad args with a TypeError', () => {
    expect(() => runtime.spawnBlocking((() => 1) as never, 'x')).toThrow(/closures cannot cross threads/);
    expect(() => runtime.spawnBlocking('./blocking.mjs', 'add')).toThrow(/absolute path/);
    expect(() => runtime.spawnBlocking(fixtureUrl, '')).toThrow(TypeError);
    expect(() => runtime.spawnBlocking(fixtureUrl, 'add', 'nope' as never)).toThrow(/args must be an array/);
    expect(() => runtime.spawnBlocking(fixtureUrl, 'add', [() => 1])).toThrow(/args\[0\]/);
    expect(() => runtime.spawnBlocking(fixtureUrl, 'add', [], { transferList: 1 as never })).toThrow(TypeError);
  });

  it('caps the threads at maxBlockingThreads and queues the rest in order', async () => {
    const shared = new SharedArrayBuffer(4 * 16);
    const cells = new Int32Array(shared);
    const jobs = [0, 1, 2].map((index) => runtime.spawnBlocking<number>(fixtureUrl, 'hold', [shared, index]));
    await started(cells, 0);
    await started(cells, 1);
    expect(runtime.metrics()).toMatchObject({ blockingThreads: 2, blockingThreadsBusy: 2, blockingQueueDepth: 1 });
    expect(runtime.handle.pendingExternalWork).toBe(3);
    expect(Atomics.load(cells, 2)).toBe(0);
    for (const index of [0, 1, 2]) {
      Atomics.store(cells, index + 8, 1);
      Atomics.notify(cells, index + 8);
    }
    expect(await Promise.all(jobs)).toEqual([0, 1, 2]);
    expect(runtime.metrics()).toMatchObject({ blockingThreadsBusy: 0, blockingThreadsIdle: 2, blockingQueueDepth: 0 });
    expect(runtime.handle.pendingExternalWork).toBe(0);
  });

  it('removes a queued job when aborted, and lets a running one finish', async () => {
    const shared = new SharedArrayBuffer(4 * 16);
    const cells = new Int32Array(shared);
    const running = [0, 1].map((index) => runtime.spawnBlocking<number>(fixtureUrl, 'hold', [shared, index]));
    const queued = runtime.spawnBlocking(fixtureUrl, 'add', [1, 1]);
    await started(cells, 0);
    await started(cells, 1);
    queued.abort();
    running[0]!.abort();
    expect((await errorOf(queued)).isCancelled()).toBe(true);
    expect(runtime.metrics().blockingQueueDepth).toBe(0);
    for (const index of [0, 1]) {
      Atomics.store(cells, index + 8, 1);
      Atomics.notify(cells, index + 8);
    }
    expect(await Promise.all(running)).toEqual([0, 1]);
  });

  it('ends running and queued jobs as cancelled when the runtime shuts down, and terminates the threads', async () => {
    const shared = new SharedArrayBuffer(4 * 16);
    const cells = new Int32Array(shared);
    const jobs = [0, 1, 2].map((index) => runtime.spawnBlocking<number>(fixtureUrl, 'hold', [shared, index]));
    await started(cells, 0);
    await runtime.shutdown();
    for (const job of jobs) expect((await errorOf(job)).isCancelled()).toBe(true);
    expect(runtime.metrics()).toMatchObject({ blockingThreads: 0, aliveTasks: 0 });
  });

  it('retires idle threads after threadKeepAlive', async () => {
    const quick = Builder.currentThread().threadKeepAlive(0).build();
    await quick.spawnBlocking(fixtureUrl, 'add', [1, 2]);
    expect(quick.metrics().blockingThreads).toBe(1);
    // The keep-alive timer (0 ms) fires on the next timers phase.
    while (quick.metrics().blockingThreads > 0) await new Promise((resolve) => setImmediate(resolve));
    expect(quick.metrics().blockingThreadsIdle).toBe(0);
    await quick.shutdown();
  });
});
