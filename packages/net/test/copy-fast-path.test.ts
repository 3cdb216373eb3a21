// `copy(reader, writer)` between two rt sockets on the native driver takes the reader's
// `fastCopy` path: the bytes move socket to socket inside the driver's serve callbacks
// (`NativeStream.copyTo`). These tests drive it through the public API only, on loopback:
// counts and checksums, backpressure, end of stream, errors, cancellation, ownership of
// the two directions while a copy runs, the cases that decline to the generic loop, and
// fairness towards other connections of the same runtime.
import { createHash, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Cancelled, JoinError, spawn } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { copy, copyBidirectional, duplex, sink } from '@rt/io';
import { NetError, SocketClosed, TcpListener, TcpStream, UnixStream, WouldBlock, netDriver } from '@rt/net';
import type { DriverName } from '@rt/net';
import { eventually, openFds, readAll } from './support/drivers.js';

const native = netDriver() === 'native';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

/** Everything a test opened: closed after each test even when it fails (so nothing hangs). */
const opened: { close(): void }[] = [];
const workers: Worker[] = [];

/** A listener that is closed after the test. */
async function listen(driver: DriverName = 'native'): Promise<TcpListener> {
  const listener = await TcpListener.bind('127.0.0.1:0', { driver });
  opened.push(listener);
  return listener;
}

/** A connected loopback pair on `listener`: [client, server]. */
async function pair(listener: TcpListener, driver: DriverName = 'native'): Promise<[TcpStream, TcpStream]> {
  const accepting = listener.accept();
  const client = await TcpStream.connect(listener.localAddr(), { driver });
  opened.push(client);
  const server = await accepting;
  opened.push(server);
  return [client, server];
}

/** Reads exactly `length` bytes (fails on an early end of stream). */
async function readExactly(stream: { read(buf: Uint8Array): Promise<number> }, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = await stream.read(buf.subarray(got));
    if (n === 0) throw new Error(`end of stream after ${got} of ${length} bytes`);
    got += n;
  }
  return buf;
}

/** Writes `data` in chunks of `chunk` bytes, then shuts the writing side down. */
async function send(stream: TcpStream | UnixStream, data: Uint8Array, chunk = 256 * 1024): Promise<void> {
  for (let at = 0; at < data.length; at += chunk) await stream.writeAll(data.subarray(at, Math.min(at + chunk, data.length)));
  await stream.shutdown();
}

/** Echoes until end of stream with plain reads and writes (not `copy`), then shuts down. */
async function echo(stream: TcpStream): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await stream.read(buf);
    if (n === 0) break;
    await stream.writeAll(buf.subarray(0, n));
  }
  await stream.shutdown();
}

/** Whether `promise` has settled, after letting pending I/O run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/**
 * A source → copy → destination chain: `feeder` writes into `source`, `copy(source,
 * destination)` moves the bytes on, `drain` is the destination's peer.
 */
async function chain(listener: TcpListener): Promise<{ feeder: TcpStream; source: TcpStream; destination: TcpStream; drain: TcpStream }> {
  const [feeder, source] = await pair(listener);
  const [destination, drain] = await pair(listener);
  return { feeder, source, destination, drain };
}

(native ? describe : describe.skip)('copy between native sockets (fast path)', () => {
  // Lazily created fds (the reactor's epoll instance, the resolver) exist before any count.
  beforeAll(async () => {
    const listener = await listen();
    const [client, server] = await pair(listener);
    await client.writeAll(text('warm'));
    await readExactly(server, 4);
    for (const handle of opened.splice(0)) handle.close();
    await settle();
  });

  afterEach(async () => {
    for (const handle of opened.splice(0)) handle.close(); // idempotent; wakes anything parked
    await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
  });

  describe('echo: copy(stream, stream)', () => {
    it('echoes 32 MiB with the same checksum and resolves with the byte count', async () => {
      const listener = await listen();
      const [client, server] = await pair(listener);
      const data = randomBytes(32 * MiB);
      const copying = copy(server, server);
      const [, back] = await Promise.all([
        send(client, data),
        readExactly(client, data.length),
        copying.then(() => server.shutdown()),
      ]);
      expect(await copying).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
      expect(await client.read(new Uint8Array(1))).toBe(0); // the shutdown above, not the copy's
    }, 20_000);

    it('echoes through UnixStream.pair()', async () => {
      const [a, b] = UnixStream.pair({ driver: 'native' });
      opened.push(a, b);
      const data = randomBytes(4 * MiB);
      const copying = copy(b, b, { bufferSize: 8 * 1024 });
      const [, back] = await Promise.all([send(a, data), readExactly(a, data.length)]);
      expect(await copying).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
    });
  });

  describe('proxy', () => {
    /** client ↔ (proxyIn | proxyOut) ↔ upstream echo. */
    async function proxy(): Promise<{ client: TcpStream; proxyIn: TcpStream; proxyOut: TcpStream; upstreamDone: Promise<void> }> {
      const front = await listen();
      const back = await listen();
      const [client, proxyIn] = await pair(front);
      const [proxyOut, upstream] = await pair(back);
      return { client, proxyIn, proxyOut, upstreamDone: echo(upstream) };
    }

    it('moves the bytes both ways with two copies, each resolving with its count', async () => {
      const { client, proxyIn, proxyOut, upstreamDone } = await proxy();
      const data = randomBytes(8 * MiB);
      const up = copy(proxyIn, proxyOut).then(async (n) => {
        await proxyOut.shutdown();
        return n;
      });
      const down = copy(proxyOut, proxyIn).then(async (n) => {
        await proxyIn.shutdown();
        return n;
      });
      const [, back, sent, received] = await Promise.all([send(client, data), readAll(client), up, down, upstreamDone]);
      expect(sent).toBe(data.length);
      expect(received).toBe(data.length);
      expect(back.length).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
    });

    it('moves the bytes between split halves (split() on one side, intoSplit() on the other)', async () => {
      const { client, proxyIn, proxyOut, upstreamDone } = await proxy();
      const [inReader, inWriter] = proxyIn.split();
      const [outReader, outWriter] = proxyOut.intoSplit();
      opened.push(outReader, outWriter);
      const data = randomBytes(8 * MiB);
      const up = copy(inReader, outWriter).then(async (n) => {
        await outWriter.shutdown();
        return n;
      });
      const down = copy(outReader, inWriter).then(async (n) => {
        await inWriter.shutdown();
        return n;
      });
      const [, back, sent, received] = await Promise.all([send(client, data), readAll(client), up, down, upstreamDone]);
      expect([sent, received]).toEqual([data.length, data.length]);
      expect(sha256(back)).toBe(sha256(data));
    });
  });

  it('stalls while the destination peer does not read (the source fills up, bounded memory), then completes', async () => {
    const listener = await listen();
    const { feeder, source, destination, drain } = await chain(listener);
    const copying = copy(source, destination);
    const rssBefore = process.memoryUsage().rss;
    // Fill everything: the feeder's send buffer, the source's receive buffer, the copy's
    // buffer, the destination's send buffer and the drain's receive buffer. Stalled when
    // the feeder's tryWrite keeps failing over many event-loop turns.
    const chunk = randomBytes(64 * 1024);
    const sent: Buffer[] = [];
    let total = 0;
    let blockedTurns = 0;
    while (blockedTurns < 200) {
      expect(total).toBeLessThan(256 * MiB); // loopback buffers are a few MiB: this would be unbounded
      try {
        const n = feeder.tryWrite(chunk);
        sent.push(chunk.subarray(0, n));
        total += n;
        blockedTurns = 0;
      } catch (error) {
        expect(error).toBeInstanceOf(WouldBlock);
        blockedTurns++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    expect(await settled(copying)).toBe(false);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(total + 64 * MiB); // nothing piles up in JS
    // The drain reads: the copy resumes and completes with every byte in order.
    const rest = randomBytes(1 * MiB);
    const [received] = await Promise.all([readAll(drain, total + rest.length), send(feeder, rest)]);
    expect(await copying).toBe(total + rest.length);
    expect(sha256(received)).toBe(sha256(Buffer.concat([...sent, rest])));
  });

  it('resolves at the source end of stream without shutting the destination down', async () => {
    const listener = await listen();
    const { feeder, source, destination, drain } = await chain(listener);
    const copying = copy(source, destination);
    await feeder.writeAll(text('hello'));
    await feeder.shutdown();
    expect(await copying).toBe(5);
    // The destination still writes (and reads); the source still writes back to its peer.
    await destination.writeAll(text(' after'));
    expect((await readExactly(drain, 11)).toString()).toBe('hello after');
    await drain.writeAll(text('reply'));
    expect((await readExactly(destination, 5)).toString()).toBe('reply');
    expect(await source.read(new Uint8Array(1))).toBe(0);
    await source.writeAll(text('bye'));
    expect((await readExactly(feeder, 3)).toString()).toBe('bye');
  });

  describe('errors', () => {
    let fds = 0;
    beforeEach(() => {
      fds = openFds();
    });
    afterEach(async () => {
      for (const handle of opened.splice(0)) handle.close();
      await eventually(() => openFds() === fds);
    });

    /** Starts `copy(source, destination)` and waits until bytes went through it. */
    async function running(listener: TcpListener): Promise<{ feeder: TcpStream; source: TcpStream; destination: TcpStream; drain: TcpStream; copying: Promise<number> }> {
      const ends = await chain(listener);
      const copying = copy(ends.source, ends.destination);
      copying.catch(() => undefined); // examined later
      await ends.feeder.writeAll(text('first'));
      expect((await readExactly(ends.drain, 5)).toString()).toBe('first');
      return { ...ends, copying };
    }

    it('rejects with a typed ECONNRESET when the source peer resets', async () => {
      const listener = await listen();
      const { feeder, copying } = await running(listener);
      feeder.setLinger(0);
      feeder.close();
      const error = await copying.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NetError);
      expect(error).toMatchObject({ code: 'ECONNRESET', kind: 'ConnectionReset' });
    });

    it('rejects with a typed EPIPE/ECONNRESET when the destination peer is gone', async () => {
      const listener = await listen();
      const { feeder, drain, copying } = await running(listener);
      drain.setLinger(0);
      drain.close();
      const chunk = randomBytes(16 * 1024);
      for (let i = 0; i < 1000 && !(await settled(copying)); i++) await feeder.writeAll(chunk);
      const error = await copying.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NetError);
      expect(['EPIPE', 'ECONNRESET']).toContain((error as NetError).code);
    });

    it('rejects with SocketClosed when the source is closed locally', async () => {
      const listener = await listen();
      const { source, destination, drain, copying } = await running(listener);
      source.close();
      await expect(copying).rejects.toBeInstanceOf(SocketClosed);
      await destination.writeAll(text('still'));
      expect((await readExactly(drain, 5)).toString()).toBe('still');
    });

    it('rejects with SocketClosed when the destination is closed locally', async () => {
      const listener = await listen();
      const { feeder, source, destination, copying } = await running(listener);
      destination.close();
      await expect(copying).rejects.toBeInstanceOf(SocketClosed);
      await feeder.writeAll(text('still'));
      expect((await readExactly(source, 5)).toString()).toBe('still');
    });
  });

  describe('cancellation', () => {
    it('rejects with Cancelled on abort and gives both directions back', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const controller = new AbortController();
      const copying = copy(source, destination, { signal: controller.signal });
      await feeder.writeAll(text('first'));
      expect((await readExactly(drain, 5)).toString()).toBe('first');
      controller.abort();
      await expect(copying).rejects.toBeInstanceOf(Cancelled);
      await feeder.writeAll(text('later'));
      expect((await readExactly(source, 5)).toString()).toBe('later');
      await destination.writeAll(text('more'));
      expect((await readExactly(drain, 4)).toString()).toBe('more');
    });

    it('rejects with Cancelled on abort in the middle of a large transfer, losing at most one buffer', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const controller = new AbortController();
      const bufferSize = 16 * 1024;
      const copying = copy(source, destination, { signal: controller.signal, bufferSize });
      const data = randomBytes(4 * MiB);
      // The feeder shuts down only after the abort: otherwise the kernel's loopback buffers can
      // take all 4 MiB and the copy reach end of stream before the abort.
      const feeding = (async () => {
        for (let at = 0; at < data.length; at += 64 * 1024) await feeder.writeAll(data.subarray(at, at + 64 * 1024));
      })();
      const head = await readExactly(drain, 256 * 1024); // mid-transfer
      controller.abort();
      await expect(copying).rejects.toBeInstanceOf(Cancelled);
      // The copy gave both directions back: the rest of the stream is read from the source,
      // and the destination takes other bytes after what the copy wrote.
      const [rest] = await Promise.all([readAll(source), feeding.then(() => feeder.shutdown())]);
      // The drain is read while 'end' is written: the copy may have filled the loopback
      // buffers towards the drain (about 4 MiB here) before the abort, and then the write of
      // 'end' waits for the drain to take bytes.
      const [tail] = await Promise.all([readAll(drain), destination.writeAll(text('end')).then(() => destination.shutdown())]);
      const copied = Buffer.concat([head, tail]);
      expect(copied.subarray(copied.length - 3).toString()).toBe('end');
      const through = copied.subarray(0, copied.length - 3);
      // In order, nothing duplicated: a prefix went through the copy, a suffix stayed in the
      // source, and what is missing in between is at most the copy's one buffer.
      expect(sha256(through)).toBe(sha256(data.subarray(0, through.length)));
      expect(sha256(rest)).toBe(sha256(data.subarray(data.length - rest.length)));
      const lost = data.length - through.length - rest.length;
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThanOrEqual(bufferSize);
    });

    it('stops with the task that runs it (JoinHandle.abort) and gives both directions back', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const task = spawn(() => copy(source, destination));
      await feeder.writeAll(text('first'));
      expect((await readExactly(drain, 5)).toString()).toBe('first');
      task.abort();
      const joined = await Promise.resolve(task).then(() => null, (e: unknown) => e);
      expect(joined).toBeInstanceOf(JoinError);
      expect((joined as JoinError).isCancelled()).toBe(true);
      await feeder.writeAll(text('later'));
      expect((await readExactly(source, 5)).toString()).toBe('later');
      await destination.writeAll(text('more'));
      expect((await readExactly(drain, 4)).toString()).toBe('more');
    });
  });

  describe('ownership while a copy runs', () => {
    it('parks a read of the source until the copy ends; tryRead throws WouldBlock', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const controller = new AbortController();
      const copying = copy(source, destination, { signal: controller.signal });
      copying.catch(() => undefined);
      const buf = new Uint8Array(64);
      const reading = source.read(buf);
      await feeder.writeAll(text('to copy'));
      expect((await readExactly(drain, 7)).toString()).toBe('to copy'); // the copy took it
      expect(await settled(reading)).toBe(false);
      expect(() => source.tryRead(new Uint8Array(8))).toThrow(WouldBlock);
      controller.abort();
      await expect(copying).rejects.toBeInstanceOf(Cancelled);
      await feeder.writeAll(text('for the read'));
      const n = await reading;
      expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('for the read'.slice(0, n));
    });

    it('parks a write to the destination until the copy ends, then runs it after the copied bytes', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const copying = copy(source, destination);
      await feeder.writeAll(text('copied;'));
      expect((await readExactly(drain, 7)).toString()).toBe('copied;');
      expect(() => destination.tryWrite(text('x'))).toThrow(WouldBlock);
      const writing = destination.writeAll(text('written'));
      expect(await settled(writing)).toBe(false);
      await feeder.writeAll(text('tail;'));
      await feeder.shutdown();
      expect(await copying).toBe(12);
      await writing;
      expect((await readExactly(drain, 12)).toString()).toBe('tail;written');
    });
  });

  describe('edge cases', () => {
    it('rejects with Cancelled for an already aborted signal and owns nothing afterwards', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      await expect(copy(source, destination, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
      expect(() => source.tryRead(new Uint8Array(8))).toThrow(WouldBlock); // nothing there, not "owned"
      expect(destination.tryWrite(text('free'))).toBe(4);
      await feeder.writeAll(text('data'));
      expect((await readExactly(source, 4)).toString()).toBe('data');
      expect((await readExactly(drain, 4)).toString()).toBe('free');
    });

    it('fails with Node EPIPE (kind BrokenPipe) into a destination that was shut down', async () => {
      const listener = await listen();
      const { feeder, source, destination } = await chain(listener);
      await destination.shutdown();
      const copying = copy(source, destination);
      await feeder.writeAll(text('x'));
      const error = await copying.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NetError);
      expect((error as NetError).code).toBe('EPIPE');
    });

    it('runs a second copy from the same source after the first one ends (the second waits its turn)', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const [other, otherDrain] = await pair(listener);
      const controller = new AbortController();
      const first = copy(source, destination, { signal: controller.signal });
      first.catch(() => undefined);
      const second = copy(source, other);
      await feeder.writeAll(text('one;'));
      expect((await readExactly(drain, 4)).toString()).toBe('one;');
      expect(await settled(second)).toBe(false);
      controller.abort();
      await expect(first).rejects.toBeInstanceOf(Cancelled);
      await feeder.writeAll(text('two;'));
      await feeder.shutdown();
      expect(await second).toBe(4);
      expect((await readExactly(otherDrain, 4)).toString()).toBe('two;');
    });

    it('wakes a ready() of the source parked behind the copy when the copy ends', async () => {
      const listener = await listen();
      const { feeder, source, destination, drain } = await chain(listener);
      const controller = new AbortController();
      const copying = copy(source, destination, { signal: controller.signal });
      copying.catch(() => undefined);
      const readable = source.readable();
      await feeder.writeAll(text('copied'));
      expect((await readExactly(drain, 6)).toString()).toBe('copied');
      expect(await settled(readable)).toBe(false);
      controller.abort();
      await feeder.writeAll(text('next'));
      await readable;
      expect((await readExactly(source, 4)).toString()).toBe('next');
    });
  });

  describe('declines to the generic loop', () => {
    it('copies between fallback-driver streams', async () => {
      const listener = await listen('fallback');
      const [client, server] = await pair(listener, 'fallback');
      const data = randomBytes(2 * MiB);
      const copying = copy(server, server);
      const [, back] = await Promise.all([send(client, data), readExactly(client, data.length)]);
      expect(await copying).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
    });

    it('copies from a native stream to a fallback stream and back', async () => {
      const nativeListener = await listen();
      const fallbackListener = await listen('fallback');
      const [feeder, source] = await pair(nativeListener);
      const [destination, drain] = await pair(fallbackListener, 'fallback');
      const data = randomBytes(2 * MiB);
      const there = copy(source, destination);
      const back = copy(destination, source);
      const [, received] = await Promise.all([send(feeder, data), readExactly(drain, data.length)]);
      expect(await there).toBe(data.length);
      await send(drain, text('reply'));
      expect((await readExactly(feeder, 5)).toString()).toBe('reply');
      expect(await back).toBe(5);
      expect(sha256(received)).toBe(sha256(data));
    });

    it('copies into a sink and into an in-memory duplex', async () => {
      const listener = await listen();
      const [feeder, source] = await pair(listener);
      const data = randomBytes(1 * MiB);
      const discard = sink();
      const [, sunk] = await Promise.all([send(feeder, data), copy(source, discard)]);
      expect(sunk).toBe(data.length);

      const [feeder2, source2] = await pair(listener);
      const [near, far] = duplex(64 * 1024);
      const copying = copy(source2, near).then(async (n) => {
        await near.shutdown();
        return n;
      });
      const [, piped, count] = await Promise.all([send(feeder2, data), readAll(far), copying]);
      expect(count).toBe(data.length);
      expect(sha256(piped)).toBe(sha256(data));
    });
  });

  it('does not starve other connections while copying an endless fast source', async () => {
    const listener = await listen();
    // A worker thread writes as fast as it can into one socket and discards what arrives
    // on another: the copy between them always has bytes and room, never waits.
    const worker = new Worker(
      `
      const net = require('node:net');
      const { parentPort, workerData } = require('node:worker_threads');
      let written = 0, received = 0, stop = false, pending = 2;
      const chunk = Buffer.alloc(256 * 1024, 7);
      const out = net.connect(workerData.port, '127.0.0.1');
      const inn = net.connect(workerData.port, '127.0.0.1');
      const done = () => { if (--pending === 0) parentPort.postMessage({ written, received }); };
      const pump = () => { while (!stop && out.write(chunk)) written += chunk.length; if (!stop) written += chunk.length; };
      let connected = 0;
      const ready = () => { if (++connected === 2) parentPort.postMessage({ out: out.localPort, in: inn.localPort }); };
      out.on('connect', () => { ready(); pump(); });
      out.on('drain', pump);
      out.on('finish', done);
      inn.on('connect', ready);
      inn.on('data', (d) => { received += d.length; });
      inn.on('end', () => { inn.end(); done(); });
      parentPort.on('message', () => { stop = true; out.end(); });
      `,
      { eval: true, workerData: { port: listener.localAddr().port } },
    );
    workers.push(worker);
    const messages: unknown[] = [];
    worker.on('message', (message: unknown) => messages.push(message));
    const first = await listener.accept();
    opened.push(first);
    const second = await listener.accept();
    opened.push(second);
    await eventually(() => messages.length >= 1, 1_000_000);
    const ports = messages[0] as { out: number; in: number };
    const [source, destination] = first.peerAddr().port === ports.out ? [first, second] : [second, first];
    expect(destination.peerAddr().port).toBe(ports.in);
    const copying = copy(source, destination);
    copying.catch(() => undefined);

    // Meanwhile: 200 echo round trips on another connection of the same runtime.
    const [client, server] = await pair(listener);
    client.setNoDelay(true);
    server.setNoDelay(true);
    const echoing = spawn(() => echo(server));
    for (let m = 0; m < 200; m++) {
      const message = `round ${m};`;
      await client.writeAll(text(message));
      expect((await readExactly(client, message.length)).toString()).toBe(message);
    }
    expect(await settled(copying)).toBe(false); // still copying: the echo was not starved
    await client.shutdown();
    await echoing;

    worker.postMessage('stop');
    const copied = await copying;
    await destination.shutdown();
    await eventually(() => messages.length >= 2, 1_000_000);
    const { written, received } = messages[1] as { written: number; received: number };
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBe(written);
    expect(received).toBe(written);
  }, 20_000);

  it('copyBidirectional moves both ways between native streams and propagates shutdown', async () => {
    const front = await listen();
    const back = await listen();
    const [client, proxyIn] = await pair(front);
    const [proxyOut, upstream] = await pair(back);
    const upstreamDone = echo(upstream);
    const data = randomBytes(8 * MiB);
    const [, received, counts] = await Promise.all([send(client, data), readAll(client), copyBidirectional(proxyIn, proxyOut), upstreamDone]);
    expect(counts).toEqual([data.length, data.length]);
    expect(sha256(received)).toBe(sha256(data));
  });
});
