// A task with two waits parked at once, the usual pair: `timeout(ms, rx)` around a oneshot receive
// (the receive's entry and the timer's). Pass sl28 keeps a task's second wait apart from its first
// (the scheduler README); these hold on every design of the task's list: both waits listed, an
// abort cancels both (no timer left), a send or the deadline ends the pair and the task parks
// again, and a finished task's value survives the waits it left behind.
import { Builder, Cancelled, spawn, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { oneshot } from '@rt/sync';
import { advance, timeout } from '@rt/time';

function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}
function timers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['waitingTimers'] ?? 0);
}

describe('timeout(ms, rx) in a task: two waits at once', () => {
  it('lists both; an abort cancels both and leaves no timer; the sender sees the receiver gone', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(() => timeout(10_000, rx));
      await settle(2);
      expect(waitingOn(runtime, task.id).length).toBe(2);
      expect(timers(runtime)).toBe(1);
      task.abort();
      await expect(Promise.resolve(task)).rejects.toThrow();
      expect(timers(runtime)).toBe(0);
      void tx;
    } finally {
      await runtime.shutdown();
    }
  });

  it('a send, then the deadline, many times in one task: each pair ends, an elapsed receive (the promise form) stays parked until its send, an abort cancels the rest', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      const senders: oneshot.Sender<number>[] = [];
      const outcomes: string[] = [];
      let step!: () => void;
      const task = runtime.spawn(async () => {
        for (;;) {
          const [tx, rx] = oneshot.channel<number>();
          senders.push(tx);
          try {
            // The promise form: `timeout(100, rx)` now ends its receive when the deadline wins (pass
            // lk28, timeout-elapsed-wait.test.ts); a promise cannot be stopped, so this one stays.
            outcomes.push(`value ${await timeout(100, rx.recv())}`);
          } catch (error) {
            outcomes.push(error instanceof Cancelled ? 'cancelled' : 'elapsed');
            if (error instanceof Cancelled) throw error;
          }
          step();
        }
      });
      // (A receive whose timeout elapsed is still parked: its receiver lives on, a send still reaches it.)
      const pair = ['time.timeout', 'oneshot.Receiver.recv'];
      let elapsed = 0;
      for (let round = 0; round < 20; round++) {
        await settle(2);
        expect(waitingOn(runtime, task.id)).toEqual([...pair, ...Array(elapsed).fill('oneshot.Receiver.recv')]);
        const stepped = new Promise<void>((resolve) => (step = resolve));
        if (round % 2 === 0) senders[round]!.send(round);
        else {
          await runtime.run(() => advance(100));
          elapsed++;
        }
        await stepped;
      }
      await settle(2);
      // The elapsed receives end from the middle, the oldest, the newest.
      for (const round of [9, 1, 19, 5, 3]) {
        senders[round]!.send(round);
        elapsed--;
        expect(waitingOn(runtime, task.id)).toEqual([...pair, ...Array(elapsed).fill('oneshot.Receiver.recv')]);
      }
      task.abort();
      await expect(Promise.resolve(task)).rejects.toThrow();
      expect(waitingOn(runtime, task.id)).toEqual([]);
      expect(timers(runtime)).toBe(0);
      expect(outcomes.slice(0, 4)).toEqual(['value 0', 'elapsed', 'value 2', 'elapsed']);
      expect(outcomes.at(-1)).toBe('cancelled');
    } finally {
      await runtime.shutdown();
    }
  });

  it('a task that finishes with two or three receives still parked keeps its value (undefined, an array, an object) when they end later', async () => {
    for (const n of [2, 3, 10]) {
      for (const value of [undefined, ['list'], { v: 1 }]) {
        const channels = Array.from({ length: n }, () => oneshot.channel<number>());
        const handle = spawn(async () => {
          for (const [, rx] of channels) void rx.recv().catch(() => {});
          return value;
        });
        expect(await handle).toBe(value);
        // End them in an order of their own: the newest, the oldest, the rest.
        const order = [n - 1, 0, ...Array.from({ length: n - 2 }, (_, i) => i + 1)];
        for (const i of order) channels[i]![0].send(i);
        await settle(2);
        expect(await handle).toBe(value);
      }
    }
  });
});
