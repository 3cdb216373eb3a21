// Review rv32 of pass eu29: the promise-hook context's state (the current frame, the nesting depth,
// the frame the outermost reaction replaced) moved from module variables into a constant object.
// Reactions nest only where a microtask checkpoint runs inside a reaction: a `vm` context with
// `microtaskMode: 'afterEvaluate'` drains its own queue at the end of `runInContext`. A reaction of
// another task's promise that runs there sees that task, and the outer reaction gets its own task
// back afterwards, at depth 2 (the frame kept in `outer`) and 3 (the `saved` stack) alike.
import { createContext, runInContext } from 'node:vm';
import { Builder, spawn, tryCurrentTask } from '@rt/scheduler';

const id = (): number | 'none' => tryCurrentTask()?.id ?? 'none';

describe('reactions nested in a reaction (a vm context\'s own microtask queue)', () => {
  it('run in the task of their promise, and each outer reaction gets its task back, two levels deep', async () => {
    const log: string[] = [];
    const gates: (() => void)[] = [];
    const opened = [0, 1].map((i) => new Promise<void>((resolve) => (gates[i] = resolve)));
    const open = (i: number): void => gates[i]!();
    const inner = createContext({ log, id, open }, { microtaskMode: 'afterEvaluate' });
    const outer = createContext({ log, id, open, inner, runInContext }, { microtaskMode: 'afterEvaluate' });
    // Functions of the vm contexts: their reactions are queued on that context's own queue.
    const innerHandler = runInContext(`(() => { log.push('C in inner checkpoint: ' + id()); })`, inner) as () => void;
    const outerHandler = runInContext(
      `(() => {
        log.push('B in outer checkpoint: ' + id());
        runInContext('open(1)', inner); // C's reaction runs here, nested once more
        log.push('B after inner checkpoint: ' + id());
      })`,
      outer,
    ) as () => void;
    const runtime = Builder.currentThread().build();
    const ids = await runtime.run(async () => {
      const b = spawn(async () => {
        const reacted = opened[0]!.then(outerHandler);
        await null;
        await reacted;
        return id();
      });
      const c = spawn(async () => {
        const reacted = opened[1]!.then(innerHandler);
        await null;
        await reacted;
        return id();
      });
      await null;
      await null;
      await Promise.resolve().then(() => {
        log.push(`A before: ${id()}`);
        runInContext('open(0)', outer); // B's reaction runs here, nested in this one
        log.push(`A after: ${id()}`);
      });
      log.push(`A next: ${id()}`);
      return { a: id(), b: await b, c: await c };
    });
    const { a, b, c } = ids;
    expect(new Set([a, b, c]).size).toBe(3);
    expect(log).toEqual([
      `A before: ${a}`,
      `B in outer checkpoint: ${b}`,
      `C in inner checkpoint: ${c}`,
      `B after inner checkpoint: ${b}`,
      `A after: ${a}`,
      `A next: ${a}`,
    ]);
    expect(id()).toBe('none');
  });
});
