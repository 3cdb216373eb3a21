// Pass pk31 made `watchLostWake`'s checks (is an instrumented runtime alive, has `rt:warning` a
// subscriber) reads of module constants, which the optimizer may fold into `oneshot.channel()`
// while neither holds: a runtime instrumented, or a subscriber added, after many channels were made
// must still see a sender dropped without sending.
import diagnostics_channel from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import type { Runtime, RtWarning } from '@rt/scheduler';
import { oneshot } from '@rt/sync';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until `done()` or 2 s pass (finalization callbacks run in a later task). */
async function collectUntil(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!done() && Date.now() < deadline) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Many channels made, sent and received with nothing watching (channel() gets optimized so). */
async function warmChannels(): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(i);
    await rx;
  }
}

describe('lost-wake watch switched on after oneshot channels were made (pass pk31)', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.shutdown();
    runtime = undefined;
  });

  it('an instrumented runtime built later reports a dropped sender', async () => {
    await warmChannels();
    runtime = Builder.currentThread().instrument({ blockingThreshold: 600_000 }).build();
    const rx = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
    const task = runtime.spawn(async () => await rx, { name: 'late-watch' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length > 0);
    expect(handle.warnings()).toEqual([expect.objectContaining({ kind: 'lost-wake', id: task.id, label: 'oneshot.Receiver.recv' })]);
    task.abort();
    await expect(task).rejects.toThrow();
  });

  it('an rt:warning subscriber added later hears a dropped sender', async () => {
    await warmChannels();
    const heard: RtWarning[] = [];
    const listener = (message: unknown): void => void heard.push(message as RtWarning);
    diagnostics_channel.subscribe('rt:warning', listener);
    try {
      runtime = Builder.currentThread().build();
      const rx = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
      const task = runtime.spawn(async () => await rx);
      await settle(3);
      await collectUntil(() => heard.length > 0);
      expect(heard).toEqual([expect.objectContaining({ kind: 'lost-wake', id: task.id, label: 'oneshot.Receiver.recv' })]);
      task.abort();
      await expect(task).rejects.toThrow();
    } finally {
      diagnostics_channel.unsubscribe('rt:warning', listener);
    }
  });
});
