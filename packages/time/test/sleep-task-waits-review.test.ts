// Review rv27 (of pass pl26, since reverted: scheduler README): Sleeps and a TimerGroup among a
// task's other waits (a Sleep joins a group only when the newest still-parked wait is a Sleep or
// that group; the group in the middle of the task's waits; back to one wait; abort cancels all).
import { Builder, Cancelled, park } from '@rt/scheduler';
import type { Runtime, Waiter } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep } from '@rt/time';

function waitingOn(runtime: Runtime, id: number): string[] {
  return [...(runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [])];
}
function timers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['waitingTimers'] ?? 0);
}

describe('sleeps among a task\'s other waits (review rv27)', () => {
  it('a group in the middle of the set, members firing, back to one wait, abort cancels the rest', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      const results: string[] = [];
      const note = (name: string) => [() => results.push(`${name} woke`), (e: unknown) => results.push(`${name} ${e instanceof Cancelled ? 'cancelled' : 'other'}`)] as const;
      let w: Waiter<void> | undefined;
      const task = runtime.spawn(async () => {
        sleep(10).then(...note('s10')); // own entry
        const parked = park<void>('other', () => results.push('other cancelled'));
        w = parked.waiter;
        void parked.promise.catch(() => {});
        sleep(20).then(...note('s20')); // newest is 'other': own entry
        sleep(30).then(...note('s30')); // newest is s20: a group
        await new Promise(() => {});
      });
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep', 'other', 'time.sleep']);
      w!.wake();
      expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep', 'time.sleep']);
      await runtime.run(() => advance(10));
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep']);
      await runtime.run(() => advance(10));
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['time.sleep']);
      expect(results).toEqual(['s10 woke', 's20 woke']);
      task.abort();
      await settle(2);
      expect(results).toEqual(['s10 woke', 's20 woke', 's30 cancelled']);
      expect(timers(runtime)).toBe(0);
    } finally {
      await runtime.shutdown();
    }
  });
});
