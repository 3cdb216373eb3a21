// A Sleep's `then` callbacks run in the async context of the `then` call, as a promise's do: an
// AsyncLocalStorage store set around `sleep(ms).then(cb)` is the one `cb` reads, whatever code
// armed the driver's timer or fires it. (On AsyncContextFrame, Node 24+, a promise job runs in the
// context it is queued in, and the fire queues the job that calls the callbacks: before the fix
// `cb` read the store of the first `then` that armed the driver's Node timer.)
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { spawn } from '@rt/scheduler';
import { sleep } from '@rt/time';

const als = new AsyncLocalStorage<string>();

describe('Sleep.then runs its callbacks in the context of the then call', () => {
  it('outside any task: each callback reads its own then call\'s store, not the one that armed the timer', async () => {
    const seen: Record<string, string | undefined> = {};
    // 'armer' arms the driver's Node timer first (the earliest deadline); the others fire with it or after.
    const armer = als.run('armer', () => sleep(2).then(() => void (seen['armer'] = als.getStore())));
    const a = als.run('a', () => sleep(6).then(() => void (seen['a'] = als.getStore())));
    const b = als.run('b', () => sleep(2).then(() => void (seen['b'] = als.getStore())));
    const none = sleep(4).then(() => void (seen['none'] = als.getStore()));
    await Promise.all([armer, a, b, none]);
    expect(seen).toEqual({ armer: 'armer', a: 'a', b: 'b', none: undefined });
  });

  it('inside a task: the callback reads the store around its then call, and the task goes on in its own', async () => {
    const seen = await als.run('task', () =>
      spawn(async () => {
        const inner = await als.run('inner', () => sleep(3).then(() => als.getStore()));
        return { inner, after: als.getStore() };
      }),
    );
    expect(seen).toEqual({ inner: 'inner', after: 'task' });
  });

  it('a second then on a pending Sleep, and a rejection (dispose), keep each call\'s context', async () => {
    const shared = sleep(5);
    const first = als.run('first', () => shared.then(() => als.getStore()));
    const second = als.run('second', () => shared.then(() => als.getStore()));
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);

    const disposed = sleep(1000);
    const rejected = als.run('rejected', () => disposed.then(undefined, () => als.getStore()));
    const sharedRejected = als.run('shared', () => disposed.then(undefined, () => als.getStore()));
    disposed[Symbol.dispose]();
    expect(await Promise.all([rejected, sharedRejected])).toEqual(['rejected', 'shared']);
  });
});

describe('a shared Sleep\'s rejection, re-entered', () => {
  it('an async hook that disposes another shared Sleep while the first one rejects: every callback still sees its rejection', async () => {
    // A shared wait's first `then` learns of the rejection through a module variable set while
    // its Sleep settles: a second Sleep settled from inside that (here from an async hook's
    // `init`, which runs synchronously at the rejected promise's creation) must not clear it for
    // the first (before the fix the outer first `then` got onFulfilled: a disposed Sleep fulfilled).
    const outer = sleep(1000);
    const inner = sleep(1000);
    const outerFirst = outer.then(() => 'fulfilled', () => 'rejected');
    const outerSecond = outer.then(() => 'fulfilled', () => 'rejected');
    const innerFirst = inner.then(() => 'fulfilled', () => 'rejected');
    const innerSecond = inner.then(() => 'fulfilled', () => 'rejected');
    let armed = true;
    const hook = createHook({
      init(_id, type) {
        if (armed && type === 'PROMISE') {
          armed = false;
          inner[Symbol.dispose]();
        }
      },
    }).enable();
    try {
      outer[Symbol.dispose]();
    } finally {
      hook.disable();
    }
    expect(armed).toBe(false);
    expect(await Promise.all([outerFirst, outerSecond, innerFirst, innerSecond])).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  });
});
