import { RtError, TaskLocal, spawn, yieldNow } from '@rt/scheduler';

describe('TaskLocal', () => {
  it('keeps its value across awaits inside the scope', async () => {
    const local = new TaskLocal<string>('requestId');
    const seen = await spawn(() =>
      local.scope('r-1', async () => {
        const before = local.get();
        await yieldNow();
        await new Promise((resolve) => setImmediate(resolve));
        return [before, local.get()];
      }),
    );
    expect(seen).toEqual(['r-1', 'r-1']);
  });

  it('lets nested scopes shadow and then restore the outer value', async () => {
    const local = new TaskLocal<number>();
    const seen: number[] = [];
    await local.scope(1, async () => {
      seen.push(local.get());
      await local.scope(2, async () => {
        await yieldNow();
        seen.push(local.get());
      });
      seen.push(local.get());
    });
    expect(seen).toEqual([1, 2, 1]);
  });

  it('keeps concurrent scopes apart', async () => {
    const local = new TaskLocal<string>();
    const run = (value: string) =>
      local.scope(value, async () => {
        await yieldNow();
        return local.get();
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual(['a', 'b']);
  });

  it('throws outside a scope; tryGet returns undefined', () => {
    const local = new TaskLocal<number>('counter');
    expect(local.tryGet()).toBeUndefined();
    expect(() => local.get()).toThrow(RtError);
    expect(() => local.get()).toThrow(/counter\.get\(\)/);
  });

  it('is not inherited by tasks spawned inside the scope', async () => {
    const local = new TaskLocal<number>();
    const inner = await local.scope(5, () => spawn(() => local.tryGet()));
    expect(inner).toBeUndefined();
  });

  it('keeps two locals independent', () => {
    const a = new TaskLocal<number>();
    const b = new TaskLocal<number>();
    a.scope(1, () => b.scope(2, () => expect([a.get(), b.get()]).toEqual([1, 2])));
  });
});
