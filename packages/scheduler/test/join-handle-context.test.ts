// A JoinHandle's `then` called from outside any task runs its callbacks in the async context of
// that call, as a promise's do — not in that of the task, which calls them as it finishes (before
// the fix they read the spawner's AsyncLocalStorage store, on every Node version).
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, yieldNow } from '@rt/scheduler';

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
