import fc from 'fast-check';
import { TcpListener, TcpStream, WouldBlock } from '@rt/net';
import { Cancelled, coop, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { WriteZero, readToEnd } from '@rt/io';
import { BytesCodec, BytesMut, DIRECT_PAYLOAD_MIN, Framed, FramedWrite, LengthDelimitedCodec, type Encoder } from '@rt/util';
import { timerWrite } from './support/timer-write.js';

/** The copying path's bytes: what `encode` appends for each item, concatenated. */
function encodeAll(encoder: Encoder<Uint8Array>, items: readonly Uint8Array[]): Buffer {
  const dst = new BytesMut();
  for (const item of items) encoder.encode(item, dst);
  return Buffer.from(dst.chunk());
}

/**
 * A writer with `write` and a gather `writev` (as rt sockets), each taking up to `take()`
 * bytes a timer later (so an abort can land while it waits; an aborted call writes nothing,
 * as rt's cancel-safe writes); a negative `take()` leaves the call waiting until aborted. Records the accepted bytes in order and the views passed in.
 */
function gatherWriter(take: () => number) {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const got = {
    get length(): number {
      return length;
    },
    bytes: (): Buffer => Buffer.concat(chunks),
  };
  const views: Uint8Array[] = [];
  const calls = { write: 0, writev: 0 };
  const accept = (bufs: readonly Uint8Array[], options?: { signal?: AbortSignal }): Promise<number> =>
    timerWrite(() => {
      let n = take();
      if (n < 0) return undefined; // waits until aborted
      let written = 0;
      for (const b of bufs) {
        const k = Math.min(n, b.length);
        chunks.push(b.slice(0, k));
        length += k;
        written += k;
        n -= k;
      }
      return written;
    }, options);
  const writer = {
    got,
    views,
    calls,
    /** Records bytes accepted synchronously (syncGatherWriter). */
    record(parts: readonly Uint8Array[]): void {
      for (const part of parts) {
        chunks.push(part.slice());
        length += part.length;
      }
    },
    write(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
      calls.write++;
      views.push(buf);
      return accept([buf], options);
    },
    writev(bufs: readonly Uint8Array[], options?: { signal?: AbortSignal }): Promise<number> {
      calls.writev++;
      views.push(...bufs);
      return accept(bufs, options);
    },
    flush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return writer;
}

/**
 * `gatherWriter` plus the synchronous `tryWrite`/`tryWritev` of rt's sockets: each takes up
 * to `syncTake()` bytes at once, or throws WouldBlock when that is negative.
 */
function syncGatherWriter(take: () => number, syncTake: () => number) {
  const w = gatherWriter(take);
  const sync = { tryWrite: 0, tryWritev: 0 };
  const accept = (bufs: readonly Uint8Array[]): number => {
    let n = syncTake();
    if (n < 0) throw new WouldBlock('write');
    const parts: Uint8Array[] = [];
    for (const b of bufs) {
      const k = Math.min(n, b.length);
      parts.push(b.subarray(0, k));
      n -= k;
    }
    // Through writev, so the record of bytes is one (as a synchronous write that completed).
    let written = 0;
    for (const part of parts) written += part.length;
    w.record(parts);
    return written;
  };
  return {
    ...w,
    sync,
    tryWrite(buf: Uint8Array): number {
      sync.tryWrite++;
      return accept([buf]);
    },
    tryWritev(bufs: readonly Uint8Array[]): number {
      sync.tryWritev++;
      w.views.push(...bufs);
      return accept(bufs);
    },
  };
}

const big = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('FramedWrite.send: a large payload is written from the item, not copied', () => {
  it('writes the head and the payload in one gather write, the payload from the item itself', async () => {
    const w = gatherWriter(() => 1 << 20);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const item = big(DIRECT_PAYLOAD_MIN, 7);
    await out.send(item);
    expect(w.calls).toEqual({ write: 0, writev: 1 });
    expect(w.views[1]).toBe(item); // the item's own memory, no copy
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), [item]));
    expect(out.writeBuffer.length).toBe(0);

    // One byte below the threshold: copied into the buffer (one plain write).
    const w2 = gatherWriter(() => 1 << 20);
    const out2 = new FramedWrite(w2, new LengthDelimitedCodec());
    await out2.send(big(DIRECT_PAYLOAD_MIN - 1, 7));
    expect(w2.calls).toEqual({ write: 1, writev: 0 });
  });

  it('keeps the order of frames fed before it; the head and payload follow them', async () => {
    const w = gatherWriter(() => 5_000);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const items = [Uint8Array.of(1, 2), big(3_000, 3), big(20_000, 4)];
    await out.feed(items[0]!);
    await out.feed(items[1]!);
    await out.send(items[2]!);
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), items));
  });

  it.each([
    ['before any byte', 0],
    ['inside the head', 2],
    ['between the head and the payload', 4],
    ['mid-payload', 4 + 5_000],
  ])('an abort %s leaves the unwritten rest queued as a copy; the next flush sends every byte once, in order', async (_, first) => {
    let takes = first === 0 ? [] : [first];
    const w = gatherWriter(() => takes.shift() ?? -1); // then the next write waits until the abort
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const item = big(30_000, 9);
    const controller = new AbortController();
    const sending = track(out.send(item, { signal: controller.signal }));
    // Let the first (partial) write land, then abort the one waiting after it.
    for (let i = 0; i < 20 && w.got.length < first; i++) await new Promise((r) => setTimeout(r, 2));
    await settle();
    expect(sending.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(sending.error).toBeInstanceOf(Cancelled);
    expect(w.got.length).toBe(first);
    expect(out.writeBuffer.length).toBe(4 + 30_000 - first);
    item.fill(0xee); // the caller reuses its memory: what is queued is a copy
    takes = [1 << 20, 1 << 20, 1 << 20];
    await out.send(Uint8Array.of(5));
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), [big(30_000, 9), Uint8Array.of(5)]));
  });

  it('with a synchronous tryWritev (rt sockets), writes the head and the payload at once, from the item, with no writev', async () => {
    const w = syncGatherWriter(() => 1 << 20, () => 1 << 20);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const items = [Uint8Array.of(1, 2), big(20_000, 4)];
    await out.feed(items[0]!);
    const item = items[1]!;
    await out.send(item);
    expect(w.sync.tryWritev).toBe(1);
    expect(w.calls).toEqual({ write: 0, writev: 0 });
    expect(w.views.at(-1)).toBe(item);
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), items));
    expect(out.writeBuffer.length).toBe(0);
    // BytesCodec has an empty head: the payload goes through tryWrite.
    const w2 = syncGatherWriter(() => 1 << 20, () => 1 << 20);
    await new FramedWrite(w2, new BytesCodec()).send(item);
    expect(w2.sync).toEqual({ tryWrite: 1, tryWritev: 0 });
    expect(w2.got.bytes()).toEqual(Buffer.from(item));
  });

  it.each([
    ['nothing (WouldBlock)', -1],
    ['inside the head', 2],
    ['between the head and the payload', 4],
    ['mid-payload', 4 + 5_000],
  ])('a synchronous gather write that takes %s leaves the rest to the async writes, every byte once, in order', async (_, first) => {
    const w = syncGatherWriter(() => 3_000, () => first);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const item = big(30_000, 9);
    await out.send(item);
    expect(w.sync.tryWritev).toBe(1);
    expect(w.calls.writev + w.calls.write).toBeGreaterThan(0);
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), [item]));
    expect(out.writeBuffer.length).toBe(0);
  });

  it('a direct send and a flush run with the budget spent yield to the event loop first, then write every byte once, in order', async () => {
    const w = syncGatherWriter(() => 1 << 20, () => 1 << 20);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const items = [Uint8Array.of(1, 2), big(20_000, 4), Uint8Array.of(3)];
    const turns: string[] = [];
    /** Queues an immediate, then spends the task's budget: the next operation yields a turn, so the immediate runs before it completes. */
    const spend = (): void => {
      setImmediate(() => turns.push('immediate'));
      while (coop() === undefined);
    };
    await spawn(async () => {
      await out.feed(items[0]!);
      spend();
      await out.send(items[1]!); // the gather write's retry
      turns.push('send');
      spend();
      await out.send(items[2]!); // a small frame: flush's retry
      turns.push('flush');
    });
    expect(turns).toEqual(['immediate', 'send', 'immediate', 'flush']);
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), items));
    expect(out.writeBuffer.length).toBe(0);
  });

  it('a send aborted before its synchronous write writes nothing and queues the payload as a copy', async () => {
    const w = syncGatherWriter(() => 1 << 20, () => 1 << 20);
    const out = new FramedWrite(w, new LengthDelimitedCodec());
    const item = big(10_000, 3);
    await expect(out.send(item, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    expect(w.got.length).toBe(0);
    expect(w.sync.tryWritev).toBe(0);
    expect(out.writeBuffer.length).toBe(10_004);
    item.fill(0xee);
    await out.flush();
    expect(w.got.bytes()).toEqual(encodeAll(new LengthDelimitedCodec(), [big(10_000, 3)]));
  });

  it('a writer error keeps the rest queued as a copy; WriteZero when nothing is accepted', async () => {
    const failing = {
      writev: (): Promise<number> => Promise.reject(new Error('EPIPE')),
      write: (): Promise<number> => Promise.reject(new Error('EPIPE')),
      flush: (): Promise<void> => Promise.resolve(),
      shutdown: (): Promise<void> => Promise.resolve(),
    };
    const out = new FramedWrite(failing, new LengthDelimitedCodec());
    await expect(out.send(big(10_000, 1))).rejects.toThrow('EPIPE');
    expect(out.writeBuffer.length).toBe(10_004);

    const stuck = { ...failing, write: (): Promise<number> => Promise.resolve(0) };
    await expect(new FramedWrite(stuck, new BytesCodec()).send(big(10_000, 1))).rejects.toThrow(WriteZero); // BytesCodec: empty head
  });

  it('an encodeHead error or a bad return queues nothing', async () => {
    const w = gatherWriter(() => 1 << 20);
    const out = new FramedWrite(w, new LengthDelimitedCodec({ maxFrameLength: 16 * 1024 }));
    await out.feed(Uint8Array.of(1));
    await expect(out.send(big(20_000, 1))).rejects.toMatchObject({ code: 'ERR_RT_FRAME_TOO_LARGE' });
    expect(out.writeBuffer.length).toBe(5);
    const bad: Encoder<Uint8Array> = {
      encode: (item, dst) => dst.put(item),
      encodeHead: (_item, dst) => {
        dst.put(Uint8Array.of(1));
        return 'x' as never;
      },
    };
    const out2 = new FramedWrite(w, bad);
    await expect(out2.send(Uint8Array.of(1))).rejects.toThrow(TypeError);
    expect(out2.writeBuffer.length).toBe(0);
  });

  it('puts the same bytes on the wire as the copying path, with partial writes and aborts anywhere (fuzz)', async () => {
    const op = fc.record({
      send: fc.boolean(),
      size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: DIRECT_PAYLOAD_MIN - 2, max: DIRECT_PAYLOAD_MIN + 2 }), fc.integer({ min: 0, max: 40_000 })),
      abortAfterMs: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 8 }), fc.boolean(), fc.option(fc.array(fc.integer({ min: -1, max: 50_000 }), { minLength: 1, maxLength: 8 }), { nil: undefined }), async (ops, takeList, bytesCodec, syncList) => {
        let i = 0;
        let j = 0;
        // Each write settles a timer later: after 200 of them, take everything offered, so a
        // draw of 1-byte takes under 240 KB of items stays well inside the test's time bound.
        const take = (): number => (i < 200 ? takeList[i++ % takeList.length]! : 50_000);
        // With syncList: the synchronous tryWrite/tryWritev of rt's sockets too (-1: WouldBlock).
        const w = syncList === undefined ? gatherWriter(take) : syncGatherWriter(take, () => syncList[j++ % syncList.length]!);
        const codec = bytesCodec ? new BytesCodec() : new LengthDelimitedCodec();
        const out = new FramedWrite(w, codec);
        const expected: Uint8Array[] = [];
        for (const [k, { send, size, abortAfterMs }] of ops.entries()) {
          const item = big(size, k + 1);
          expected.push(item.slice());
          const controller = new AbortController();
          const timer = abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), abortAfterMs);
          try {
            await (send ? out.send(item, { signal: controller.signal }) : out.feed(item, { signal: controller.signal }));
          } catch (error) {
            expect(error).toBeInstanceOf(Cancelled);
          } finally {
            clearTimeout(timer);
          }
          item.fill(0xee); // reused by the caller once the call settled
        }
        await out.flush();
        expect(w.got.bytes()).toEqual(encodeAll(codec, expected));
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('echoes 30 KB frames over a real TcpStream on loopback with borrowed frames', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const serving = spawn(async () => {
      await using socket = await listener.accept();
      const framed = new Framed(socket, new LengthDelimitedCodec(), { borrowFrames: true });
      for await (const frame of framed) await framed.send(frame);
      await framed.close();
    });
    await using socket = await TcpStream.connect(listener.localAddr(), { signal: AbortSignal.timeout(5_000) });
    const [readHalf, writeHalf] = socket.split();
    const sizes = [30_000, 8_192, 5, 300_000, 0, 65_536];
    const out = new FramedWrite(writeHalf, new LengthDelimitedCodec());
    const sending = spawn(async () => {
      for (const [i, size] of sizes.entries()) await out.send(big(size, i + 1));
      await out.close();
    });
    const reading = readToEnd(readHalf);
    await sending;
    const echoed = await reading;
    await serving;
    expect(Buffer.from(echoed).equals(encodeAll(new LengthDelimitedCodec(), sizes.map((size, i) => big(size, i + 1))))).toBe(true);
  });
});
