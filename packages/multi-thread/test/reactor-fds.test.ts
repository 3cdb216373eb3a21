// One reactor per worker runtime: a worker's sockets and its jobs waker (the eventfd that
// wakes a parked worker) share that runtime's one epoll fd, so each worker thread adds two
// epoll instances to the process: its own libuv loop's and its runtime's reactor.
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { available } from '@rt/mio-native';
import { Builder } from '@rt/multi-thread';
import type { MultiThreadRuntime } from '@rt/multi-thread';

const entry = pathToFileURL(join(__dirname, 'fixtures', 'reactor-fds.mjs'));

function eventpollFds(): number {
  let count = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === 'anon_inode:[eventpoll]') count++;
    } catch {
      // Closed while listing.
    }
  }
  return count;
}

const runtimes: MultiThreadRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.shutdown()));
});

(available ? describe : describe.skip)('worker runtimes and the reactor (native driver)', () => {
  it('adds two epoll fds per worker (libuv loop + its one reactor, shared by sockets and the jobs waker)', async () => {
    const before = eventpollFds();
    const runtime = Builder.multiThread().workerThreads(2).name('fds').build();
    runtimes.push(runtime);
    const shared = new SharedArrayBuffer(8);
    const counter = new Int32Array(shared);
    const running = runtime.run(entry, 'main', [shared]);
    const deadline = Date.now() + 10_000;
    while (Atomics.load(counter, 0) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(Atomics.load(counter, 0)).toBe(2);
    const during = eventpollFds();
    Atomics.store(counter, 1, 1);
    await expect(running).resolves.toEqual([
      { index: 0, registered: 4 },
      { index: 1, registered: 4 },
    ]);
    expect(during - before).toBe(4);
    await runtime.shutdown();
    expect(eventpollFds()).toBe(before);
  });
});
