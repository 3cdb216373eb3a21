// Pass mt29: `timeout(ms, handle)` around a JoinHandle whose task is still running, when the
// deadline wins. A JoinHandle is marked `thenParksOwnWait` (each `then` from inside a task is a
// join of its own): `timeout` ends that join, as Tokio's timeout drops the `JoinHandle` future's
// poll, so it leaves the awaiting task's waits and the joined task's joins; the task's result
// stays for later joins. Before, every elapsed `timeout(ms, handle)` left its join parked in the
// awaiting task until the joined task finished: a supervisor checking a long-running task with
// `timeout(1000, handle)` in a loop grew by one wait (~1.7 KB) per check.
import { Builder, type Runtime } from '@rt/scheduler';
import { WaitList, parkSimple } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';

/** Never woken: a task parked on it lives on until aborted. */
const forever = new WaitList<void>();
const parkForever = (): Promise<void> => parkSimple(forever, 'test.forever', undefined);

function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}

describe('timeout(ms, handle) around the JoinHandle of a running task, when the deadline wins', () => {
  it('ends the join: it leaves the awaiting task, and a later join (a retry) gets the result', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      let finish!: () => void;
      const worker = runtime.spawn(async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return 42;
      });
      const checker = runtime.spawn(async () => {
        await expect(timeout(100, worker)).rejects.toBeInstanceOf(Elapsed);
        expect(waitingOn(runtime, checker.id)).toEqual([]);
        return await worker; // the retry
      });
      await settle(2);
      expect(waitingOn(runtime, checker.id)).toEqual([`JoinHandle(task ${worker.id})`, 'time.timeout']);
      await runtime.run(() => advance(100));
      await settle(2);
      // Waiting on its retry only (before: the elapsed join as well).
      expect(waitingOn(runtime, checker.id)).toEqual([`JoinHandle(task ${worker.id})`]);
      finish();
      await expect(Promise.resolve(checker)).resolves.toBe(42);
    } finally {
      await runtime.shutdown();
    }
  });

  it('a supervisor checking a running task 2,000 times with timeout(ms, handle) keeps no wait per check', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    try {
      const worker = runtime.spawn(parkForever);
      let elapsed = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const supervisor = runtime.spawn(async () => {
        for (let i = 0; i < 2_000; i++) {
          try {
            await timeout(1_000, worker);
          } catch (error) {
            if (error instanceof Elapsed) elapsed++;
          }
        }
        done();
        await parkForever();
      });
      await finished;
      await settle(2);
      expect(elapsed).toBe(2_000);
      // Before: 2,000 × `JoinHandle(task …)` as well.
      expect(waitingOn(runtime, supervisor.id)).toEqual(['test.forever']);
      worker.abort();
      supervisor.abort();
      await expect(Promise.resolve(supervisor)).rejects.toThrow();
    } finally {
      await runtime.shutdown();
    }
  });

  it('on an instrumented runtime too (JoinHandle.then is an accessor there)', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).instrument().build();
    try {
      const worker = runtime.spawn(parkForever);
      const checker = runtime.spawn(async () => {
        await expect(timeout(100, worker)).rejects.toBeInstanceOf(Elapsed);
        await parkForever();
      });
      await settle(2);
      await runtime.run(() => advance(100));
      await settle(2);
      expect(waitingOn(runtime, checker.id)).toEqual(['test.forever']);
      worker.abort();
      checker.abort();
      await expect(Promise.resolve(checker)).rejects.toThrow();
    } finally {
      await runtime.shutdown();
    }
  });

  it('a finished task: timeout(ms, handle) resolves with its result (no join parked)', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      const worker = runtime.spawn(() => 'done');
      await settle(2);
      await expect(runtime.run(() => timeout(100, worker))).resolves.toBe('done');
    } finally {
      await runtime.shutdown();
    }
  });
});
