import { select, SelectError } from '@rt/macros';
import { mpsc } from '@rt/sync';
import { sleep } from '@rt/time';
import { Cancelled, spawn } from '@rt/scheduler';

const never = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

describe('select', () => {
  it('returns the first branch to complete, discriminated by name', async () => {
    const out = await select({
      slow: never,
      fast: async () => 42,
    });
    expect(out).toEqual({ branch: 'fast', value: 42 });
  });

  it('aborts every losing branch before it returns', async () => {
    const seen: string[] = [];
    await select({
      a: (signal) => {
        signal.addEventListener('abort', () => seen.push('a aborted'));
        return never(signal);
      },
      b: async () => 'b',
      c: (signal) => {
        signal.addEventListener('abort', () => seen.push('c aborted'));
        return never(signal);
      },
    }, { biased: true });
    expect(seen.sort()).toEqual(['a aborted', 'c aborted']);
  });

  it('loses no message when a losing recv is aborted (cancel safety)', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    for (let round = 0; round < 50; round++) {
      const out = await select({
        msg: (signal) => rx.recv({ signal }),
        done: async () => 'done',
      }, { biased: true });
      // `msg` is polled first but the channel is empty: `done` wins, and the parked recv
      // must leave the channel's wait queue without taking anything.
      expect(out.branch).toBe('done');
      await tx.send(round);
      expect(rx.tryRecv()).toBe(round);
    }
  });

  it('polls branches in the given order when biased', async () => {
    const out = await select({ first: () => 1, second: () => 2 }, { biased: true });
    expect(out).toEqual({ branch: 'first', value: 1 });
  });

  it('starts from a random branch when not biased, so no ready branch starves the others', async () => {
    const wins = new Set<string>();
    for (let i = 0; i < 200 && wins.size < 2; i++) {
      wins.add((await select({ a: () => 'a', b: () => 'b' })).branch);
    }
    expect([...wins].sort()).toEqual(['a', 'b']);
  });

  it('skips branches whose precondition is false', async () => {
    const out = await select({ off: { if: false, run: async () => 'off' }, on: { if: true, run: never } , later: async () => 'later' });
    expect(out.branch).toBe('later');
  });

  it('runs else when every branch is disabled', async () => {
    const out = await select({ off: { if: false, run: async () => 1 } }, { else: () => 'nothing' });
    expect(out).toEqual({ branch: 'else', value: 'nothing' });
  });

  it('fails with SelectError when every branch is disabled and there is no else', async () => {
    await expect(select({ off: { if: false, run: async () => 1 } })).rejects.toMatchObject({
      name: 'SelectError',
      code: 'ERR_RT_SELECT_ALL_DISABLED',
    });
    await expect(select({})).rejects.toBeInstanceOf(SelectError);
  });

  it('rejects with the error of the first branch to fail, after aborting the others', async () => {
    let aborted = false;
    await expect(select({
      bad: async () => { throw new Error('boom'); },
      other: (signal) => { signal.addEventListener('abort', () => { aborted = true; }); return never(signal); },
    }, { biased: true })).rejects.toThrow('boom');
    expect(aborted).toBe(true);
  });

  it('rejects bad branches at once with a TypeError', async () => {
    await expect(select({ bad: 42 as never })).rejects.toThrow(TypeError);
    await expect(select({ bad: { if: 'yes', run: () => 1 } as never })).rejects.toThrow(/'if' must be a boolean/);
  });

  it('is cancelled by its signal, aborting every branch', async () => {
    const controller = new AbortController();
    const aborted: string[] = [];
    const pending = select({
      a: (signal) => { signal.addEventListener('abort', () => aborted.push('a')); return never(signal); },
      b: (signal) => { signal.addEventListener('abort', () => aborted.push('b')); return never(signal); },
    }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Cancelled);
    expect(aborted.sort()).toEqual(['a', 'b']);
  });

  it('is cancelled when its task is aborted', async () => {
    const [, rx] = mpsc.channel<number>(1);
    const task = spawn(() => select({ msg: (signal) => rx.recv({ signal }), tick: (signal) => sleep(60_000, { signal }) }));
    await sleep(1);
    task.abort();
    await expect(task).rejects.toMatchObject({ name: 'JoinError' });
    expect(task.isFinished()).toBe(true);
  });

  it('hands a value that completed after the winner to onLost instead of dropping it', async () => {
    const lost: Array<[string, unknown]> = [];
    let finishLate!: (value: string) => void;
    const out = await select({
      winner: async () => 'first',
      late: () => new Promise<string>((resolve) => { finishLate = resolve; }),
    }, { biased: true, onLost: (branch, value) => lost.push([branch, value]) });
    expect(out.branch).toBe('winner');
    finishLate('second'); // it ignored its signal and completed anyway
    await new Promise((resolve) => setImmediate(resolve));
    expect(lost).toEqual([['late', 'second']]);
  });
});
