// One reactor per runtime: a program that uses TCP, UDP, Unix sockets and child pipes in one
// runtime opens exactly one epoll fd for it (net, process and the ready queue share the
// runtime's reactor), a second runtime opens one more, and shutting both down closes them.
// Each worker of a multi-thread runtime adds two: its thread's libuv loop and its runtime's
// one reactor, which holds the worker's sockets and the jobs waker's eventfd.
import { readdirSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readToString, writeAll } from '@rt/io';
import { TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream, netDriver } from '@rt/net';
import { Builder as MultiThreadBuilder } from '@rt/multi-thread';
import type { MultiThreadRuntime } from '@rt/multi-thread';
import { Command } from '@rt/process';
import { Builder } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';

/** How many epoll instances this process has open (Node's own loop is one of them). */
function eventpollFds(): number {
  let count = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === 'anon_inode:[eventpoll]') count++;
    } catch {
      // Closed while listing (the readdir's own fd).
    }
  }
  return count;
}

/** Uses TCP, UDP, a Unix stream socket and a child's pipes in the current runtime. */
async function useEverything(dir: string, tag: string): Promise<void> {
  await using tcp = await TcpListener.bind('127.0.0.1:0');
  await using client = await TcpStream.connect(tcp.localAddr());
  await using server = await tcp.accept();
  await client.writeAll(Buffer.from('tcp'));
  const buf = new Uint8Array(16);
  expect(Buffer.from(buf.subarray(0, await server.read(buf))).toString()).toBe('tcp');

  await using a = await UdpSocket.bind('127.0.0.1:0');
  await using b = await UdpSocket.bind('127.0.0.1:0');
  await a.sendTo(Buffer.from('udp'), b.localAddr());
  const [n] = await b.recvFrom(buf);
  expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('udp');

  const path = join(dir, `${tag}.sock`);
  await using unix = await UnixListener.bind(path);
  await using unixClient = await UnixStream.connect(path);
  await using unixServer = await unix.accept();
  await unixClient.writeAll(Buffer.from('unix'));
  expect(Buffer.from(buf.subarray(0, await unixServer.read(buf))).toString()).toBe('unix');

  const child = new Command('cat').stdin('piped').stdout('piped').spawn();
  await writeAll(child.stdin!, Buffer.from('pipe'));
  await child.stdin!.shutdown();
  expect(await readToString(child.stdout!)).toBe('pipe');
  expect((await child.wait()).success).toBe(true);
}

const native = netDriver() === 'native';

(native ? describe : describe.skip)('one reactor per runtime (native driver)', () => {
  let dir = '';
  const runtimes: Runtime[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-one-reactor-'));
  });
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one eventpoll fd per runtime for TCP, UDP, Unix sockets and child pipes together', async () => {
    const before = eventpollFds();
    const first = Builder.currentThread().enableAll().build();
    runtimes.push(first);
    let during = -1;
    await first.run(async () => {
      await useEverything(dir, 'first');
      during = eventpollFds();
    });
    expect(during - before).toBe(1);

    const second = Builder.currentThread().enableAll().build();
    runtimes.push(second);
    await second.run(() => useEverything(dir, 'second'));
    expect(eventpollFds() - before).toBe(2);

    for (const runtime of runtimes.splice(0)) await runtime.shutdown();
    expect(eventpollFds()).toBe(before);
  });
});

(native ? describe : describe.skip)('one reactor per worker runtime (native driver)', () => {
  const runtimes: MultiThreadRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.shutdown()));
  });

  it('adds two epoll fds per worker (libuv loop + its one reactor, shared by sockets and the jobs waker)', async () => {
    const before = eventpollFds();
    const runtime = MultiThreadBuilder.multiThread().workerThreads(2).name('fds').build();
    runtimes.push(runtime);
    const shared = new SharedArrayBuffer(8);
    const counter = new Int32Array(shared);
    const running = runtime.run(pathToFileURL(join(__dirname, 'fixtures', 'reactor-fds.mjs')), 'main', [shared]);
    // 45 s for both workers to start and connect (was 10 s): that is work, ~2.2 s of CPU for the
    // case alone here (time(1) of a jest run of it less an empty run), each worker loading rt on
    // its own thread, and at load ~20 on 2 cores a thread gets about a tenth of a core (~20 s).
    // A worker that never gets there still fails the count below; jest's 60 s is the backstop.
    const deadline = Date.now() + 45_000;
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
  }, 60_000);
});
