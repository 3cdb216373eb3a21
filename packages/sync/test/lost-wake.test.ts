import diagnostics_channel from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import type { Runtime, RtWarning } from '@rt/scheduler';
import { Mutex, RwLock, mpsc, oneshot } from '@rt/sync';

// These tests count lost-wake warnings. The blocking detector's threshold is set out of reach:
// the tests force garbage collections inside tasks, and on a loaded machine (CI at load ~25)
// such a segment ran 89 ms and its blocking warning was counted among the lost wakes.
const LOST_WAKES_ONLY = { blockingThreshold: 600_000 };

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
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
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

  it('reports both receives of a oneshot whose lists live in the side table (its own and a listed one) when its sender is dropped (review rv26)', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    const rx = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
    const own = runtime.spawn(async () => await rx, { name: 'own' });
    const listed = runtime.spawn(async () => await rx.recv({ signal: new AbortController().signal }), { name: 'listed' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length >= 2);
    expect(handle.warnings().map((w) => [w.kind, w.name]).sort()).toEqual([
      ['lost-wake', 'listed'],
      ['lost-wake', 'own'],
    ]);
    own.abort();
    listed.abort();
    await expect(own).rejects.toThrow();
    await expect(listed).rejects.toThrow();
  });

  it('reports an mpsc receive only once every clone of the sender is gone, on the rt:warning channel', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
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
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
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

  it('reports tasks parked on a Mutex whose guard was garbage-collected without release()', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    const mutex = new Mutex(0);
    // The guard is taken and dropped inside the helper: nothing keeps it, nothing releases it.
    await (async (): Promise<void> => void (await mutex.lock()))();
    const first = runtime.spawn(async () => (await mutex.lock()).value, { name: 'first' });
    const second = runtime.spawn(async () => (await mutex.lock()).value, { name: 'second' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length >= 2);
    expect(handle.warnings().map((w) => [w.kind, w.id, w.name, (w as { label?: string }).label])).toEqual([
      ['lost-wake', first.id, 'first', 'Mutex.lock'],
      ['lost-wake', second.id, 'second', 'Mutex.lock'],
    ]);
    expect(handle.warnings()[0]!.message).toMatch(/waits on Mutex\.lock but the MutexGuard holding the lock was garbage-collected without release\(\)/);
    first.abort();
    second.abort();
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow();
  });

  it('reports nothing for a Mutex whose guards are released, dropped after release, or still held', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    const mutex = new Mutex(0);
    await (async (): Promise<void> => {
      const guard = await mutex.lock();
      guard.release();
    })();
    const tried = mutex.tryLock()!;
    tried.release();
    await (async (): Promise<void> => {
      using guard = await mutex.lock();
      guard.value++;
    })();
    const held = await mutex.lock(); // kept alive below: the waiter is not lost
    const waiter = runtime.spawn(async () => {
      const guard = await mutex.lock();
      guard.value = 1;
      guard.release();
    });
    await settle(3);
    await collectSome();
    expect(runtime.handle.warnings()).toEqual([]);
    held.release();
    await waiter;
    expect(mutex.isLocked).toBe(false);
  });

  it('reports an RwLock writer once a read guard is collected unreleased, even while another reader holds it', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    const lock = new RwLock({ n: 0 }, { maxReaders: 4 });
    const reader = await lock.read(); // held: released below
    await (async (): Promise<void> => void (await lock.read()))();
    const writer = runtime.spawn(async () => (await lock.write()).value.n, { name: 'writer' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length > 0);
    expect(handle.warnings()).toEqual([expect.objectContaining({ kind: 'lost-wake', id: writer.id, name: 'writer', label: 'RwLock.write' })]);
    // Releasing the other reader cannot help the writer: 3 of 4 permits come back at most.
    reader.release();
    await settle(3);
    expect(handle.taskStats().find((t) => t.id === writer.id)!.state).toBe('waiting');
    writer.abort();
    await expect(writer).rejects.toThrow();
  });

  it('reports RwLock readers behind a write guard collected unreleased', async () => {
    runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    const lock = new RwLock(0, { maxReaders: 2 });
    await (async (): Promise<void> => void (await lock.write()))();
    const readerTask = runtime.spawn(async () => (await lock.read()).value, { name: 'reader' });
    await settle(3);
    const handle = runtime.handle;
    await collectUntil(() => handle.warnings().length > 0);
    expect(handle.warnings()).toEqual([expect.objectContaining({ kind: 'lost-wake', id: readerTask.id, label: 'RwLock.read' })]);
    expect(handle.warnings()[0]!.message).toMatch(/RwLockWriteGuard holding the lock was garbage-collected/);
    readerTask.abort();
    await expect(readerTask).rejects.toThrow();
  });
});

// Pass pk31 made `watchLostWake`'s checks (is an instrumented runtime alive, has `rt:warning` a
// subscriber) reads of module constants, which the optimizer may fold into `oneshot.channel()`
// while neither holds: a runtime instrumented, or a subscriber added, after many channels were made
// must still see a sender dropped without sending.
/** Many channels made, sent and received with nothing watching (channel() gets optimized so). */
async function warmChannels(): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(i);
    await rx;
  }
}

/**
 * A task parked on a oneshot whose sender is dropped without sending at once, on `runtime`: the
 * warning arrives in `heard()` (the runtime's own warnings, or an rt:warning subscriber's).
 */
async function expectDroppedSenderReported(runtime: Runtime, heard: () => readonly RtWarning[]): Promise<void> {
  const rx = ((): oneshot.Receiver<number> => oneshot.channel<number>()[1])();
  const task = runtime.spawn(async () => await rx);
  await settle(3);
  await collectUntil(() => heard().length > 0);
  expect(heard()).toEqual([expect.objectContaining({ kind: 'lost-wake', id: task.id, label: 'oneshot.Receiver.recv' })]);
  task.abort();
  await expect(task).rejects.toThrow();
}

describe('lost-wake watch switched on after oneshot channels were made (pass pk31), and off and on again (review rv38)', () => {
  let runtime: Runtime | undefined;
  const heard: RtWarning[] = [];
  const listener = (message: unknown): void => void heard.push(message as RtWarning);
  afterEach(async () => {
    diagnostics_channel.unsubscribe('rt:warning', listener);
    heard.length = 0;
    await runtime?.shutdown();
    runtime = undefined;
  });

  it('an instrumented runtime built later reports a dropped sender', async () => {
    await warmChannels();
    const built = (runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build());
    await expectDroppedSenderReported(built, () => built.handle.warnings());
  });

  it('an rt:warning subscriber added later hears a dropped sender', async () => {
    await warmChannels();
    diagnostics_channel.subscribe('rt:warning', listener);
    runtime = Builder.currentThread().build();
    await expectDroppedSenderReported(runtime, () => heard);
  });

  // Review rv38: the same checks switched off again (the last instrumented runtime shut down, the
  // only subscriber removed), channels made while nothing watched, then on again.
  it('an instrumented runtime shut down, channels made, another built: it reports a dropped sender', async () => {
    const first = Builder.currentThread().instrument(LOST_WAKES_ONLY).build();
    await first.spawn(async () => void (await warmChannels()));
    await first.shutdown();
    await warmChannels();
    const built = (runtime = Builder.currentThread().instrument(LOST_WAKES_ONLY).build());
    await expectDroppedSenderReported(built, () => built.handle.warnings());
  });

  it('an rt:warning subscriber removed, channels made, one added again: it hears a dropped sender', async () => {
    diagnostics_channel.subscribe('rt:warning', listener);
    await warmChannels();
    diagnostics_channel.unsubscribe('rt:warning', listener);
    await warmChannels();
    diagnostics_channel.subscribe('rt:warning', listener);
    runtime = Builder.currentThread().build();
    await expectDroppedSenderReported(runtime, () => heard);
  });
});
