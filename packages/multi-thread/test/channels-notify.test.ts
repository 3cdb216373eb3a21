import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';
import { runProgram } from './support/run-program.js';

describe('Notify (cross-thread)', () => {
  it('notifyOne wakes a waiter', async () => {
    const notify = new shared.Notify();
    const waiting = track(notify.notified().wait());
    await settle(2);
    expect(waiting.isPending()).toBe(true);
    notify.notifyOne();
    await waiting.promise;
  });

  it('stores one permit when nobody waits, however many calls', async () => {
    const notify = new shared.Notify();
    notify.notifyOne();
    notify.notifyOne();
    await notify.notified();
    const second = track(notify.notified().wait());
    await settle(3);
    expect(second.isPending()).toBe(true);
    notify.notifyOne();
    await second.promise;
  });

  it('two notifyOne calls wake two waiters', async () => {
    const notify = new shared.Notify();
    const a = notify.notified().wait();
    const b = notify.notified().wait();
    notify.notifyOne();
    notify.notifyOne();
    await Promise.all([a, b]);
  });

  it('notifyWaiters wakes every waiter, including one created but not yet awaited, and stores no permit', async () => {
    const notify = new shared.Notify();
    const a = notify.notified().wait();
    const created = notify.notified();
    notify.notifyWaiters();
    await a;
    await created;
    const later = track(notify.notified().wait());
    await settle(3);
    expect(later.isPending()).toBe(true);
    notify.notifyOne();
    await later.promise;
  });

  it('enable() registers before a condition check, so a notification in between is not missed', async () => {
    const notify = new shared.Notify();
    const notified = notify.notified();
    expect(notified.enable()).toBe(false);
    notify.notifyOne();
    await notified;
  });

  it('an aborted wait consumes nothing: the notification goes to the next waiter', async () => {
    const notify = new shared.Notify();
    const controller = new AbortController();
    const aborted = notify.notified({ signal: controller.signal }).wait();
    const other = notify.notified().wait();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    notify.notifyOne();
    await other;
  });

  it('a Notified disposed after receiving notifyOne passes it on', async () => {
    const notify = new shared.Notify();
    {
      using first = notify.notified();
      first.enable();
      notify.notifyOne();
      await settle(3);
    }
    await notify.notified();
  });

  it('a transferred handle notifies the same waiters', async () => {
    const notify = new shared.Notify();
    const { other } = decodeTransferables(structuredClone(encodeTransferables({ other: notify }))) as { other: shared.Notify };
    const waiting = notify.notified().wait();
    other.notifyOne();
    await waiting;
  });
});

// A wait holds the thread's event loop open only while something awaits it (retainThread). An
// `enable()` nobody awaited kept a program alive for ever (found by the lead: a jest worker that
// never exited after `channels-timeout-elapsed.test.ts`, whose spec ends on such an `enable()`).
describe('Notify (cross-thread): what holds the event loop open', () => {
  it('a Notified registered with enable() and never awaited does not keep the program alive', async () => {
    const { code, out, err } = await runProgram('notify-enable-exit.mjs', ['enabled'], 10_000);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('enable: false\n');
  });

  it('the same Notified, once awaited, keeps the program alive until another thread notifies it', async () => {
    const { code, out, err } = await runProgram('notify-enable-exit.mjs', ['awaited'], 10_000);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('enable: false\nwoken\n');
  });
});
