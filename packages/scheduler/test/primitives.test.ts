import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import {
  RESOLVED,
  WaitList,
  WaitNode,
  checkCancelled,
  checkCount,
  checkFunction,
  describe as describeValue,
  parkIn,
  parkSimple,
  tryPark,
} from '@rt/scheduler/primitives';

describe('@rt/scheduler/primitives', () => {
  it('WaitList behaves as a FIFO array model under any sequence of push/shift/pop/remove', () => {
    type Op = { kind: 'push' } | { kind: 'shift' } | { kind: 'pop' } | { kind: 'remove'; at: number };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'push' }),
      fc.constant<Op>({ kind: 'shift' }),
      fc.constant<Op>({ kind: 'pop' }),
      fc.nat(20).map((at): Op => ({ kind: 'remove', at })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const list = new WaitList<void>();
        const model: WaitNode<void>[] = [];
        const all: WaitNode<void>[] = [];
        for (const step of ops) {
          if (step.kind === 'push') {
            const node = new WaitNode<void>(all.length);
            all.push(node);
            list.push(node);
            model.push(node);
          } else if (step.kind === 'shift') {
            expect(list.shift()).toBe(model.shift());
          } else if (step.kind === 'pop') {
            expect(list.pop()).toBe(model.pop());
          } else if (all.length > 0) {
            const node = all[step.at % all.length]!;
            list.remove(node); // a node that is not linked is left alone
            const i = model.indexOf(node);
            if (i >= 0) model.splice(i, 1);
          }
          expect(list.length).toBe(model.length);
          expect(list.head).toBe(model[0]);
          expect(list.tail).toBe(model[model.length - 1]);
        }
        const drained = list.drain();
        expect(drained).toEqual(model);
        expect(drained.every((node) => !node.linked && node.prev === undefined && node.next === undefined)).toBe(true);
        expect(list.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('removeWaiter unlinks the node parked with a waiter (for a shared cancel callback)', () => {
    const list = new WaitList<number>();
    const nodes = [0, 1, 2].map(() => new WaitNode<number>());
    const waiters = nodes.map((node, i) => ({ settled: false, wake: () => true, fail: () => true, i }));
    nodes.forEach((node, i) => {
      node.waiter = waiters[i]!;
      list.push(node);
    });
    expect(list.removeWaiter(waiters[1]!)).toBe(nodes[1]);
    expect(list.removeWaiter(waiters[1]!)).toBeUndefined();
    expect(list.drain()).toEqual([nodes[0], nodes[2]]);
  });

  it('parkIn: a wake hands the value over; an abort takes the node out at once and runs afterCancel', async () => {
    const list = new WaitList<string>();
    const first = new WaitNode<string>();
    const second = new WaitNode<string>();
    const controller = new AbortController();
    const cancelled: [WaitNode<string>, boolean][] = [];
    const a = parkIn(list, first, 'test.first', { signal: controller.signal }, (node, wasHead) => cancelled.push([node, wasHead]));
    const b = track(parkIn(list, second, 'test.second', undefined));
    expect(list.length).toBe(2);
    controller.abort();
    expect(list.length).toBe(1); // synchronously, before anything else can hand it a value
    expect(list.head).toBe(second);
    expect(cancelled).toEqual([[first, true]]);
    await expect(a).rejects.toBeInstanceOf(Cancelled);
    list.shift()!.waiter!.wake('value');
    await settle();
    expect(b.isReady()).toBe(true);
    await expect(b.promise).resolves.toBe('value');
  });

  it('parkIn and parkSimple reject (never throw) when already cancelled, and park nothing', async () => {
    const list = new WaitList<void>();
    const signal = AbortSignal.abort('stop');
    await expect(parkIn(list, new WaitNode<void>(), 'test', { signal })).rejects.toBeInstanceOf(Cancelled);
    await expect(parkSimple(list, 'test', { signal })).rejects.toBeInstanceOf(Cancelled);
    expect(list.length).toBe(0);
  });

  it("checkCancelled and tryPark turn cancellation and a step's throw into rejections", async () => {
    expect(checkCancelled(undefined)).toBeUndefined();
    await expect(checkCancelled({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    const handle = spawn(async () => {
      handle.abort();
      await RESOLVED;
      return checkCancelled(undefined);
    });
    await expect(handle).rejects.toMatchObject({ name: 'JoinError' });
    const boom = new Error('boom');
    await expect(
      tryPark(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    await expect(tryPark(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('validates arguments with messages that name the value the same way everywhere', () => {
    expect(() => checkCount('permits', 1.5, 0)).toThrow(new RangeError('permits must be an integer in [0, 9007199254740991], got 1.5'));
    expect(() => checkCount('n', '3' as unknown as number, 0, 10)).toThrow(new RangeError('n must be an integer in [0, 10], got "3"'));
    expect(() => checkCount('n', 11, 0, 10)).toThrow(RangeError);
    expect(() => checkCount('n', 10, 0, 10)).not.toThrow();
    expect(() => checkFunction('spawn(fn): fn', 42)).toThrow(new TypeError('spawn(fn): fn must be a function, got 42'));
    expect(() => checkFunction('f', () => {})).not.toThrow();
    expect([
      describeValue('a'),
      describeValue(1n),
      describeValue(null),
      describeValue(undefined),
      describeValue(function named() {}),
      describeValue(new Map()),
      describeValue(Symbol('s')),
    ]).toEqual(['"a"', '1n', 'null', 'undefined', 'a function (named)', '[object Map]', 'Symbol(s)']);
  });
  it('reportLater reports an error as an uncaught exception on a microtask: never into its caller, before the next macrotask, each error once', async () => {
    // In a child process: jest's sandbox `process` is not the one an uncaught exception reaches.
    const script = `
      import { reportLater } from ${JSON.stringify(join(__dirname, '..', 'dist', 'primitives.js'))};
      process.on('uncaughtException', (error) => console.log('uncaught:', error.message));
      reportLater(new Error('first'));
      reportLater(new Error('second'));
      console.log('caller went on');
      setImmediate(() => console.log('next macrotask'));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual(['caller went on', 'uncaught: first', 'uncaught: second', 'next macrotask']);
  });
});
