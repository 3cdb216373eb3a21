// Pass dr32: `currentDriver` keeps the last runtime it answered for, and that runtime's driver, in
// the fields of a module-local constant (they were module `let`s), and `driver.ts` reads
// `Handle`/`NearLayer` through module-local copies. These specs pin that the cache follows every
// runtime change: two runtimes alternating (one with a paused clock), a runtime shut down and
// another made, and the default runtime outside any task; and that the driver's `remove` still
// routes an entry to the layer that holds it (near layer, wheel).
import { Builder, type Runtime } from '@rt/scheduler';
import { advance, sleep, timeout } from '../src/index.js';
import { TIME_KEY, TimeDriver, currentDriver } from '../src/internal/driver.js';
import { NEAR } from '../src/internal/near.js';

const driverOf = (runtime: Runtime): TimeDriver => runtime.handle.extension(TIME_KEY, TimeDriver.create);

describe('pass dr32: the current driver follows the runtime', () => {
  const runtimes: Runtime[] = [];
  const make = (paused: boolean): Runtime => {
    const builder = Builder.currentThread();
    const runtime = (paused ? builder.startPaused().autoAdvance(false) : builder).build();
    runtimes.push(runtime);
    return runtime;
  };
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.shutdown();
  });

  it('two runtimes alternating, one with a paused clock: each task gets its own runtime\'s driver', async () => {
    const real = make(false);
    const paused = make(true);
    const seen: [TimeDriver, boolean][] = [];
    for (let round = 0; round < 3; round++) {
      for (const runtime of [real, paused, paused, real]) {
        seen.push(await runtime.spawn(() => [currentDriver(), currentDriver().clock.paused] as [TimeDriver, boolean]));
      }
    }
    const expected = [driverOf(real), driverOf(paused), driverOf(paused), driverOf(real)];
    expect(driverOf(real)).not.toBe(driverOf(paused));
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]![0]).toBe(expected[i % 4]);
      expect(seen[i]![1]).toBe(expected[i % 4] === driverOf(paused));
    }
  });

  it('a sleep made right after the other runtime used the cache goes to its own runtime\'s (paused) clock', async () => {
    const real = make(false);
    const paused = make(true);
    const order: string[] = [];
    // The real runtime answers last before each step of the paused one.
    await real.spawn(() => void sleep(NEAR * 4));
    const slept = paused.spawn(async () => {
      await sleep(60_000);
      order.push('paused sleep fired');
    });
    await real.spawn(() => undefined);
    await paused.spawn(() => advance(60_000));
    await slept;
    expect(order).toEqual(['paused sleep fired']);
    expect(driverOf(paused).size).toBe(0);
  });

  it('a runtime shut down and another made: the new runtime gets a live driver of its own', async () => {
    const first = make(false);
    const firstDriver = await first.spawn(() => currentDriver());
    await first.shutdown();
    expect(firstDriver.shut).toBe(true);
    for (const paused of [false, true]) {
      const next = make(paused);
      const [driver, result] = await next.spawn(async () => [currentDriver(), await timeout(NEAR * 2, Promise.resolve('won'))] as const);
      expect(driver).not.toBe(firstDriver);
      expect(driver.shut).toBe(false);
      expect(driver).toBe(driverOf(next));
      expect(driver.clock.paused).toBe(paused);
      expect(result).toBe('won');
      await next.shutdown();
    }
  });

  it('outside any task: the default runtime\'s driver, before and after a runtime\'s task used the cache', async () => {
    const outside = currentDriver();
    const runtime = make(true);
    const inside = await runtime.spawn(() => currentDriver());
    expect(inside).not.toBe(outside);
    expect(currentDriver()).toBe(outside);
    expect(outside.shut).toBe(false);
  });

  it('remove routes an entry to its layer: timeouts won in the near layer and in the wheel leave nothing behind', async () => {
    const runtime = make(true);
    const results = await runtime.spawn(async () => {
      const won: unknown[] = [];
      for (const ms of [10, NEAR - 1, NEAR + 1, NEAR * 100]) won.push(await timeout(ms, Promise.resolve(ms)));
      const driver = currentDriver();
      return [won, driver.size];
    });
    expect(results).toEqual([[10, NEAR - 1, NEAR + 1, NEAR * 100], 0]);
  });
});

describe('pass dr32: driver.ts loaded first in a fresh module registry', () => {
  it('finds its copied imports initialised: a sleep and timeouts in the near layer and the wheel work', async () => {
    let time: typeof import('../src/index.js') | undefined;
    let rt: typeof import('@rt/scheduler') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../src/internal/driver.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      time = require('../src/index.js') as typeof import('../src/index.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      rt = require('@rt/scheduler') as typeof import('@rt/scheduler');
    });
    const runtime = rt!.Builder.currentThread().startPaused().build();
    try {
      const result = await runtime.spawn(async () => {
        await time!.sleep(10);
        return [await time!.timeout(100, Promise.resolve('near')), await time!.timeout(NEAR * 3, Promise.resolve('far'))];
      });
      expect(result).toEqual(['near', 'far']);
    } finally {
      await runtime.shutdown();
    }
  });
});
