import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { OnceCell, SetError, SetOnce } from '@rt/sync';

describe('OnceCell', () => {
  it('runs one initialiser and gives every caller its value', async () => {
    const cell = new OnceCell<number>();
    let runs = 0;
    let finish!: (v: number) => void;
    const init = () => {
      runs++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const a = cell.getOrInit(init);
    const b = cell.getOrInit(init);
    await settle();
    expect(runs).toBe(1);
    finish(7);
    expect(await a).toBe(7);
    expect(await b).toBe(7);
    expect(cell.get()).toBe(7);
    expect(cell.initialized).toBe(true);
    expect(await cell.getOrInit(init)).toBe(7);
    expect(runs).toBe(1);
  });

  it('a failed initialiser lets the next waiter try', async () => {
    const cell = new OnceCell<string>();
    const failing = cell.getOrTryInit(() => Promise.reject(new Error('boom')));
    const next = cell.getOrInit(() => 'ok');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });

  it('an aborted waiter leaves the queue and the cell is still initialised once', async () => {
    const cell = new OnceCell<number>();
    let finish!: (v: number) => void;
    const first = cell.getOrInit(() => new Promise<number>((r) => (finish = r)));
    const ac = new AbortController();
    const aborted = cell.getOrInit(() => 2, { signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    finish(1);
    expect(await first).toBe(1);
  });

  it('set fails with SetError while initialising or once set; take empties it', async () => {
    const cell = new OnceCell<number>();
    let finish!: (v: number) => void;
    const running = track(cell.getOrInit(() => new Promise<number>((r) => (finish = r))));
    await settle();
    expect(() => cell.set(1)).toThrow(SetError);
    try { cell.set(1); } catch (e) { expect((e as SetError<number>).kind).toBe('Initializing'); }
    finish(2);
    await running.promise;
    try { cell.set(3); } catch (e) {
      expect((e as SetError<number>).kind).toBe('AlreadyInitialized');
      expect((e as SetError<number>).value).toBe(3);
    }
    expect(cell.take()).toBe(2);
    expect(cell.initialized).toBe(false);
    cell.set(4);
    expect(await cell.getOrInit(() => 5)).toBe(4);
  });

  it('an initialiser aborted with its task lets the next waiter initialise', async () => {
    const cell = new OnceCell<string>();
    const never = new SetOnce<string>();
    const first = spawn(() => cell.getOrInit(() => never.wait()));
    await settle();
    const second = track(cell.getOrInit(() => 'second'));
    await settle();
    expect(second.isPending()).toBe(true);
    first.abort();
    await expect(first).rejects.toMatchObject({ name: 'JoinError' });
    expect(await second.promise).toBe('second');
    expect(cell.get()).toBe('second');
  });
});
