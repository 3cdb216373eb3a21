import { Builder, Cancelled } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { advance } from '@rt/time';
import { mpsc, SendTimeoutError } from '@rt/sync';

function paused(): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(false).build();
}

describe('mpsc.Sender.sendTimeout', () => {
  it('sends at once when there is capacity', async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    await tx.sendTimeout(1, 10);
    expect(rx.tryRecv()).toBe(1);
  });

  it('times out on a full channel and hands the value back, leaving the channel as it was', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const [tx, rx] = mpsc.channel<string>(1);
      await tx.send('first');
      const attempt = track(tx.sendTimeout('second', 100));
      await advance(99);
      expect(attempt.isPending()).toBe(true);
      await advance(1);
      await settle();
      expect(attempt.error).toBeInstanceOf(SendTimeoutError);
      expect((attempt.error as SendTimeoutError<string>).kind).toBe('Timeout');
      expect((attempt.error as SendTimeoutError<string>).value).toBe('second');
      expect((attempt.error as SendTimeoutError<string>).code).toBe('ERR_RT_TIMEOUT');
      expect(rx.tryRecv()).toBe('first');
      expect(rx.isEmpty).toBe(true);
      expect(tx.capacity).toBe(1);
    });
    await runtime.shutdown();
  });

  it('completes when capacity frees up before the deadline', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(1);
      const attempt = track(tx.sendTimeout(2, 100));
      await advance(50);
      expect(rx.tryRecv()).toBe(1);
      await attempt.promise;
      expect(rx.tryRecv()).toBe(2);
      await advance(100); // the timer was removed: nothing fires
    });
    await runtime.shutdown();
  });

  it('reports Closed when the receiver closes while waiting', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(1);
      const attempt = track(tx.sendTimeout(2, 100));
      await settle();
      rx.close();
      await settle();
      expect((attempt.error as SendTimeoutError<number>).kind).toBe('Closed');
      expect((attempt.error as SendTimeoutError<number>).value).toBe(2);
    });
    await runtime.shutdown();
  });

  it('rejects with Cancelled, not a timeout, when its own signal aborts', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const [tx] = mpsc.channel<number>(1);
      await tx.send(1);
      const ac = new AbortController();
      const attempt = tx.sendTimeout(2, 100, { signal: ac.signal });
      ac.abort();
      await expect(attempt).rejects.toBeInstanceOf(Cancelled);
    });
    await runtime.shutdown();
  });

  it('rejects a bad duration with a RangeError', () => {
    const [tx] = mpsc.channel<number>(1);
    expect(() => tx.sendTimeout(1, -1)).toThrow(RangeError);
    expect(() => tx.sendTimeout(1, Number.NaN)).toThrow(/ms/);
  });
});
