// Review rv26 of pass pp26's oneshot change: Sender.send's usual case (flags === PARKED) and the
// receiver's wait lists moved to a WeakMap (HAS_LISTS). The states beside the usual one, where
// send must take the old path: a closed() wait listed, list receives, closed halves.
import { Builder } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { oneshot, RecvError, SendError, TryRecvError } from '@rt/sync';

describe('oneshot send beside its usual case (review rv26)', () => {
  it('a parked receive and a parked Sender.closed(): send delivers the value and leaves closed() parked until the receiver closes', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const closed = track(tx.closed()); // the receiver's lists are made: not the usual case
    const r = track(rx.recv());
    await settle();
    tx.send(5);
    expect(await r.promise).toBe(5);
    await settle();
    expect(closed.isPending()).toBe(true);
    expect(() => tx.send(6)).toThrow(SendError);
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
    await expect(rx.recv()).rejects.toThrow(RecvError);
    rx.close();
    await closed.promise;
    expect(tx.isClosed).toBe(true);
  });

  it('after the usual send: close and dispose are no-ops, a second send fails, receives see the value taken', async () => {
    const [tx, rx] = oneshot.channel<{ n: number }>();
    const r = track(rx);
    await settle();
    const value = { n: 1 };
    tx.send(value);
    expect(await r.promise).toBe(value);
    tx.close();
    tx[Symbol.dispose]();
    let error: unknown;
    try {
      tx.send({ n: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<{ n: number }>).value).toEqual({ n: 2 });
    expect(rx.isClosed).toBe(true);
    expect(tx.isClosed).toBe(false);
    await expect(rx.recv()).rejects.toThrow(/already received/);
    expect(() => rx.tryRecv()).toThrow(expect.objectContaining({ kind: 'Disconnected' }));
  });

  it('the usual send in a task, the receive parked in another: the receive leaves its task list (dump shows nothing parked)', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(async () => await rx);
      await settle();
      expect(runtime.dump().tasks.find((t) => t.id === task.id)!.waitingOn).toEqual(['oneshot.Receiver.recv']);
      tx.send(9);
      expect(runtime.dump().tasks.flatMap((t) => t.waitingOn)).toEqual([]);
      expect(await task).toBe(9);
    });
    await runtime.shutdown();
  });

  it('a value whose `then` getter sends again or reads the channel during the usual send sees the sender used', async () => {
    const [tx, rx] = oneshot.channel<unknown>();
    const r = track(rx.recv());
    await settle();
    const seen: string[] = [];
    const value = {
      get then(): undefined {
        try {
          tx.send('again');
        } catch (error) {
          seen.push(error instanceof SendError ? 'send: SendError' : String(error));
        }
        return undefined;
      },
    };
    tx.send(value);
    expect(await r.promise).toBe(value);
    expect(seen).toEqual(['send: SendError']);
    await expect(rx.recv()).rejects.toThrow(/already received/);
  });

  it('a receive aborted by its signal, then a receive without options parked on the state: send delivers to it, not the aborted one', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const aborted = rx.recv({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await aborted).toMatchObject({
      name: expect.stringMatching(/Cancel/),
    });
    const r = track(rx.recv()); // lists exist (HAS_LISTS), the list is empty: parks on the state
    await settle();
    tx.send(4);
    expect(await r.promise).toBe(4);
  });
});
