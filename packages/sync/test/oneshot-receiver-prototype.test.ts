import { Builder, type JoinError } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { thenParksOwnWait } from '@rt/scheduler/primitives';
import { timeout } from '@rt/time';
import { giveBack } from '@rt/time/primitives';
import { oneshot, RecvError, TryRecvError } from '@rt/sync';

// Issue 16, pass pp30: every `await rx` looks `then` up with the engine's uncached look-up, which
// scans a prototype of at most eight properties and binary-searches a larger one. So `then` sits on
// a short `Receiver.prototype`, the receiver's other methods and markers one prototype further.
describe('oneshot.Receiver.prototype', () => {
  it('owns `then` among at most eight properties', () => {
    const own = Reflect.ownKeys(oneshot.Receiver.prototype);
    expect(own).toContain('then');
    expect(own.length).toBeLessThanOrEqual(8);
  });

  it('still gives every receiver its methods and markers', async () => {
    const [tx, rx] = oneshot.channel<number>();
    expect(rx).toBeInstanceOf(oneshot.Receiver);
    expect(Object.getPrototypeOf(rx)).toBe(oneshot.Receiver.prototype);
    for (const name of ['then', 'catch', 'recv', 'tryRecv', 'close'] as const) expect(typeof rx[name]).toBe('function');
    expect(typeof rx[Symbol.dispose]).toBe('function');
    expect((rx as { [thenParksOwnWait]?: boolean })[thenParksOwnWait]).toBe(true);
    expect(typeof (rx as { [giveBack]?: unknown })[giveBack]).toBe('function');
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
    expect(rx.isClosed).toBe(false);
    tx.send(7);
    expect(await rx).toBe(7);
    expect(rx.isClosed).toBe(true);
    await expect(rx.catch(() => 'caught')).resolves.toBe('caught');
    const [tx2, rx2] = oneshot.channel<number>();
    rx2.close();
    expect(tx2.isClosed).toBe(true);
    await expect(rx2).rejects.toBeInstanceOf(RecvError);
  });

  it('keeps `await rx` and `timeout(ms, rx)` in a task as they were', async () => {
    const runtime = Builder.currentThread().build();
    try {
      await runtime.run(async () => {
        const [tx, rx] = oneshot.channel<string>();
        const waiting = timeout(10_000, rx);
        tx.send('sent');
        expect(await waiting).toBe('sent');
        const [tx2, rx2] = oneshot.channel<string>();
        const handle = runtime.spawn(async () => await rx2);
        await settle();
        expect(runtime.dump().tasks.find((t) => t.id === handle.id)!.waitingOn).toEqual(['oneshot.Receiver.recv']);
        handle.abort();
        const error = await handle.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as JoinError).isCancelled()).toBe(true);
        tx2.send('later');
        expect(await rx2).toBe('later');
      });
    } finally {
      await runtime.shutdown();
    }
  });
});
