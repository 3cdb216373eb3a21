import diagnostics_channel from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import type { Runtime, RtWarning } from '@rt/scheduler';
import { mpsc, oneshot } from '@rt/sync';

// A full collection on demand: --expose-gc set at run time, read from a fresh context.
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

/** A few collections, for the cases where nothing may be reported. */
async function collectSome(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('lost-wake detection', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.shutdown();
    runtime = undefined;
  });

  it('reports a task parked on a oneshot receiver whose sender was dropped without sending', async () => {
    runtime = Builder.currentThread().instrument().build();
    // The sender is made and dropped inside the helper: nothing keeps it alive.
    const rx = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
    const task = runtime.spawn(async () => await rx, { name: 'answer-waiter' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length > 0);
    const warnings = handle.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'lost-wake', id: task.id, name: 'answer-waiter', label: 'oneshot.Receiver.recv', runtime: runtime.handle.config.name });
    expect(warnings[0]!.message).toMatch(/task \d+ "answer-waiter" waits on oneshot\.Receiver\.recv but its oneshot Sender was garbage-collected/);
    expect(warnings[0]!.location).toMatch(/lost-wake\.test\.ts:\d+:\d+$/);
    // The task stays parked (an abort still ends it).
    expect(runtime.handle.taskStats().find((t) => t.id === task.id)!.state).toBe('waiting');
    task.abort();
    await expect(task).rejects.toThrow();
  });

  it('reports an mpsc receive only once every clone of the sender is gone, on the rt:warning channel', async () => {
    runtime = Builder.currentThread().instrument().build();
    const seen: RtWarning[] = [];
    const listener = (message: unknown): void => void seen.push(message as RtWarning);
    diagnostics_channel.subscribe('rt:warning', listener);
    try {
      let kept: mpsc.Sender<number> | undefined;
      const rx = ((): mpsc.Receiver<number> => {
        const [tx, receiver] = mpsc.channel<number>(4);
        kept = tx.clone();
        return receiver;
      })();
      const task = runtime.spawn(async () => await rx.recv(), { name: 'consumer' });
      await settle(3);
      // One clone is still held: collecting the other reports nothing.
      await collectSome();
      expect(seen).toEqual([]);
      kept = undefined;
      void kept;
      await collectUntil(() => seen.length > 0);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ kind: 'lost-wake', id: task.id, name: 'consumer', label: 'mpsc.Receiver.recv' });
      expect(runtime.handle.warnings()).toEqual(seen);
      task.abort();
      await expect(task).rejects.toThrow();
    } finally {
      diagnostics_channel.unsubscribe('rt:warning', listener);
    }
  });

  it('reports nothing when the senders were closed, or a weak sender can still upgrade', async () => {
    runtime = Builder.currentThread().instrument().build();
    let weak: mpsc.WeakSender<number> | undefined;
    const closedRx = ((): oneshot.Receiver<number> => {
      const [tx, rx] = oneshot.channel<number>();
      tx.close();
      return rx;
    })();
    const rx = ((): mpsc.Receiver<number> => {
      const [tx, receiver] = mpsc.channel<number>(4);
      weak = tx.downgrade();
      return receiver;
    })();
    const closed = runtime.spawn(async () => await closedRx);
    const waiting = runtime.spawn(async () => await rx.recv(), { name: 'weakly-fed' });
    await expect(closed).rejects.toThrow(/closed without sending/);
    await settle(3);
    await collectSome();
    expect(runtime.handle.warnings()).toEqual([]);
    // The strong sender is gone but was never closed, so the weak one upgrades and can wake it.
    const strong = weak!.upgrade();
    expect(strong).toBeDefined();
    await strong!.send(7);
    await expect(waiting).resolves.toBe(7);
  });

  it('on a runtime that is not instrumented, reports on rt:warning only for senders made while it had a subscriber', async () => {
    runtime = Builder.currentThread().build();
    const seen: RtWarning[] = [];
    const listener = (message: unknown): void => void seen.push(message as RtWarning);
    // Made with nobody listening: not watched (the cost is one check).
    const unwatched = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
    diagnostics_channel.subscribe('rt:warning', listener);
    try {
      const watched = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
      const quiet = runtime.spawn(async () => await unwatched, { name: 'unwatched' });
      const loud = runtime.spawn(async () => await watched, { name: 'watched' });
      await settle(3);
      await collectUntil(() => seen.length > 0);
      await collectSome();
      expect(seen.map((w) => [w.kind, w.id, w.name])).toEqual([['lost-wake', loud.id, 'watched']]);
      expect(runtime.handle.warnings()).toEqual([]);
      quiet.abort();
      loud.abort();
      await expect(quiet).rejects.toThrow();
      await expect(loud).rejects.toThrow();
    } finally {
      diagnostics_channel.unsubscribe('rt:warning', listener);
    }
  });
});
