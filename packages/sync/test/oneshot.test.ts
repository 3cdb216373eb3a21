import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { oneshot, RecvError, SendError, TryRecvError } from '@rt/sync';

describe('oneshot', () => {
  it('delivers one value to an awaiting receiver', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const r = track(rx);
    await settle();
    expect(r.isPending()).toBe(true);
    tx.send(42);
    expect(await r.promise).toBe(42);
    expect(rx.isClosed).toBe(true);
  });

  it('keeps a value sent before the receiver awaits', async () => {
    const [tx, rx] = oneshot.channel<string>();
    tx.send('early');
    expect(await rx).toBe('early');
    await expect(rx.recv()).rejects.toBeInstanceOf(RecvError);
  });

  it('rejects the receiver with RecvError when the sender closes without sending', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const r = rx.recv();
    {
      using _tx = tx;
    }
    await expect(r).rejects.toBeInstanceOf(RecvError);
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
  });

  it('send throws SendError with the value when the receiver is closed, and closed() resolves', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const closed = track(tx.closed());
    await settle();
    expect(closed.isPending()).toBe(true);
    rx.close();
    await closed.promise;
    expect(tx.isClosed).toBe(true);
    let error: unknown;
    try { tx.send(5); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<number>).value).toBe(5);
  });

  it('tryRecv reports Empty then returns the value', () => {
    const [tx, rx] = oneshot.channel<number>();
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Empty'); }
    tx.send(1);
    expect(rx.tryRecv()).toBe(1);
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Disconnected'); }
  });

  it('a second send fails', () => {
    const [tx] = oneshot.channel<number>();
    tx.send(1);
    expect(() => tx.send(2)).toThrow(SendError);
  });

  it('an aborted recv leaves the value for the next recv', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const ac = new AbortController();
    const r = rx.recv({ signal: ac.signal });
    ac.abort();
    tx.send(3);
    await expect(r).rejects.toBeInstanceOf(Cancelled);
    expect(await rx).toBe(3);
  });

  it('a recv woken in the same tick as its abort gets the value', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const ac = new AbortController();
    const r = rx.recv({ signal: ac.signal });
    tx.send(3);
    ac.abort();
    expect(await r).toBe(3);
  });

  it('gives the value to one of two concurrent recv() calls and RecvError to the other', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const a = rx.recv();
    const b = rx.recv().catch((e: unknown) => e);
    tx.send(1);
    expect(await a).toBe(1);
    expect(await b).toBeInstanceOf(RecvError);
  });
});
