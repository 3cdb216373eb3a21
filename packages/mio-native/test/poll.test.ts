import { openSync, closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { addonPath, available, constants, Interest, Poll, Ready, sys } from '@rt/mio-native';
import { openFds, socketPair, tcpListener } from './helpers.js';

const describeNative = available ? describe : describe.skip;

/** Drains with a bounded blocking wait (the event is already pending: returns at once). */
function waitEvents(poll: Poll): Map<number, number> {
  const out = new Map<number, number>();
  const count = poll.wait(1000);
  for (let i = 0; i < count; i++) out.set(poll.events[2 * i]!, (out.get(poll.events[2 * i]!) ?? 0) | poll.events[2 * i + 1]!);
  return out;
}

describeNative('Poll', () => {
  let before = 0;
  let poll: Poll;
  beforeEach(() => {
    before = openFds();
    poll = new Poll(() => {});
  });
  afterEach(() => {
    poll.close();
    expect(openFds()).toBeLessThanOrEqual(before); // Node may close fds of its own meanwhile; never open ours
  });

  it('reports writable at once and readable when data arrives, keyed by token', () => {
    const [a, b] = socketPair();
    poll.register(a, 41, Interest.READABLE | Interest.WRITABLE);
    expect(waitEvents(poll).get(41)).toBe(Ready.WRITABLE);
    sys.write(b, Buffer.from('x'));
    expect(waitEvents(poll).get(41)! & Ready.READABLE).toBe(Ready.READABLE);
    sys.close(a);
    sys.close(b);
  });

  it('is edge-triggered: unread data is not reported twice', () => {
    const [a, b] = socketPair();
    poll.register(a, 1, Interest.READABLE);
    sys.write(b, Buffer.from('x'));
    expect(waitEvents(poll).get(1)).toBe(Ready.READABLE);
    expect(poll.wait(0)).toBe(0);
    sys.close(a);
    sys.close(b);
  });

  it('reports data and end of stream in one event', () => {
    const [a, b] = socketPair();
    sys.write(b, Buffer.from('last words'));
    sys.shutdown(b, 'write');
    poll.register(a, 2, Interest.READABLE);
    expect(waitEvents(poll).get(2)).toBe(Ready.READABLE | Ready.READ_CLOSED);
    sys.close(a);
    sys.close(b);
  });

  it('reports a hang-up as read-closed and write-closed', () => {
    const [a, b] = socketPair();
    poll.register(a, 3, Interest.READABLE | Interest.WRITABLE);
    waitEvents(poll);
    sys.close(b);
    const ready = waitEvents(poll).get(3)!;
    expect(ready & Ready.READ_CLOSED).toBe(Ready.READ_CLOSED);
    expect(ready & Ready.WRITE_CLOSED).toBe(Ready.WRITE_CLOSED);
    sys.close(a);
  });

  it('reports an error after a refused connect', () => {
    const listener = tcpListener();
    sys.close(listener.fd);
    const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    const r = sys.connect(fd, { family: 'IPv4', address: '127.0.0.1', port: listener.port });
    if (r === -115) {
      poll.register(fd, 4, Interest.READABLE | Interest.WRITABLE);
      const ready = waitEvents(poll).get(4)!;
      expect(ready & Ready.ERROR).toBe(Ready.ERROR);
      expect(ready & Ready.WRITE_CLOSED).toBe(Ready.WRITE_CLOSED);
      expect(sys.takeError(fd)).toBe(-111);
    } else {
      expect(r).toBe(-111);
    }
    sys.close(fd);
  });

  it('reports many fds ready at once in one batch', () => {
    const pairs = Array.from({ length: 20 }, () => socketPair());
    pairs.forEach(([a], i) => poll.register(a, 100 + i, Interest.READABLE));
    for (const [, b] of pairs) sys.write(b, Buffer.from('x'));
    const events = waitEvents(poll);
    expect([...events.keys()].sort((x, y) => x - y)).toEqual(pairs.map((_, i) => 100 + i));
    for (const [a, b] of pairs) {
      sys.close(a);
      sys.close(b);
    }
  });

  it('delivers events through libuv in batches of batchSize, one call per batch', async () => {
    const batches: number[] = [];
    const seen = new Set<number>();
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const small = new Poll((events, count) => {
      batches.push(count);
      for (let i = 0; i < count; i++) seen.add(events[2 * i]!);
      if (seen.size === 10) done();
    }, { batchSize: 4 });
    const pairs = Array.from({ length: 10 }, () => socketPair());
    pairs.forEach(([a], i) => small.register(a, i + 1, Interest.READABLE));
    for (const [, b] of pairs) sys.write(b, Buffer.from('x'));
    small.ref();
    await finished;
    expect(batches.every((n) => n <= 4)).toBe(true);
    expect(batches.reduce((x, y) => x + y, 0)).toBe(10);
    small.close();
    for (const [a, b] of pairs) {
      sys.close(a);
      sys.close(b);
    }
  });

  it('changes interest with reregister and stops with deregister', () => {
    const [a, b] = socketPair();
    poll.register(a, 5, Interest.READABLE);
    sys.write(b, Buffer.from('x'));
    poll.reregister(a, 6, Interest.READABLE | Interest.WRITABLE);
    const events = waitEvents(poll);
    expect(events.has(5)).toBe(false);
    expect(events.get(6)! & Ready.WRITABLE).toBe(Ready.WRITABLE);
    poll.deregister(a);
    sys.write(b, Buffer.from('y'));
    expect(poll.wait(0)).toBe(0);
    sys.close(a);
    sys.close(b);
  });

  it('throws OsError for a bad fd, a double registration, an unknown fd and a regular file', () => {
    const [a, b] = socketPair();
    expect(() => poll.register(99999, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'epoll_ctl' }));
    poll.register(a, 1, Interest.READABLE);
    expect(() => poll.register(a, 2, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => poll.deregister(b)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const file = openSync(__filename, 'r');
    expect(() => poll.register(file, 3, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EPERM' }));
    closeSync(file);
    sys.close(a);
    sys.close(b);
  });

  it('rejects bad arguments with RangeError and TypeError', () => {
    expect(() => poll.register(-1, 1, Interest.READABLE)).toThrow(RangeError);
    expect(() => poll.register(0, -1, Interest.READABLE)).toThrow(RangeError);
    expect(() => poll.register(0, 1, 0)).toThrow(RangeError);
    expect(() => poll.wait(-5)).toThrow(RangeError);
    expect(() => new Poll(() => {}, { batchSize: 0 })).toThrow(RangeError);
    expect(() => new Poll(null as unknown as () => void)).toThrow(TypeError);
  });

  it('fails with EBADF after close and closes idempotently', () => {
    const [a, b] = socketPair();
    poll.close();
    poll.close();
    expect(poll.closed).toBe(true);
    expect(poll.fd).toBe(-1);
    expect(() => poll.register(a, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    sys.close(a);
    sys.close(b);
  });

  it('closes a poll that a worker thread leaves open when the worker exits', async () => {
    const start = openFds();
    const addon = addonPath!; // the file this process loaded: the prebuild, or the source build
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(
        `const b = require(${JSON.stringify(addon)}); const p = b.pollCreate(new Uint32Array(8), () => {}, {}); b.pollRef(p, false);
         require('worker_threads').parentPort.postMessage(b.pollFd(p));`,
        { eval: true },
      );
      // Both listeners first: 'exit' may follow 'message' before an await would attach it.
      const message = new Promise<number>((resolve) => worker.once('message', resolve));
      const exit = new Promise((resolve) => worker.once('exit', resolve));
      expect(await message).toBeGreaterThan(2);
      expect(await exit).toBe(0);
    }
    expect(openFds()).toBeLessThanOrEqual(start);
  });

  it('does not leak fds over many polls', () => {
    const start = openFds();
    for (let i = 0; i < 50; i++) new Poll(() => {}).close();
    expect(openFds()).toBeLessThanOrEqual(start);
  });
});

describe('Ready', () => {
  it('names its bits', () => {
    expect(Ready.names(Ready.READABLE | Ready.READ_CLOSED | Ready.ERROR)).toEqual(['readable', 'readClosed', 'error']);
  });
});

describe('Interest', () => {
  it('maps interests to the Ready bits that satisfy them', () => {
    expect(Interest.readyMask(Interest.READABLE)).toBe(Ready.READABLE | Ready.READ_CLOSED);
    expect(Interest.readyMask(Interest.WRITABLE)).toBe(Ready.WRITABLE | Ready.WRITE_CLOSED);
    expect(Interest.readyMask(Interest.ERROR)).toBe(Ready.ERROR);
    expect(() => Interest.check(0)).toThrow(RangeError);
    expect(Interest.readyMask(Interest.READ_CLOSED)).toBe(Ready.READ_CLOSED);
    expect(Interest.readyMask(Interest.WRITE_CLOSED)).toBe(Ready.WRITE_CLOSED);
    expect(() => Interest.check(64)).toThrow(RangeError);
  });
});
