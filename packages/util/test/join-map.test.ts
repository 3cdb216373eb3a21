import { Cancelled, JoinError, spawn, yieldNow } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { CancellationToken, JoinMap, type JoinMapResult } from '@rt/util';

describe('JoinMap', () => {
  it('joins tasks in finish order with their keys, values and errors', async () => {
    await using map = new JoinMap<string, number>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    map.spawn('slow', async () => {
      await gate;
      return 1;
    });
    map.spawn('fast', async () => 2);
    map.spawn('bad', () => {
      throw new Error('boom');
    });
    expect(map.len).toBe(3);
    expect(map.keys()).toEqual(['slow', 'fast', 'bad']);
    const first = await map.joinNext();
    const second = await map.joinNext();
    expect([first, second].map((r) => r?.key).sort()).toEqual(['bad', 'fast']);
    const bad = [first, second].find((r) => r?.key === 'bad') as JoinMapResult<string, number> & { ok: false };
    expect(bad.ok).toBe(false);
    expect(bad.error).toBeInstanceOf(JoinError);
    expect(bad.error.isPanic()).toBe(true);
    release();
    expect(await map.joinNext()).toEqual({ key: 'slow', ok: true, value: 1 });
    expect(await map.joinNext()).toBeUndefined();
  });

  it('spawning under a taken key aborts the old task and drops its outcome', async () => {
    const map = new JoinMap<string, string>();
    const steps: string[] = [];
    map.spawn('k', async () => {
      try {
        for (;;) await yieldNow();
      } finally {
        steps.push('old stopped');
      }
    });
    await settle();
    map.spawn('k', async () => 'new');
    expect(map.len).toBe(1);
    expect(await map.joinNext()).toEqual({ key: 'k', ok: true, value: 'new' });
    expect(await map.joinNext()).toBeUndefined();
    expect(steps).toEqual(['old stopped']);
  });

  it('abort(key) ends one task as cancelled', async () => {
    const map = new JoinMap<string, number>();
    const never = new CancellationToken();
    map.spawn('a', async () => {
      await never.cancelled();
      return 0;
    });
    map.spawn('b', async () => {
      for (;;) await yieldNow();
    });
    await settle();
    expect(map.abort('b')).toBe(true);
    expect(map.abort('zzz')).toBe(false);
    const done = await map.joinNext();
    expect(done?.key).toBe('b');
    expect(done?.ok === false && done.error.isCancelled()).toBe(true);
    expect(map.containsKey('a')).toBe(true);
    await map.shutdown();
    expect(map.isEmpty()).toBe(true);
  });

  it('an aborted joinNext() loses no finished task (cancel safe)', async () => {
    const map = new JoinMap<string, number>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    map.spawn('x', async () => {
      await gate;
      return 5;
    });
    const controller = new AbortController();
    const aborted = track(map.joinNext({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    const waiter = spawn(() => map.joinNext());
    await settle();
    release();
    waiter.abort(); // the wake and the abort race: the result goes to the waiter or stays in the map
    const viaWaiter = await waiter.then(
      (value) => value,
      () => undefined,
    );
    const result = viaWaiter ?? (await map.joinNext());
    expect(result).toEqual({ key: 'x', ok: true, value: 5 });
    expect(await map.joinNext()).toBeUndefined();
  });

  it('iterates with for await and rejects a bad fn', async () => {
    await using map = new JoinMap<number, number>();
    for (let i = 0; i < 3; i++) map.spawn(i, async () => i * 10);
    const out: number[] = [];
    for await (const done of map) if (done.ok) out.push(done.value);
    expect(out.sort()).toEqual([0, 10, 20]);
    expect(() => map.spawn(1, 'x' as never)).toThrow(TypeError);
  });
});
