import { inspect } from 'node:util';
import { JoinHandle, spawn } from '@rt/scheduler';

// Issue 16, pass sj29: every `await handle` looks `then` up with the engine's uncached look-up,
// which scans a prototype of at most eight properties and binary-searches a larger one. So `then`
// sits on a short `JoinHandle.prototype`, the handle's other methods one prototype further.
describe('JoinHandle.prototype', () => {
  it('owns `then` among at most eight properties', () => {
    const own = Reflect.ownKeys(JoinHandle.prototype);
    expect(own).toContain('then');
    expect(own.length).toBeLessThanOrEqual(8);
  });

  it('still gives every handle its methods, with their descriptors', async () => {
    const handle = spawn(async () => 5, { name: 'five' });
    expect(Object.getPrototypeOf(handle)).toBe(JoinHandle.prototype);
    for (const name of ['then', 'join', 'catch', 'abort', 'isFinished', 'onFinished', 'toJSON', 'abortHandle'] as const) {
      expect(typeof handle[name]).toBe('function');
      let holder: object | null = JoinHandle.prototype;
      while (holder !== null && !Object.prototype.hasOwnProperty.call(holder, name)) holder = Object.getPrototypeOf(holder) as object | null;
      const descriptor = Object.getOwnPropertyDescriptor(holder!, name)!;
      expect(descriptor.enumerable).toBe(false);
      expect(descriptor.writable).toBe(true);
      expect(descriptor.configurable).toBe(true);
    }
    expect(await handle.join()).toBe(5);
    expect(await handle.catch(() => 0)).toBe(5);
    expect(handle.isFinished()).toBe(true);
    let called = 0;
    handle.onFinished(() => called++);
    expect(called).toBe(1);
    expect(JSON.stringify(handle)).toBe(`{"id":${handle.id},"name":"five"}`);
    expect(inspect(handle)).toBe(`JoinHandle { id: ${handle.id}, name: "five" }`);
    expect(handle.abortHandle().isFinished()).toBe(true);
    handle.abort();
    expect(await handle).toBe(5);
  });
});
