// Pass lc31: task.ts reads its states and the engine's `then` through private constants and
// exports `SCHEDULED`/`RUNNING`/`FINISHED`/`nativeThen` as copies of them; task.ts and
// join-handle.ts take the imports their hot paths read as module-local constants, copied at load.
// These specs pin (1) the exported values; (2) that each of those modules, loaded first in a fresh
// module registry, finds its imports initialised (an import cycle would leave a copy undefined):
// a spawn, a join of a running and of a finished task, a join of a failed task, run on it.
import { FINISHED, RUNNING, SCHEDULED, nativeThen } from '../src/internal/task.js';

type Scheduler = typeof import('../src/index.js');

async function spawnAndJoin(rt: Scheduler): Promise<unknown[]> {
  const runtime = rt.Builder.currentThread().build();
  try {
    return await runtime.spawn(async () => {
      const running = rt.spawn(async () => {
        await rt.yieldNow();
        return 1;
      });
      const first = await running; // parked until it finishes
      const finished = rt.spawn(() => 2);
      await rt.yieldNow();
      const second = await finished; // already finished
      const failed = rt.spawn(() => {
        throw new Error('boom');
      });
      const error = await failed.then(
        () => 'no error',
        (e: unknown) => (e as Error).name,
      );
      return [first, second, error, failed.isFinished()];
    });
  } finally {
    await runtime.shutdown();
  }
}

describe('pass lc31: module-local constants in the scheduler', () => {
  it('exports the task states and the engine then with their values', () => {
    expect([SCHEDULED, RUNNING, FINISHED]).toEqual([0, 1, 2]);
    expect(nativeThen).toBe(Promise.prototype.then);
  });

  it.each(['../src/internal/task.js', '../src/join-handle.js'])('%s loaded first: spawn and join work', async (first) => {
    let rt: Scheduler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(first);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      rt = require('../src/index.js') as Scheduler;
    });
    expect(await spawnAndJoin(rt!)).toEqual([1, 2, 'JoinError', true]);
  });
});
