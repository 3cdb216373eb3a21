import { Builder, Cancelled, type JoinError } from '@rt/scheduler';
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

// A receive without options parks on the channel's own state (no node, no waiter record); these
// pin that it keeps every promise of a parked receive: abortable, listed by dump(), FIFO with
// receives that park a node, cancel safe.
describe("oneshot receive parked on the channel's own state", () => {
  it('an abort of the parked task rejects it with Cancelled and the value stays for the next receive', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(async () => await rx.recv());
      await settle();
      expect(runtime.dump().tasks.find((t) => t.id === task.id)!.waitingOn).toEqual(['oneshot.Receiver.recv']);
      task.abort();
      const error = await task.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as JoinError).isCancelled()).toBe(true);
      expect(runtime.dump().tasks.flatMap((t) => t.waitingOn)).toEqual([]);
      tx.send(7);
      expect(await rx.recv()).toBe(7);
    });
    await runtime.shutdown();
  });

  it('a task aborted before it calls recv() gets Cancelled, parks nothing, and the value goes to the next receive', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const outcome: string[] = [];
      const task = runtime.spawn(async () => {
        await gate;
        try {
          outcome.push(`received ${await rx.recv()}`);
        } catch (error) {
          outcome.push(error instanceof Cancelled ? 'cancelled' : String(error));
        }
      });
      await settle();
      task.abort();
      open();
      await task;
      expect(outcome).toEqual(['cancelled']);
      expect(runtime.dump().tasks.flatMap((t) => t.waitingOn)).toEqual([]);
      const next = rx.recv();
      tx.send(3);
      expect(await next).toBe(3);
    });
    await runtime.shutdown();
  });

  it('is the oldest receive: a later receive with options parks behind it and gets RecvError', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const first = rx.recv();
    const second = rx.recv({ signal: new AbortController().signal }).catch((e: unknown) => e);
    tx.send(1);
    expect(await first).toBe(1);
    expect(await second).toBeInstanceOf(RecvError);
  });

  it('does not overtake a receive with options parked before it', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const first = rx.recv({ signal: new AbortController().signal });
    const second = rx.recv().catch((e: unknown) => e);
    tx.send(2);
    expect(await first).toBe(2);
    expect(await second).toBeInstanceOf(RecvError);
  });

  it('a sender closed without sending rejects every parked receive with RecvError', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const first = rx.recv().catch((e: unknown) => e);
    const second = rx.recv().catch((e: unknown) => e);
    tx.close();
    expect(await first).toBeInstanceOf(RecvError);
    expect(await second).toBeInstanceOf(RecvError);
    expect(rx.isClosed).toBe(true);
  });

  it('is free again after a receive with a signal was aborted, and after its own was woken', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const ac = new AbortController();
    const aborted = rx.recv({ signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    const r = track(rx.recv());
    await settle();
    expect(r.isPending()).toBe(true);
    tx.send(9);
    expect(await r.promise).toBe(9);
    await expect(rx.recv()).rejects.toBeInstanceOf(RecvError);
  });
});

// Review of the receive parked on the state (rev12): the cases around it that the state's own
// entry must handle as a parked node did.
describe('oneshot receive parked on the state, against a node-parked receive', () => {
  it('outside any task: parks, resolves with the value, and a second recv then gets RecvError', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const first = track(rx.recv());
    await settle();
    expect(first.isPending()).toBe(true);
    tx.send(3);
    expect(await first.promise).toBe(3);
    await expect(rx.recv()).rejects.toThrow('oneshot value already received');
  });

  it('a task that parked twice on one receiver lists both receives in dump() and, once woken, neither', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(async () => Promise.allSettled([rx.recv(), rx.recv()]));
      await settle();
      expect(runtime.dump().tasks.find((t) => t.id === task.id)!.waitingOn).toEqual(['oneshot.Receiver.recv', 'oneshot.Receiver.recv']);
      tx.send(5);
      const [a, b] = await task;
      expect(a).toEqual({ status: 'fulfilled', value: 5 });
      expect(b.status).toBe('rejected');
      expect((b as PromiseRejectedResult).reason).toBeInstanceOf(RecvError);
      expect(runtime.dump().tasks.flatMap((t) => t.waitingOn)).toEqual([]);
    });
    await runtime.shutdown();
  });

  it("after the state's own receive was cancelled, the value goes to the oldest receive still parked (a node), the next gets RecvError", async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      const own = runtime.spawn(async () => await rx.recv()); // parks on the state
      await settle();
      const withSignal = track(rx.recv({ signal: new AbortController().signal })); // a node
      await settle();
      own.abort();
      const error = await own.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as JoinError).isCancelled()).toBe(true);
      const later = track(rx.recv()); // the list is not empty: a node behind the first
      await settle();
      tx.send(9);
      expect(await withSignal.promise).toBe(9);
      await expect(later.promise).rejects.toBeInstanceOf(RecvError);
    });
    await runtime.shutdown();
  });

  it('a task woken by send() in the same tick as its abort gets the value (woken first: the abort finds nothing parked)', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(async () => await rx.recv());
      await settle();
      tx.send(4);
      task.abort();
      expect(await task).toBe(4);
      expect(() => rx.tryRecv()).toThrow(TryRecvError);
    });
    await runtime.shutdown();
  });

  it('a receive parked when the receiver closes rejects with RecvError (it could never be woken: send now fails)', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const own = track(rx.recv());
    const node = track(rx.recv({ signal: new AbortController().signal }));
    await settle();
    rx.close();
    await expect(own.promise).rejects.toBeInstanceOf(RecvError);
    await expect(node.promise).rejects.toBeInstanceOf(RecvError);
    expect(() => tx.send(1)).toThrow(SendError);
  });

  it('`using` the receiver closes it at the end of the block: sender.closed() resolves and send fails', async () => {
    const [tx, rx] = oneshot.channel<number>();
    {
      using scoped = rx;
      expect(scoped.isClosed).toBe(false);
    }
    await tx.closed();
    expect(() => tx.send(1)).toThrow(SendError);
  });
});
