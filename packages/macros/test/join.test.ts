import { join, joinWith, tryJoin } from '@rt/macros';
import { Cancelled } from '@rt/scheduler';

const never = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe('join', () => {
  it('resolves to the tuple of results, in argument order', async () => {
    const [a, b, c] = await join(async () => 1, Promise.resolve('two'), (signal) => signal.aborted);
    expect([a, b, c]).toEqual([1, 'two', false]);
  });

  it('waits for every operation even when one fails, then rejects with the failure', async () => {
    let finished = false;
    await expect(join(
      async () => { throw new Error('first'); },
      async () => { await new Promise((r) => setImmediate(r)); finished = true; return 2; },
    )).rejects.toThrow('first');
    expect(finished).toBe(true);
  });

  it('rejects with an AggregateError when several fail', async () => {
    await expect(join(async () => { throw new Error('a'); }, async () => { throw new Error('b'); })).rejects.toBeInstanceOf(AggregateError);
  });

  it('resolves to an empty tuple for no operations', async () => {
    await expect(join()).resolves.toEqual([]);
  });

  it('rejects a non-function, non-promise argument with a TypeError', async () => {
    await expect(join(42 as never)).rejects.toThrow(TypeError);
  });

  it('aborts every operation and rejects with Cancelled when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = joinWith({ signal: controller.signal }, never, never);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Cancelled);
  });
});

describe('tryJoin', () => {
  it('resolves to the tuple of results when all succeed', async () => {
    await expect(tryJoin(async () => 'a', async () => 'b')).resolves.toEqual(['a', 'b']);
  });

  it('aborts the others before it rejects with the first failure', async () => {
    const events: string[] = [];
    const pending = tryJoin(
      (signal) => { signal.addEventListener('abort', () => events.push('other aborted')); return never(signal); },
      async () => { throw new Error('boom'); },
    );
    await expect(pending.catch((e: Error) => { events.push(`rejected: ${e.message}`); throw e; })).rejects.toThrow('boom');
    expect(events).toEqual(['other aborted', 'rejected: boom']);
  });
});
