import { Worker } from 'node:worker_threads';
import { addonPath, available, Interest, Poll, Ready, Waker } from '@rt/mio-native';
import { openFds } from './helpers.js';

const describeNative = available ? describe : describe.skip;

describeNative('Waker', () => {
  it('coalesces wakes until drained', () => {
    const waker = new Waker();
    expect(waker.drain()).toBe(0);
    waker.wake();
    waker.wake();
    expect(waker.drain()).toBe(2);
    expect(waker.drain()).toBe(0);
    waker.close();
  });

  it('wakes a poll from a worker thread', async () => {
    const before = openFds();
    const waker = new Waker();
    let resolve: (ready: number) => void = () => {};
    const woken = new Promise<number>((r) => (resolve = r));
    const poll = new Poll((events, count) => {
      for (let i = 0; i < count; i++) if (events[2 * i] === 9) resolve(events[2 * i + 1]!);
    });
    poll.register(waker.fd, 9, Interest.READABLE);
    poll.ref();
    const addon = addonPath!; // the file this process loaded: the prebuild, or the source build
    const worker = new Worker(`require(${JSON.stringify(addon)}).eventfdWrite(${waker.fd});`, { eval: true });
    const exit = new Promise((r) => worker.once('exit', r));
    expect(await woken).toBe(Ready.READABLE);
    expect(waker.drain()).toBe(1);
    await exit;
    poll.close();
    waker.close();
    waker.close();
    expect(() => waker.wake()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(openFds()).toBeLessThanOrEqual(before); // Node may close fds of its own meanwhile; never open ours
  });
});
