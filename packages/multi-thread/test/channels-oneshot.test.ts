import { Cancelled } from '@rt/scheduler';
import { afterBudgetSpent, settle, track } from '@rt/scheduler/testing';
import { RecvError, SendError, TryRecvError } from '@rt/sync';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';

describe('oneshot.channel (cross-thread)', () => {
  it('delivers one structured-cloned value, awaitable', async () => {
    const [tx, rx] = shared.oneshot.channel<{ n: number }>();
    const value = { n: 1 };
    const pending = track(rx.recv());
    await settle(2);
    expect(pending.isPending()).toBe(true);
    tx.send(value);
    const got = await pending.promise;
    expect(got).toEqual({ n: 1 });
    expect(got).not.toBe(value);
    expect(rx.isClosed).toBe(true);
    await expect(rx.recv()).rejects.toBeInstanceOf(RecvError);
  });

  it('a value sent before the receive is there at once; await works on the receiver', async () => {
    const [tx, rx] = shared.oneshot.channel<string>();
    tx.send('ready');
    expect(await rx).toBe('ready');
  });

  it('rejects with RecvError when the sender closes without sending', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const r = rx.recv();
    tx.close();
    await expect(r).rejects.toBeInstanceOf(RecvError);
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
  });

  it('send fails with SendError and the value once the receiver is closed, and closed() resolves', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const closed = tx.closed();
    rx.close();
    await closed;
    expect(tx.isClosed).toBe(true);
    let error: unknown;
    try { tx.send(3); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<number>).value).toBe(3);
  });

  it('sends at most once', () => {
    const [tx] = shared.oneshot.channel<number>();
    tx.send(1);
    expect(() => tx.send(2)).toThrow(SendError);
  });

  it('tryRecv reports Empty before the send and takes the value after', () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    let error: unknown;
    try { rx.tryRecv(); } catch (e) { error = e; }
    expect((error as TryRecvError).kind).toBe('Empty');
    tx.send(8);
    expect(rx.tryRecv()).toBe(8);
    try { rx.tryRecv(); } catch (e) { error = e; }
    expect((error as TryRecvError).kind).toBe('Disconnected');
  });

  it('an aborted recv leaves the value for the next one', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const controller = new AbortController();
    const r = rx.recv({ signal: controller.signal });
    await settle(2);
    controller.abort();
    await expect(r).rejects.toBeInstanceOf(Cancelled);
    tx.send(5);
    expect(await rx.recv()).toBe(5);
  });

  it('moves both ends through encode/decodeTransferables; the old handles are unusable', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const { reply, answer } = decodeTransferables(structuredClone(encodeTransferables({ reply: tx, answer: rx }))) as {
      reply: shared.oneshot.Sender<number>;
      answer: shared.oneshot.Receiver<number>;
    };
    expect(() => tx.send(1)).toThrow(SendError);
    await expect(rx.recv()).rejects.toThrow(/moved/);
    reply.send(42);
    expect(await answer).toBe(42);
  });

  it('refuses a value larger than maxBytes with a RangeError', () => {
    const [tx] = shared.oneshot.channel<Uint8Array>({ maxBytes: 1024 });
    expect(() => tx.send(new Uint8Array(4096))).toThrow(RangeError);
    expect(() => shared.oneshot.channel({ maxBytes: 1 })).toThrow(RangeError);
  });
});

describe('oneshot (cross-thread) recv of a sent value with the budget spent (the retry after a forced yield)', () => {
  it('yields a turn first, then receives the value exactly once', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    tx.send(42);
    const { value, order } = await afterBudgetSpent(() => rx.recv());
    expect(value).toBe(42);
    expect(order).toEqual(['immediate', 'op']);
    await expect(rx.recv()).rejects.toBeInstanceOf(RecvError);
  });
});
