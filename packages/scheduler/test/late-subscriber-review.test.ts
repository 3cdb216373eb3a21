// Review of pass eu30 (module-local copies of the imported bindings park.ts, coop.ts and
// primitives.ts read on every park and wake: `parkChannel`, `wakeChannel`, `emitPark`,
// `emitWake`, `refillBudget`, ...). A copy is taken once, at load: these specs pin that a
// diagnostics subscriber attached only after the module has loaded and its tasks have already
// parked (a tracer or `@rt/console` attached to a live process) still hears every later park and
// wake, on each park path (`park`, `parkEntry`/`unparkEntry`, `ReusableWaiter`), and nothing
// once it unsubscribes. Once under jest (CommonJS from source), once in a child process over the
// built ESM `dist`, loading the `@rt/scheduler/primitives` subpath first (an import order that
// a cycle would break).
import diagnostics_channel from 'node:diagnostics_channel';
import { spawnSync } from 'node:child_process';
import { Builder, park } from '@rt/scheduler';
import type { Runtime, Waiter } from '@rt/scheduler';
import { ReusableWaiter, parkEntry, unparkEntry } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';

interface Message {
  label: string;
  name: string | undefined;
}

/** One round of the three park paths in task `name`, each woken by the test. */
async function parkEachWay(runtime: Runtime, name: string): Promise<void> {
  const reusable = new ReusableWaiter<number>('Late.reusable', () => undefined);
  let waiter: Waiter<number> | undefined;
  let parked: ParkedTask | undefined;
  let wakeEntry: (() => void) | undefined;
  let stage = '';
  const task = runtime.spawn(
    async () => {
      stage = 'park';
      const first = park<number>('Late.park', () => {});
      waiter = first.waiter;
      await first.promise;
      stage = 'entry';
      const entry: ParkEntry = { prev: undefined, next: undefined, label: 'Late.entry', cancel() {} };
      await new Promise<void>((resolve) => {
        parked = parkEntry(entry);
        wakeEntry = () => {
          unparkEntry(parked!, entry, 'woken');
          resolve();
        };
      });
      stage = 'reusable';
      await reusable.park();
      stage = 'done';
    },
    { name },
  );
  const until = async (want: string): Promise<void> => {
    while (stage !== want) await new Promise((resolve) => setImmediate(resolve));
  };
  await until('park');
  waiter!.wake(1);
  await until('entry');
  while (wakeEntry === undefined) await new Promise((resolve) => setImmediate(resolve));
  wakeEntry();
  await until('reusable');
  while (reusable.settled) await new Promise((resolve) => setImmediate(resolve));
  reusable.wake(2);
  await task;
}

describe('park and wake diagnostics with a subscriber attached after load and after the first parks (eu30 review)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().name('late').build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('hears every park and wake of each park path once subscribed, and nothing after unsubscribing', async () => {
    // Parks before anyone listens (the copies in park.ts are long taken, and hot).
    for (let i = 0; i < 3; i++) await parkEachWay(runtime, 'before');
    const parks: Message[] = [];
    const wakes: Message[] = [];
    const onPark = (m: unknown): void => void parks.push(m as Message);
    const onWake = (m: unknown): void => void wakes.push(m as Message);
    diagnostics_channel.subscribe('rt:task:park', onPark);
    diagnostics_channel.subscribe('rt:task:wake', onWake);
    try {
      await parkEachWay(runtime, 'during');
    } finally {
      diagnostics_channel.unsubscribe('rt:task:park', onPark);
      diagnostics_channel.unsubscribe('rt:task:wake', onWake);
    }
    await parkEachWay(runtime, 'after');
    const labels = ['Late.park', 'Late.entry', 'Late.reusable'];
    expect(parks.map((m) => [m.name, m.label])).toEqual(labels.map((label) => ['during', label]));
    expect(wakes.map((m) => [m.name, m.label])).toEqual(labels.map((label) => ['during', label]));
  });

  it('the same over the built ESM dist in a fresh process, with @rt/scheduler/primitives loaded first', () => {
    const code = `
      import { ReusableWaiter } from '@rt/scheduler/primitives';
      import dc from 'node:diagnostics_channel';
      import { Builder } from '@rt/scheduler';
      const runtime = Builder.currentThread().build();
      const waiter = new ReusableWaiter('Late.reusable', () => {});
      const seen = [];
      const onPark = (m) => seen.push('park ' + m.label);
      const onWake = (m) => seen.push('wake ' + m.label);
      const task = runtime.spawn(async () => {
        for (let i = 0; i < 4; i++) await waiter.park();
      });
      for (let i = 0; i < 4; i++) {
        while (waiter.settled) await new Promise((resolve) => setImmediate(resolve));
        if (i === 2) { dc.subscribe('rt:task:park', onPark); dc.subscribe('rt:task:wake', onWake); }
        if (i === 3) { dc.unsubscribe('rt:task:park', onPark); dc.unsubscribe('rt:task:wake', onWake); }
        waiter.wake(i);
      }
      await task;
      await runtime.shutdown();
      console.log(JSON.stringify(seen));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    // Subscribed while the third park was pending: that park was announced before anyone
    // listened; its wake, and the fourth park, are heard; unsubscribed before the fourth wake.
    expect(JSON.parse(result.stdout)).toEqual(['wake Late.reusable', 'park Late.reusable']);
  });
});
