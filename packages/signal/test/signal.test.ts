/**
 * @jest-environment ./packages/signal/test/real-process-environment.cjs
 */
import { Cancelled, Handle, isCancelled, spawn } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { Signal, signal } from '@rt/signal';

// Self-signals: SIGUSR2, SIGHUP and SIGWINCH (SIGUSR1 belongs to Node's inspector; SIGINT and
// SIGTERM are tested in child processes, see ctrl-c.test.ts and signal-process.test.ts).
// `raise` is the deterministic hook: it resolves once Node has emitted the signal, that is
// once every listener, rt's included, has run.
function raise(name: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    process.once(name, () => resolve());
    process.kill(process.pid, name);
  });
}

describe('Signal', () => {
  it('resolves recv with the kind on the next delivery', async () => {
    using user2 = signal('user2');
    const received = track(user2.recv());
    await settle();
    expect(received.isPending()).toBe(true);
    await raise('SIGUSR2');
    await expect(received.promise).resolves.toBe('user2');
  });

  it('coalesces deliveries made while nobody receives into one pending delivery', async () => {
    using hangup = signal('hangup');
    await raise('SIGHUP');
    await raise('SIGHUP');
    await raise('SIGHUP');
    await expect(hangup.recv()).resolves.toBe('hangup');
    expect(hangup.tryRecv()).toBe(false);
    const next = track(hangup.recv());
    await settle();
    expect(next.isPending()).toBe(true);
    await raise('SIGHUP');
    await expect(next.promise).resolves.toBe('hangup');
  });

  it('lets each stream see every delivery made after it was created, and none before', async () => {
    using first = signal('windowChange');
    await raise('SIGWINCH');
    using second = new Signal('windowChange');
    expect(second.tryRecv()).toBe(false);
    expect(first.tryRecv()).toBe(true);
    await raise('SIGWINCH');
    expect(first.tryRecv()).toBe(true);
    expect(second.tryRecv()).toBe(true);
    expect(first.tryRecv()).toBe(false);
    expect(second.tryRecv()).toBe(false);
  });

  it('wakes one waiting recv per delivery, oldest first', async () => {
    using user2 = signal('user2');
    const a = track(user2.recv());
    const b = track(user2.recv());
    await settle();
    await raise('SIGUSR2');
    await settle();
    expect(a.isResolved()).toBe(true);
    expect(b.isPending()).toBe(true);
    await raise('SIGUSR2');
    await expect(b.promise).resolves.toBe('user2');
    expect(user2.tryRecv()).toBe(false);
  });

  it('tryRecv takes a pending delivery without waiting', async () => {
    using hangup = signal('hangup');
    expect(hangup.tryRecv()).toBe(false);
    await raise('SIGHUP');
    expect(hangup.tryRecv()).toBe(true);
    expect(hangup.tryRecv()).toBe(false);
  });

  it('adds one process listener per kind and removes it when the last stream closes', () => {
    const before = process.listenerCount('SIGHUP');
    const a = signal('hangup');
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    const b = signal('hangup');
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    a.close();
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    b.close();
    expect(process.listenerCount('SIGHUP')).toBe(before);
    b.close(); // idempotent
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('close ends waiting recvs with undefined and later recvs too', async () => {
    const user2 = signal('user2');
    const waiting = track(user2.recv());
    await settle();
    user2.close();
    expect(user2.isClosed).toBe(true);
    await expect(waiting.promise).resolves.toBeUndefined();
    await expect(user2.recv()).resolves.toBeUndefined();
    expect(user2.tryRecv()).toBe(false);
  });

  it('keeps a delivery that was pending when the stream closed, and sees none after', async () => {
    const hangup = signal('hangup');
    await raise('SIGHUP');
    hangup.close();
    await raise('SIGHUP'); // the test's own once-listener keeps SIGHUP's default action away
    await expect(hangup.recv()).resolves.toBe('hangup');
    await expect(hangup.recv()).resolves.toBeUndefined();
  });

  it('stops listening at the end of a using scope', () => {
    const before = process.listenerCount('SIGWINCH');
    {
      using _resize = signal('windowChange');
      expect(process.listenerCount('SIGWINCH')).toBe(before + 1);
    }
    expect(process.listenerCount('SIGWINCH')).toBe(before);
  });

  describe('async iteration', () => {
    it('yields the kind for each delivery and ends when the stream closes', async () => {
      const user2 = signal('user2');
      const seen: string[] = [];
      const loop = (async () => {
        for await (const kind of user2) {
          seen.push(kind);
          if (seen.length === 2) user2.close();
        }
      })();
      await settle();
      await raise('SIGUSR2');
      await settle();
      await raise('SIGUSR2');
      await loop;
      expect(seen).toEqual(['user2', 'user2']);
    });

    it('closes the stream when the loop is left early', async () => {
      const before = process.listenerCount('SIGUSR2');
      const user2 = signal('user2');
      const loop = (async () => {
        for await (const _ of user2) break;
      })();
      await settle();
      await raise('SIGUSR2');
      await loop;
      expect(user2.isClosed).toBe(true);
      expect(process.listenerCount('SIGUSR2')).toBe(before);
    });
  });

  describe('cancellation', () => {
    it('rejects an already aborted recv with Cancelled and keeps the pending delivery', async () => {
      using hangup = signal('hangup');
      await raise('SIGHUP');
      const controller = new AbortController();
      controller.abort('stop');
      const error = await hangup.recv({ signal: controller.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Cancelled);
      expect((error as Cancelled).cause).toBe('stop');
      expect(hangup.tryRecv()).toBe(true);
    });

    it('rejects an already aborted recv with Cancelled when nothing is pending', async () => {
      using hangup = signal('hangup');
      await expect(hangup.recv({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    });

    it('loses no delivery when a waiting recv is aborted: the next delivery stays pending', async () => {
      using user2 = signal('user2');
      const controller = new AbortController();
      const aborted = track(user2.recv({ signal: controller.signal }));
      const other = track(user2.recv());
      await settle();
      controller.abort();
      await settle();
      expect(isCancelled(aborted.error)).toBe(true);
      await raise('SIGUSR2');
      await expect(other.promise).resolves.toBe('user2');
      await raise('SIGUSR2');
      await expect(user2.recv()).resolves.toBe('user2');
    });

    it('delivers to a recv woken before its abort: the wake wins', async () => {
      using user2 = signal('user2');
      const controller = new AbortController();
      const received = track(user2.recv({ signal: controller.signal }));
      await settle();
      await new Promise<void>((resolve) => {
        process.once('SIGUSR2', () => {
          controller.abort(); // rt's listener ran first and woke the recv
          resolve();
        });
        process.kill(process.pid, 'SIGUSR2');
      });
      await expect(received.promise).resolves.toBe('user2');
      expect(user2.tryRecv()).toBe(false);
    });

    it('cancels a recv when its task is aborted, shows it in dump() meanwhile, and loses nothing', async () => {
      using hangup = signal('hangup');
      const handle = spawn(async () => hangup.recv(), { name: 'waits-for-hangup' });
      await settle();
      const entry = Handle.current().dump().tasks.find((task) => task.id === handle.id);
      expect(entry?.state).toBe('waiting');
      expect(entry?.waitingOn).toEqual(['signal.recv']);
      handle.abort();
      await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
      await raise('SIGHUP');
      expect(hangup.tryRecv()).toBe(true);
    });

    it('rejects malformed options with a TypeError', async () => {
      using hangup = signal('hangup');
      await expect(hangup.recv({ signal: 'soon' as unknown as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    });
  });
});

describe('Signal.recv of a pending delivery with the budget spent (the retry after a forced yield)', () => {
  it('yields a turn first, then takes the delivery exactly once', async () => {
    using user2 = signal('user2');
    await raise('SIGUSR2');
    const { value: kind, order } = await afterBudgetSpent(() => user2.recv());
    expect(kind).toBe('user2');
    expect(order).toEqual(['immediate', 'op']);
    expect(user2.tryRecv()).toBe(false);
  });
});
