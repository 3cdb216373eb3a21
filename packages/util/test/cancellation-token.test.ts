import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { CancellationToken } from '@rt/util';

describe('CancellationToken', () => {
  it('starts uncancelled; cancel() latches once and keeps the first reason', () => {
    const token = new CancellationToken();
    expect(token.isCancelled).toBe(false);
    token.cancel('first');
    token.cancel('second');
    expect(token.isCancelled).toBe(true);
    expect(token.reason).toBe('first');
  });

  it('cancelled() waits for cancel() and resolves at once afterwards', async () => {
    const token = new CancellationToken();
    const waiting = track(token.cancelled());
    await settle();
    expect(waiting.isPending()).toBe(true);
    token.cancel();
    await settle();
    expect(waiting.isResolved()).toBe(true);
    await expect(token.cancelled()).resolves.toBeUndefined();
  });

  it('an aborted cancelled() rejects with Cancelled and leaves the token untouched (cancel safe)', async () => {
    const token = new CancellationToken();
    const controller = new AbortController();
    const aborted = track(token.cancelled({ signal: controller.signal }));
    const other = track(token.cancelled());
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    expect(token.isCancelled).toBe(false);
    token.cancel();
    await settle();
    expect(other.isResolved()).toBe(true);
  });

  it('aborting the task that waits rejects its wait only', async () => {
    const token = new CancellationToken();
    const handle = spawn(() => token.cancelled());
    await settle();
    handle.abort();
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(token.isCancelled).toBe(false);
  });

  it('cancels children and grandchildren with the parent, never the parent with a child', async () => {
    const root = new CancellationToken();
    const child = root.childToken();
    const sibling = root.childToken();
    const grandchild = child.childToken();
    const waiting = track(grandchild.cancelled());
    child.cancel();
    expect(root.isCancelled).toBe(false);
    expect(sibling.isCancelled).toBe(false);
    expect(grandchild.isCancelled).toBe(true);
    await settle();
    expect(waiting.isResolved()).toBe(true);
    root.cancel('stop');
    expect(sibling.isCancelled).toBe(true);
    expect(sibling.reason).toBe('stop');
    expect(root.childToken().isCancelled).toBe(true);
  });

  it('marks the whole subtree before any listener runs', () => {
    const root = new CancellationToken();
    const a = root.childToken();
    const b = root.childToken();
    const seen: boolean[] = [];
    a.signal.addEventListener('abort', () => seen.push(b.isCancelled, root.isCancelled));
    b.signal.addEventListener('abort', () => seen.push(a.isCancelled));
    root.cancel();
    expect(seen).toEqual([true, true, true]);
  });

  it('signal is an AbortSignal view with the cancel reason, also when made after cancel()', () => {
    const token = new CancellationToken();
    const signal = token.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(token.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    token.cancel(new Error('bye'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('bye');
    const late = new CancellationToken();
    late.cancel();
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as DOMException).name).toBe('AbortError');
  });

  it('signal cancels an rt wait that was given { signal: token.signal }', async () => {
    const token = new CancellationToken();
    const other = new CancellationToken();
    const waiting = track(other.cancelled({ signal: token.signal }));
    token.cancel();
    await settle();
    expect(waiting.error).toBeInstanceOf(Cancelled);
  });

  it('dropGuard() cancels at scope exit, unless disarmed', () => {
    const token = new CancellationToken();
    {
      using guard = token.dropGuard();
      expect(guard.isArmed).toBe(true);
      expect(token.isCancelled).toBe(false);
    }
    expect(token.isCancelled).toBe(true);
    const kept = new CancellationToken();
    {
      using guard = kept.dropGuard();
      expect(guard.disarm()).toBe(kept);
      expect(() => guard.disarm()).toThrow(TypeError);
    }
    expect(kept.isCancelled).toBe(false);
  });

  it('cancels a chain of 100,000 descendants without deep recursion', () => {
    const root = new CancellationToken();
    let leaf = root;
    for (let i = 0; i < 100_000; i++) leaf = leaf.childToken();
    root.cancel();
    expect(leaf.isCancelled).toBe(true);
  });

  describe('runUntilCancelled', () => {
    it('resolves with the work when it finishes first', async () => {
      const token = new CancellationToken();
      await expect(token.runUntilCancelled(async () => 7)).resolves.toBe(7);
      await expect(token.runUntilCancelled(() => 'sync')).resolves.toBe('sync');
    });

    it('resolves undefined at cancel, without waiting for the work, and aborts its signal', async () => {
      const token = new CancellationToken();
      let workSignal: AbortSignal | undefined;
      const never = new Promise<number>(() => {});
      const running = track(
        token.runUntilCancelled((signal) => {
          workSignal = signal;
          return never;
        }),
      );
      await settle();
      expect(running.isPending()).toBe(true);
      token.cancel();
      await settle();
      expect(running.isResolved()).toBe(true);
      expect(running.value).toBeUndefined();
      expect(workSignal?.aborted).toBe(true);
    });

    it('does not call fn on a cancelled token, and ignores a late rejection', async () => {
      const token = new CancellationToken();
      token.cancel();
      const fn = jest.fn(() => 1);
      await expect(token.runUntilCancelled(fn)).resolves.toBeUndefined();
      expect(fn).not.toHaveBeenCalled();
      const other = new CancellationToken();
      let fail!: (error: Error) => void;
      const result = other.runUntilCancelled(() => new Promise<number>((_, reject) => (fail = reject)));
      other.cancel();
      await expect(result).resolves.toBeUndefined();
      fail(new Error('late'));
      await settle();
    });

    it('passes the work error through, and rejects a bad fn at once', async () => {
      const token = new CancellationToken();
      await expect(token.runUntilCancelled(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(
        token.runUntilCancelled(() => {
          throw new Error('sync boom');
        }),
      ).rejects.toThrow('sync boom');
      await expect(token.runUntilCancelled(42 as never)).rejects.toThrow(TypeError);
    });

    it('aborted by options.signal: rejects with Cancelled, aborts the work signal, token unchanged', async () => {
      const token = new CancellationToken();
      const controller = new AbortController();
      let workSignal: AbortSignal | undefined;
      const running = track(
        token.runUntilCancelled(
          (signal) => {
            workSignal = signal;
            return new Promise<void>(() => {});
          },
          { signal: controller.signal },
        ),
      );
      controller.abort();
      await settle();
      expect(running.error).toBeInstanceOf(Cancelled);
      expect(workSignal?.aborted).toBe(true);
      expect(token.isCancelled).toBe(false);
    });
  });
});
