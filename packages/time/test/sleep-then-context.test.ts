// A Sleep's `then` callbacks run in the async context of the `then` call, as a promise's do: an
// AsyncLocalStorage store set around `sleep(ms).then(cb)` is the one `cb` reads, whatever code
// armed the driver's timer or fires it. (On AsyncContextFrame, Node 24+, a promise job runs in the
// context it is queued in, and the fire queues the job that calls the callbacks: before the fix
// `cb` read the store of the first `then` that armed the driver's Node timer.)
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { spawn, yieldNow } from '@rt/scheduler';
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

describe('Sleep.then contexts, adversarial (review rv)', () => {
  it('three thens on one Sleep, disposed: each rejection callback in its own context, all the same error', async () => {
    const s = sleep(1000);
    const ps = ['a', 'b', 'c'].map((name) => als.run(name, () => s.then(undefined, (e: unknown) => [als.getStore(), e] as const)));
    const plain = s.then();
    const onlyOk = als.run('d', () => s.then(() => 'fulfilled?'));
    s[Symbol.dispose]();
    const got = (await Promise.all(ps)) as (readonly [string | undefined, unknown])[];
    expect(got.map((g) => g[0])).toEqual(['a', 'b', 'c']);
    const errors = got.map((g) => g[1]);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[1]).toBe(errors[0]);
    expect(errors[2]).toBe(errors[0]);
    await expect(plain).rejects.toBe(errors[0]);
    await expect(onlyOk).rejects.toBe(errors[0]);
  });

  it('a first then without onRejected, shared, disposed: it rejects', async () => {
    const s = sleep(1000);
    const first = als.run('a', () => s.then(() => 'ok'));
    const second = als.run('b', () => s.then(undefined, () => als.getStore()));
    s[Symbol.dispose]();
    await expect(first).rejects.toThrow(/disposed/);
    expect(await second).toBe('b');
  });

  it('a wait shared by a task and outside code: the task aborted, the outside callback runs in its own context', async () => {
    const s = sleep(1000);
    let otherContext: unknown;
    const task = als.run('task', () =>
      spawn(async () => {
        await s;
      }),
    );
    await yieldNow();
    const other = als.run('other', () =>
      s.then(
        () => 'fulfilled',
        (error: unknown) => ((otherContext = als.getStore()), error),
      ),
    );
    task.abort();
    await task.then(undefined, () => undefined);
    expect(await other).toBeInstanceOf(Error);
    expect(otherContext).toBe('other');
  });

  it("a callback that re-enters its Sleep (reset, a new then, dispose) sees each then call's context", async () => {
    const s = sleep(2);
    const order: string[] = [];
    await als.run('outer', () =>
      s.then(async () => {
        order.push(`1:${als.getStore()}`);
        s.reset(s.deadline);
        await als.run('inner', () => s.then(() => void order.push(`2:${als.getStore()}`)));
        s[Symbol.dispose]();
        await s.then(undefined, () => void order.push(`3:${als.getStore()}`));
      }),
    );
    expect(order).toEqual(['1:outer', '2:inner', '3:outer']);
  });

  it('with an async hook enabled (the captured context is an AsyncResource)', async () => {
    const hook = createHook({ init() {} }).enable();
    try {
      await yieldNow();
      const seen: Record<string, unknown> = {};
      const armer = als.run('armer', () => sleep(2).then(() => void (seen['armer'] = als.getStore())));
      const b = als.run('b', () => sleep(2).then(() => void (seen['b'] = als.getStore())));
      const s = sleep(1000);
      const r1 = als.run('r1', () => s.then(undefined, () => void (seen['r1'] = als.getStore())));
      const r2 = als.run('r2', () => s.then(undefined, () => void (seen['r2'] = als.getStore())));
      s[Symbol.dispose]();
      await Promise.all([armer, b, r1, r2]);
      expect(seen).toEqual({ armer: 'armer', b: 'b', r1: 'r1', r2: 'r2' });
    } finally {
      hook.disable();
    }
  });
});
