// The top-level names the cross-thread primitives had before they moved into `shared` are
// deprecated aliases, kept for one release: the very same objects, not copies.
import * as multiThread from '@rt/multi-thread';
import { Notified, Notify, Semaphore, SemaphorePermit, mpsc, oneshot, shared, watch } from '@rt/multi-thread';
import * as sync from '@rt/sync';

describe('deprecated aliases of shared.*', () => {
  it('each old name is the same object as its shared.* name', () => {
    expect(mpsc).toBe(shared.mpsc);
    expect(oneshot).toBe(shared.oneshot);
    expect(watch).toBe(shared.watch);
    expect(Semaphore).toBe(shared.Semaphore);
    expect(SemaphorePermit).toBe(shared.SemaphorePermit);
    expect(Notify).toBe(shared.Notify);
    expect(Notified).toBe(shared.Notified);
    expect(mpsc.channel).toBe(shared.mpsc.channel);
  });

  it('an end made through an alias is an instance of the shared class, and works', async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    expect(tx).toBeInstanceOf(shared.mpsc.Sender);
    await tx.send(7);
    expect(await rx.recv()).toBe(7);
    tx.close();
    rx.close();
    const semaphore = new Semaphore(1);
    expect(semaphore).toBeInstanceOf(shared.Semaphore);
    semaphore.close();
  });

  it('shared holds the cross-thread primitives only, none of them @rt/sync\'s', () => {
    expect(Object.keys(shared).sort()).toEqual(['Notified', 'Notify', 'Semaphore', 'SemaphorePermit', 'mpsc', 'oneshot', 'watch']);
    expect(shared.Semaphore).not.toBe(sync.Semaphore);
    expect(shared.Notify).not.toBe(sync.Notify);
    expect(shared.mpsc.channel).not.toBe(sync.mpsc.channel);
    expect(multiThread.shared).toBe(shared);
  });
});
