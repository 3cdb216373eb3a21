// A JoinHandle's `then` called from outside any task runs its callbacks in the async context of
// that call, as a promise's do — not in that of the task, which calls them as it finishes (before
// the fix they read the spawner's AsyncLocalStorage store, on every Node version).
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, yieldNow } from '@rt/scheduler';
import { callInContext, captureThenContext } from '@rt/scheduler/primitives';

const als = new AsyncLocalStorage<string>();

describe('JoinHandle.then from outside any task', () => {
  it('runs the callbacks in the then call\'s context: value and failure', async () => {
    const ok = als.run('spawner', () =>
      spawn(async () => {
        await yieldNow();
        return 1;
      }),
    );
    const failed = als.run('spawner', () =>
      spawn(async () => {
        await yieldNow();
        throw new Error('boom');
      }),
    );
    const onValue = als.run('joiner', () => ok.then(() => als.getStore()));
    const onError = als.run('catcher', () => failed.then(undefined, () => als.getStore()));
    const bare = ok.then(() => als.getStore());
    expect(await Promise.all([onValue, onError, bare])).toEqual(['joiner', 'catcher', undefined]);
  });

  it('leaves the task\'s own context to the task', async () => {
    const handle = als.run('spawner', () =>
      spawn(async () => {
        await yieldNow();
        return als.getStore();
      }),
    );
    expect(await als.run('joiner', () => handle.then((value) => [value, als.getStore()]))).toEqual(['spawner', 'joiner']);
  });
});

describe('JoinHandle.then from outside any task, adversarial (review rv)', () => {
  it('a callback that throws, one that re-enters the handle, one in another context: each in its own, in call order', async () => {
    const handle = als.run('spawner', () =>
      spawn(async () => {
        await yieldNow();
        return 7;
      }),
    );
    const order: string[] = [];
    const thrower = als.run('a', () =>
      handle.then(() => {
        order.push(`a:${als.getStore()}`);
        throw new Error('from a');
      }),
    );
    const reenter = als.run('b', () =>
      handle.then((v) => {
        order.push(`b:${als.getStore()}`);
        handle.abort();
        return handle.then((w) => [v, w, als.getStore()]);
      }),
    );
    const plain = als.run('c', () => handle.then((v) => (order.push(`c:${als.getStore()}`), v)));
    await expect(thrower).rejects.toThrow('from a');
    expect(await reenter).toEqual([7, 7, 'b']);
    expect(await plain).toBe(7);
    expect(order).toEqual(['a:a', 'b:b', 'c:c']);
    expect(als.getStore()).toBeUndefined();
  });

  it('the task after an outside join still runs in its own context; an aborted task rejects outside joins in their context', async () => {
    const blocker = als.run('spawner', () =>
      spawn(async () => {
        for (;;) await yieldNow();
      }),
    );
    const seen = als.run('joiner', () =>
      blocker.then(
        () => 'ok',
        () => als.getStore(),
      ),
    );
    await yieldNow();
    blocker.abort();
    expect(await seen).toBe('joiner');
  });

  it("callInContext puts the caller's context back when the function throws", () => {
    als.run('outside', () => {
      const context = als.run('captured', () => captureThenContext());
      expect(context).toBeDefined();
      let inside: unknown;
      expect(() =>
        callInContext(
          context,
          () => {
            inside = als.getStore();
            throw new Error('boom');
          },
          0,
          0,
          0,
        ),
      ).toThrow('boom');
      expect(inside).toBe('captured');
      expect(als.getStore()).toBe('outside');
    });
  });
});
