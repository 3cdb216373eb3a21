import { Cancelled, spawn, yieldNow } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { CancellationToken, TaskTracker } from '@rt/util';

describe('TaskTracker', () => {
  it('wait() resolves once closed and empty, not before', async () => {
    const tracker = new TaskTracker();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handle = tracker.spawn(async () => {
      await gate;
      return 'done';
    });
    expect(tracker.len).toBe(1);
    const waiting = track(tracker.wait());
    await settle();
    expect(waiting.isPending()).toBe(true);
    expect(tracker.close()).toBe(true);
    expect(tracker.close()).toBe(false);
    expect(tracker.isClosed).toBe(true);
    await settle();
    expect(waiting.isPending()).toBe(true);
    release();
    expect(await handle).toBe('done');
    await settle();
    expect(waiting.isResolved()).toBe(true);
    expect(tracker.len).toBe(0);
    expect(tracker.isEmpty).toBe(true);
  });

  it('an open tracker does not resolve wait() even when empty; reopen() keeps waiting', async () => {
    const tracker = new TaskTracker();
    const waiting = track(tracker.wait());
    await settle();
    expect(waiting.isPending()).toBe(true);
    tracker.close();
    await settle();
    expect(waiting.isResolved()).toBe(true);
    expect(tracker.reopen()).toBe(true);
    expect(tracker.reopen()).toBe(false);
    const again = track(tracker.wait());
    await settle();
    expect(again.isPending()).toBe(true);
    tracker.close();
    await settle();
    expect(again.isResolved()).toBe(true);
  });

  it('tracks promises, and passes their outcome through', async () => {
    const tracker = new TaskTracker();
    const ok = tracker.track(Promise.resolve(1));
    const bad = tracker.track(Promise.reject(new Error('no')));
    expect(tracker.len).toBe(2);
    await expect(ok).resolves.toBe(1);
    await expect(bad).rejects.toThrow('no');
    tracker.close();
    await tracker.wait();
    expect(() => tracker.track(42 as never)).toThrow(TypeError);
    expect(() => tracker.spawn('x' as never)).toThrow(TypeError);
  });

  it('tracks any thenable, as Promise.resolve takes it (a function with a then method too)', async () => {
    const tracker = new TaskTracker();
    const thenable = Object.assign(() => undefined, { then: (resolve: (value: number) => void) => resolve(7) });
    const tracked = tracker.track(thenable as unknown as PromiseLike<number>);
    expect(tracker.len).toBe(1);
    await expect(tracked).resolves.toBe(7);
    expect(tracker.len).toBe(0);
    expect(() => tracker.track({ then: 1 } as never)).toThrow(TypeError);
  });

  it('keeps no results: a failing task leaves the count and its error goes to its handle', async () => {
    const tracker = new TaskTracker();
    const handle = tracker.spawn(() => {
      throw new Error('boom');
    });
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_PANICKED' });
    tracker.close();
    await tracker.wait();
    expect(tracker.len).toBe(0);
  });

  it('a task aborted before it started leaves the count too', async () => {
    const tracker = new TaskTracker();
    const handle = tracker.spawn(async () => 1);
    handle.abort();
    tracker.close();
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    await tracker.wait({ signal: AbortSignal.timeout(2_000) });
    expect(tracker.len).toBe(0);
  });

  it('leaves the count the moment the task finishes (no polling), also when aborted before it started', async () => {
    const tracker = new TaskTracker();
    const handle = tracker.spawn(async () => 1);
    expect(tracker.len).toBe(1);
    handle.abort();
    expect(tracker.len).toBe(0);
    const running = tracker.spawn(async () => 2);
    expect(await running).toBe(2);
    expect(tracker.len).toBe(0);
  });

  it('tracking does not join: a tracked panic nobody awaits is still reported', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const tracker = new TaskTracker();
      tracker.spawn(() => {
        throw new Error('tracked, never joined');
      });
      tracker.close();
      await tracker.wait();
      await settle(2);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain('Error: tracked, never joined');
  });

  it('a task aborted while running leaves the count when its finally has run', async () => {
    const tracker = new TaskTracker();
    const steps: string[] = [];
    const handle = tracker.spawn(async () => {
      try {
        for (;;) await yieldNow();
      } finally {
        steps.push('finally');
      }
    });
    await settle();
    handle.abort();
    tracker.close();
    await tracker.wait();
    expect(steps).toEqual(['finally']);
  });

  it('an aborted wait() rejects with Cancelled and changes nothing (cancel safe)', async () => {
    const tracker = new TaskTracker();
    const controller = new AbortController();
    let release!: () => void;
    tracker.track(new Promise<void>((resolve) => (release = resolve)));
    tracker.close();
    const aborted = track(tracker.wait({ signal: controller.signal }));
    const kept = track(tracker.wait());
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    expect(tracker.len).toBe(1);
    release();
    await settle();
    expect(kept.isResolved()).toBe(true);
  });

  it('works with a CancellationToken for a graceful shutdown', async () => {
    const shutdown = new CancellationToken();
    const tracker = new TaskTracker();
    const finished: number[] = [];
    for (let i = 0; i < 5; i++) {
      const job = shutdown.childToken();
      tracker.spawn(async () => {
        using _guard = job.dropGuard();
        await job.cancelled();
        finished.push(i);
      });
    }
    const main = spawn(async () => {
      shutdown.cancel();
      tracker.close();
      await tracker.wait({ signal: AbortSignal.timeout(2_000) });
    });
    await main;
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
