import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { mpsc } from '@rt/sync';
import { StreamMap } from '@rt/util';

async function* items<T>(...values: T[]): AsyncGenerator<T> {
  for (const v of values) yield v;
}

describe('StreamMap', () => {
  it('merges keyed iterables and ends when every member has ended', async () => {
    const map = new StreamMap<string, number>();
    map.insert('a', items(1, 2));
    map.insert('b', items(10));
    const out: [string, number][] = [];
    for await (const entry of map) out.push(entry);
    expect(out.sort()).toEqual([
      ['a', 1],
      ['a', 2],
      ['b', 10],
    ]);
    expect(map.isEmpty()).toBe(true);
    expect(await map.next()).toBeUndefined();
  });

  it('is fair: a member that is always ready does not starve the others', async () => {
    const map = new StreamMap<string, number>();
    map.insert('busy', items(...Array.from({ length: 100 }, (_, i) => i)));
    map.insert('x', items(1, 2, 3));
    map.insert('y', items(1, 2, 3));
    const firstNine: string[] = [];
    for (let i = 0; i < 9; i++) firstNine.push((await map.next())![0]);
    expect(firstNine.filter((k) => k === 'busy').length).toBe(3);
    expect(firstNine.filter((k) => k === 'x').length).toBe(3);
  });

  it('an aborted next() loses no value; values wait for the next call (cancel safe)', async () => {
    const [tx, rx] = mpsc.channel<string>(4);
    const map = new StreamMap<string, string>();
    map.insert('rx', rx);
    const controller = new AbortController();
    const aborted = track(map.next({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    await tx.send('kept');
    const task = spawn(() => map.next());
    await settle();
    expect(await task).toEqual(['rx', 'kept']);
    const second = spawn(() => map.next());
    await settle();
    second.abort();
    await expect(second).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    await tx.send('also kept');
    expect(await map.next()).toEqual(['rx', 'also kept']);
  });

  it('insert and remove at run time; remove hands back a value already pulled', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const map = new StreamMap<string, number>();
    map.insert('rx', rx);
    const waiting = track(map.next());
    await settle();
    expect(waiting.isPending()).toBe(true);
    map.insert('late', items(7));
    await settle();
    expect(waiting.value).toEqual(['late', 7]);
    const next = track(map.next());
    await tx.send(42);
    await settle();
    expect(next.value).toEqual(['rx', 42]);
    await tx.send(43);
    await settle(); // 43 is pulled by nobody yet: no next() is running
    const pulling = track(map.next({ signal: AbortSignal.abort() }));
    await settle();
    expect(pulling.error).toBeInstanceOf(Cancelled);
    const inFlight = track(map.next());
    await settle();
    expect(inFlight.value).toEqual(['rx', 43]);
    await tx.send(44);
    const racing = new AbortController();
    const pending = track(map.next({ signal: racing.signal }));
    await settle();
    expect(pending.value).toEqual(['rx', 44]);
    const pulled = track(map.next({ signal: racing.signal }));
    await settle();
    racing.abort();
    await settle();
    expect(pulled.error).toBeInstanceOf(Cancelled);
    await tx.send(45); // pulled by the map, not yet returned
    await settle();
    const iterator = map.remove('rx')!;
    expect(map.has('rx')).toBe(false);
    expect(await iterator.next()).toEqual({ done: false, value: 45 });
    expect(map.remove('nothing')).toBeUndefined();
  });

  it('a waiting next() resolves undefined when the last member is removed', async () => {
    const [, rx] = mpsc.channel<number>(1);
    const map = new StreamMap<string, number>();
    map.insert('only', rx);
    const waiting = track(map.next());
    await settle();
    expect(waiting.isPending()).toBe(true);
    map.remove('only');
    await settle();
    expect(waiting.isResolved()).toBe(true);
    expect(waiting.value).toBeUndefined();
  });

  it('a member that throws is removed and its error surfaces; the others go on', async () => {
    const map = new StreamMap<string, number>();
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('member failed');
    }
    map.insert('bad', failing());
    map.insert('good', items(5, 6));
    const out: unknown[] = [];
    for (;;) {
      try {
        const entry = await map.next();
        if (entry === undefined) break;
        out.push(entry);
      } catch (error) {
        out.push((error as Error).message);
      }
    }
    expect(out).toContain('member failed');
    expect(out.filter((x) => Array.isArray(x)).length).toBe(3);
    expect(() => map.insert('x', 5 as never)).toThrow(TypeError);
  });
});
