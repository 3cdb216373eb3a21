// Pass lc31: sleep.ts, timeout.ts and the near layer take the imports their hot paths read as
// module-local constants, copied at load; the wheel and the near layer read their own exported
// constants through private ones. These specs pin (1) the exported values; (2) that each of those
// modules, loaded first in a fresh module registry, finds its imports initialised (an import cycle
// would leave a copy undefined): a sleep, a deadline already past, a timeout won by its work in the
// near layer and in the wheel (beyond NEAR), and one lost to its deadline.
import { LEVELS, MAX_DURATION, SLOTS } from '../src/internal/wheel.js';
import { NEAR, NEAR_SLOT } from '../src/internal/near.js';

type Time = typeof import('../src/index.js');
type Scheduler = typeof import('@rt/scheduler');

async function timers(time: Time, rt: Scheduler): Promise<unknown[]> {
  const runtime = rt.Builder.currentThread().build();
  try {
    return await runtime.spawn(async () => {
      const slept = await time.sleep(1).then(() => 'slept');
      await time.sleepUntil(time.Instant.now());
      const near = await time.timeout(100, Promise.resolve('near'));
      const far = await time.timeout(NEAR * 3, Promise.resolve('far'));
      const lost = await time.timeout(1, new Promise(() => undefined)).catch((e: unknown) => (e as Error).name);
      return [slept, near, far, lost];
    });
  } finally {
    await runtime.shutdown();
  }
}

describe('pass lc31: module-local constants in @rt/time', () => {
  it('exports the wheel and near-layer constants with their values', () => {
    expect([LEVELS, SLOTS, MAX_DURATION, NEAR, NEAR_SLOT]).toEqual([6, 64, 2 ** 36 - 1, 4096, 1024]);
  });

  it.each(['../src/sleep.js', '../src/timeout.js', '../src/internal/near.js', '../src/internal/wheel.js'])('%s loaded first: sleeps and timeouts work', async (first) => {
    let time: Time | undefined;
    let rt: Scheduler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(first);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      time = require('../src/index.js') as Time;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      rt = require('@rt/scheduler') as Scheduler;
    });
    expect(await timers(time!, rt!)).toEqual(['slept', 'near', 'far', 'Elapsed']);
  });
});
