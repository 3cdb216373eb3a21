import { Handle, JoinError, JoinSet, park, spawn, yieldNow } from '@rt/scheduler';
import type { Waiter } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection on demand: --expose-gc set at run time, read from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Gates that tasks park on, opened one by one from the test. */
class Gates {
  private readonly waiters = new Map<string, Waiter<void>>();
  wait(name: string): Promise<void> {
    const { waiter, promise } = park<void>(`gate ${name}`, () => this.waiters.delete(name));
    this.waiters.set(name, waiter);
    return promise;
  }
  open(name: string): void {
    this.waiters.get(name)?.wake();
    this.waiters.delete(name);
  }
}

describe('JoinSet', () => {
  it('joins tasks in the order they finish, then returns undefined', async () => {
    const gates = new Gates();
    const set = new JoinSet<string>();
    for (const name of ['a', 'b', 'c']) set.spawn(async () => (await gates.wait(name), name));
    expect(set.size).toBe(3);
    await settle();
    gates.open('b');
    expect(await set.joinNext()).toBe('b');
    gates.open('c');
    gates.open('a');
    expect(await set.joinNext()).toBe('c');
    expect(await set.joinNext()).toBe('a');
    expect(set.size).toBe(0);
    expect(set.isEmpty()).toBe(true);
    expect(await set.joinNext()).toBeUndefined();
  });

  it('tryJoinNext returns a finished task without waiting, or undefined', async () => {
    const set = new JoinSet<number>();
    set.spawn(() => 1);
    expect(set.tryJoinNext()).toBeUndefined();
    await settle();
    expect(set.tryJoinNext()).toBe(1);
    expect(set.tryJoinNext()).toBeUndefined();
  });

  it('rejects joinNext with the JoinError of a failed task', async () => {
    const set = new JoinSet<number>();
    set.spawn(async () => {
      throw new Error('member failed');
    });
    const error = await set.joinNext().then(() => undefined, (e: unknown) => e as JoinError);
    expect(error?.isPanic()).toBe(true);
    expect(set.size).toBe(0);
  });

  it('joinAll returns every value in finish order', async () => {
    const set = new JoinSet<number>();
    for (let i = 0; i < 5; i++) set.spawn(async () => i);
    expect(await set.joinAll()).toEqual([0, 1, 2, 3, 4]);
  });

  it('joinAll in an aborted task rejects with Cancelled at its next step, loses no task to the abort, and passes the budget on', async () => {
    const gates = new Gates();
    const set = new JoinSet<number>();
    // 300 finished members: more than one budget (128) of takes, so joinAll yields mid-way.
    for (let i = 0; i < 300; i++) set.spawn(async () => i);
    set.spawn(async () => (await gates.wait('last'), 300));
    await settle();
    let taken: number[] | undefined;
    const joiner = spawn(async () => {
      taken = await set.joinAll();
    });
    // The run queue starts 61 tasks per turn: give the members and the joiner a few turns.
    for (let turn = 0; turn < 20 && set.size > 1; turn++) await settle();
    expect(set.size).toBe(1); // every finished member taken, waiting on the last one
    joiner.abort();
    const error = await joiner.then(() => undefined, (e: unknown) => e as JoinError);
    expect(error?.isCancelled()).toBe(true);
    expect(taken).toBeUndefined();
    expect(set.size).toBe(1);
    gates.open('last');
    expect(await set.joinNext()).toBe(300);
    // Aborted before its first step: joinAll takes nothing.
    for (let i = 0; i < 3; i++) set.spawn(async () => i);
    await settle();
    const early = spawn(async () => set.joinAll());
    early.abort();
    expect((await early.then(() => undefined, (e: unknown) => e as JoinError))?.isCancelled()).toBe(true);
    expect(set.size).toBe(3);
  });

  it('joinAll aborts the remaining tasks when one fails', async () => {
    const gates = new Gates();
    const set = new JoinSet<number>();
    const cleaned: string[] = [];
    set.spawn(async () => {
      try {
        await gates.wait('never');
        return 1;
      } finally {
        cleaned.push('survivor cleaned up');
      }
    });
    set.spawn(async () => {
      throw new Error('fails');
    });
    await expect(set.joinAll()).rejects.toBeInstanceOf(JoinError);
    await set.shutdown();
    expect(cleaned).toEqual(['survivor cleaned up']);
  });

  it('abortAll cancels every task; joinNext then reports each as cancelled', async () => {
    const gates = new Gates();
    const set = new JoinSet<void>();
    set.spawn(() => gates.wait('x'));
    set.spawn(() => gates.wait('y'));
    await settle();
    set.abortAll();
    for (let i = 0; i < 2; i++) {
      const error = await set.joinNext().then(() => undefined, (e: unknown) => e as JoinError);
      expect(error?.isCancelled()).toBe(true);
    }
    expect(set.size).toBe(0);
  });

  it('keeps the right members after thousands of joins compact its member list: abortAll and detachAll reach exactly the rest', async () => {
    // Spawn order A0, B0, A1, B1, ...: the A tasks finish at once and are joined (their
    // entries go stale, past the compaction threshold), the B tasks wait on a gate.
    const gates = new Gates();
    const set = new JoinSet<string>();
    const outside = new JoinSet<string>();
    for (let i = 0; i < 3000; i++) {
      set.spawn(async () => `a${i}`);
      set.spawn(async () => (await gates.wait(`b${i}`), `b${i}`));
    }
    outside.spawn(async () => (await gates.wait('outside'), 'outside'));
    const joined = new Set<string>();
    for (let i = 0; i < 3000; i++) joined.add((await set.joinNext())!);
    expect(joined.size).toBe(3000);
    expect([...joined].every((value) => value.startsWith('a'))).toBe(true);
    expect(set.size).toBe(3000);
    // Open half the gates: those join; the other half are aborted by abortAll.
    for (let i = 0; i < 3000; i += 2) gates.open(`b${i}`);
    const opened: string[] = [];
    for (let i = 0; i < 1500; i++) opened.push((await set.joinNext())!);
    expect(new Set(opened).size).toBe(1500);
    expect(opened.every((value) => Number(value.slice(1)) % 2 === 0)).toBe(true);
    set.abortAll();
    let cancelled = 0;
    for (;;) {
      const outcome = await set.joinNext().then(
        (value) => value,
        (error: unknown) => error as JoinError,
      );
      if (outcome === undefined) break;
      expect(outcome).toBeInstanceOf(JoinError);
      expect((outcome as JoinError).isCancelled()).toBe(true);
      cancelled++;
    }
    expect(cancelled).toBe(1500);
    expect(set.size).toBe(0);
    // The other set's member was not touched; detachAll after compactions lets it run on.
    expect(outside.size).toBe(1);
    outside.detachAll();
    expect(outside.size).toBe(0);
    gates.open('outside');
    await settle();
  });

  it('detachAll empties the set and lets the tasks run on', async () => {
    const gates = new Gates();
    const set = new JoinSet<string>();
    const handleFinished = track(
      new Promise<string>((resolve) => set.spawn(async () => (await gates.wait('d'), resolve('ran'), 'ran'))),
    );
    set.detachAll();
    expect(set.size).toBe(0);
    expect(await set.joinNext()).toBeUndefined();
    await settle();
    gates.open('d');
    await settle();
    expect(handleFinished.value).toBe('ran');
  });

  it('shutdown aborts every task and waits for their finally blocks', async () => {
    const gates = new Gates();
    const set = new JoinSet<void>();
    const cleaned: number[] = [];
    for (let i = 0; i < 3; i++) {
      set.spawn(async () => {
        try {
          await gates.wait(String(i));
        } finally {
          await yieldNow().catch(() => undefined);
          cleaned.push(i);
        }
      });
    }
    await settle();
    await set.shutdown();
    expect(cleaned.sort()).toEqual([0, 1, 2]);
    expect(set.size).toBe(0);
  });

  it('aborts the rest when disposed with await using', async () => {
    const gates = new Gates();
    const cleaned: string[] = [];
    {
      await using set = new JoinSet<void>();
      set.spawn(async () => {
        try {
          await gates.wait('forever');
        } finally {
          cleaned.push('disposed');
        }
      });
      await settle();
    }
    expect(cleaned).toEqual(['disposed']);
  });

  it('can be iterated with for await until empty', async () => {
    const set = new JoinSet<number>();
    for (let i = 1; i <= 3; i++) set.spawn(() => i * 10);
    const seen: number[] = [];
    for await (const value of set) seen.push(value);
    expect(seen).toEqual([10, 20, 30]);
  });

  it('loses no finished task when a joinNext is cancelled in the same tick the task finishes', async () => {
    const gates = new Gates();
    const set = new JoinSet<string>();
    set.spawn(async () => (await gates.wait('member'), 'kept'));
    const joiner = spawn(() => set.joinNext());
    await settle();
    gates.open('member');
    joiner.abort();
    await joiner.then(() => undefined, () => undefined);
    expect(await set.joinNext()).toBe('kept');
  });

  it('cancels a joinNext waiting on its signal without losing the task', async () => {
    const gates = new Gates();
    const set = new JoinSet<string>();
    set.spawn(async () => (await gates.wait('m'), 'value'));
    const controller = new AbortController();
    const pending = track(set.joinNext({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(pending.isRejected()).toBe(true);
    gates.open('m');
    expect(await set.joinNext()).toBe('value');
  });

  it('holds no joined value while other members still run (its member entry goes stale, not its value)', async () => {
    const gates = new Gates();
    const set = new JoinSet<object>();
    set.spawn(async () => (await gates.wait('long'), {}));
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 20; i++) {
      set.spawn(() => {
        const value = { payload: new Uint8Array(64 * 1024) };
        refs.push(new WeakRef(value));
        return value;
      });
      expect(await set.joinNext()).toHaveProperty('payload');
    }
    expect(set.size).toBe(1);
    // The caller dropped every joined value: a collection must free them all. (A deref keeps
    // its target alive to the end of the job: collect in a job of its own.)
    const tick = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 10));
    for (let round = 0; round < 20 && refs.some((ref) => ref.deref() !== undefined); round++) {
      await tick();
      gc();
      await tick();
    }
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0); // all 20 were held before the fix
    gates.open('long');
    expect(await set.joinNext()).toEqual({});
    expect(set.isEmpty()).toBe(true);
  });

  it('keeps finished, unjoined members queued apart from the live tasks: dump() lists only the running ones, detachAll drops the queue, a refilled set joins only its new members', async () => {
    const gates = new Gates();
    const set = new JoinSet<string>();
    const ids = ['a', 'b', 'c', 'd'].map((name) => ({ name, id: set.spawn(async () => (await gates.wait(name), name)).id }));
    await settle();
    gates.open('c');
    gates.open('a');
    await settle();
    // c and a finished (queued in that order, not yet joined); b and d still run.
    const running = Handle.current().dump().tasks.map((t) => t.id);
    expect(ids.filter(({ id }) => running.includes(id)).map(({ name }) => name)).toEqual(['b', 'd']);
    expect(set.tryJoinNext()).toBe('c');
    set.detachAll(); // drops a (finished, unjoined) with b and d
    expect(await set.joinNext()).toBeUndefined();
    set.spawn(() => 'e');
    gates.open('b');
    gates.open('d');
    await settle();
    expect(await set.joinAll()).toEqual(['e']);
    const later = set.spawn(async () => (await gates.wait('f'), 'f'));
    await settle();
    expect(Handle.current().dump().tasks.map((t) => t.id)).toContain(later.id);
    await set.shutdown();
    expect(set.size).toBe(0);
  });

  it('rejects a non-function with a TypeError', () => {
    expect(() => new JoinSet().spawn(null as never)).toThrow(TypeError);
  });
});
