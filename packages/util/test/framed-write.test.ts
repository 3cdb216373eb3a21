import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { ResourceBusy, WriteZero, duplex, readToEnd, type AsyncWrite } from '@rt/io';
import { FramedRead, FramedWrite, LengthDelimitedCodec, LinesCodec } from '@rt/util';
import { timerWrite } from './support/timer-write.js';
import { random as seededRandom } from '../../scheduler/test/fixtures/seeded-random.js';

const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('FramedWrite', () => {
  it('feed batches, flush writes, close shuts down', async () => {
    const [a, b] = duplex(1024);
    const out = new FramedWrite(a, new LinesCodec());
    await out.feed('a');
    await out.feed('b');
    expect(out.writeBuffer.length).toBe(4);
    await out.flush();
    expect(out.writeBuffer.length).toBe(0);
    await out.send('c');
    await out.close();
    expect(str(await readToEnd(b))).toBe('a\nb\nc\n');
  });

  it('feed waits for room once the buffer reaches the high-water mark (backpressure)', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LinesCodec(), { highWaterMark: 16 });
    await out.feed('x'.repeat(40));
    const blocked = track(out.feed('y'));
    await settle();
    expect(blocked.isPending()).toBe(true);
    const reader = new FramedRead(b, new LinesCodec());
    const first = track(reader.next());
    await blocked.promise;
    expect(out.writeBuffer.length).toBeLessThan(16 + 2);
    await out.close();
    expect(await first.promise).toBe('x'.repeat(40));
    expect(await reader.next()).toBe('y');
    expect(await reader.next()).toBeUndefined();
  });

  it('an aborted send leaves the rest queued; the next flush sends every byte once, in order', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LengthDelimitedCodec());
    const controller = new AbortController();
    const sending = track(out.send(new Uint8Array(10).fill(1), { signal: controller.signal }));
    await settle();
    expect(sending.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(sending.error).toBeInstanceOf(Cancelled);
    expect(out.writeBuffer.length).toBe(10); // 14 bytes encoded, 4 accepted by the pipe
    const reader = new FramedRead(b, new LengthDelimitedCodec());
    const frame = track(reader.next());
    await out.send(Uint8Array.of(2));
    await out.close();
    expect([...((await frame.promise) ?? [])]).toEqual(new Array(10).fill(1));
    expect([...((await reader.next()) ?? [])]).toEqual([2]);
    expect(await reader.next()).toBeUndefined();
  });

  it('an aborted feed waiting for room did not queue its item', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LinesCodec(), { highWaterMark: 4 });
    await out.feed('abcdefgh');
    const controller = new AbortController();
    const feeding = track(out.feed('lost', { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(feeding.error).toBeInstanceOf(Cancelled);
    const reading = readToEnd(b);
    await out.close();
    expect(str(await reading)).toBe('abcdefgh\n');
  });

  it('an encoder error queues nothing', async () => {
    const [a] = duplex(64);
    const out = new FramedWrite(a, new LengthDelimitedCodec({ maxFrameLength: 2 }));
    await out.feed(Uint8Array.of(1));
    await expect(out.feed(Uint8Array.of(1, 2, 3))).rejects.toMatchObject({ code: 'ERR_RT_FRAME_TOO_LARGE' });
    expect(out.writeBuffer.length).toBe(5);
  });

  it('WriteZero when the stream accepts nothing; ResourceBusy for overlapping calls', async () => {
    const stuck: AsyncWrite = { write: () => Promise.resolve(0), flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
    await expect(new FramedWrite(stuck, new LinesCodec()).send('x')).rejects.toThrow(WriteZero);
    const [a] = duplex(1);
    const out = new FramedWrite(a, new LinesCodec());
    const controller = new AbortController();
    const first = out.send('long line', { signal: controller.signal });
    await expect(out.flush()).rejects.toThrow(ResourceBusy);
    controller.abort();
    await expect(first).rejects.toThrow(Cancelled);
  });

  it('rejects a bad writer, encoder or options at once', () => {
    const [a] = duplex(1);
    expect(() => new FramedWrite({} as never, new LinesCodec())).toThrow(TypeError);
    expect(() => new FramedWrite(a, {} as never)).toThrow(TypeError);
    expect(() => new FramedWrite(a, new LinesCodec(), { highWaterMark: 0 })).toThrow(RangeError);
  });

  describe('over a writer with a synchronous tryWrite (as rt sockets)', () => {
    /**
     * A writer whose `tryWrite` takes up to `take()` bytes now (0: throws as a full socket
     * does) and whose async `write` takes one byte a timer later (so an abort can land while
     * it waits). Records every accepted byte in order.
     */
    function syncWriter(take: () => number) {
      const got: number[] = [];
      const calls = { tryWrite: 0, write: 0 };
      const writer = {
        got,
        calls,
        tryWrite(buf: Uint8Array): number {
          calls.tryWrite++;
          const n = Math.min(take(), buf.length);
          if (n === 0) throw Object.assign(new Error('would block'), { code: 'EAGAIN' });
          got.push(...buf.subarray(0, n));
          return n;
        },
        write(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
          calls.write++;
          return timerWrite(() => {
            got.push(buf[0]!);
            return 1;
          }, options);
        },
        flush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      return writer;
    }

    it('writes what the socket takes at once with no async write, and the rest the async way', async () => {
      const all = syncWriter(() => 1 << 20);
      const out = new FramedWrite(all, new LinesCodec());
      await out.send('hello');
      await out.feed('a');
      await out.feed('b');
      await out.flush();
      expect(str(Uint8Array.from(all.got))).toBe('hello\na\nb\n');
      expect(all.calls).toEqual({ tryWrite: 2, write: 0 });

      let first = true;
      const part = syncWriter(() => (first ? ((first = false), 2) : 0)); // 2 bytes, then full
      const out2 = new FramedWrite(part, new LinesCodec());
      await out2.send('hello');
      expect(str(Uint8Array.from(part.got))).toBe('hello\n');
      expect(part.calls.tryWrite).toBe(1);
      expect(part.calls.write).toBe(4);
      expect(out2.writeBuffer.length).toBe(0);
    });

    it('an aborted flush writes nothing through tryWrite, and an abort after a partial tryWrite keeps the rest queued', async () => {
      const w = syncWriter(() => 3);
      const out = new FramedWrite(w, new LinesCodec());
      await out.feed('abcdefgh');
      const controller = new AbortController();
      controller.abort();
      await expect(out.flush({ signal: controller.signal })).rejects.toThrow(Cancelled);
      expect(w.calls.tryWrite).toBe(0);
      expect(out.writeBuffer.length).toBe(9);

      // tryWrite takes 3 bytes, then once 0 (full): the rest waits in an async write, which
      // the abort stops; the rest stays queued and the next flush writes it once, in order.
      let takes = [3, 0];
      const w2 = syncWriter(() => takes.shift() ?? 0);
      const out2 = new FramedWrite(w2, new LinesCodec());
      const c2 = new AbortController();
      const sending = track(out2.send('abcdefgh', { signal: c2.signal }));
      await settle();
      expect(sending.isPending()).toBe(true);
      c2.abort();
      await settle();
      expect(sending.error).toBeInstanceOf(Cancelled);
      expect(str(Uint8Array.from(w2.got))).toBe('abc');
      expect(out2.writeBuffer.length).toBe(6);
      takes = [2];
      await out2.send('next');
      expect(str(Uint8Array.from(w2.got))).toBe('abcdefgh\nnext\n');
    });

    it('a loop of sends that tryWrite always takes spends the cooperative budget (timers and I/O still run)', async () => {
      const w = syncWriter(() => 1 << 20);
      const out = new FramedWrite(w, new LinesCodec());
      let turned = -1;
      let sent = 0;
      const immediate = setImmediate(() => {
        turned = sent;
      });
      try {
        for (; sent < 1_000; sent++) await out.send('x');
      } finally {
        clearImmediate(immediate);
      }
      // The budget is 128 ready operations per turn: the loop must have let the immediate
      // run long before its end, and every byte went through tryWrite.
      expect(turned).toBeGreaterThan(0);
      expect(turned).toBeLessThan(1_000);
      expect(w.got.length).toBe(2_000);
      expect(w.calls.write).toBe(0);
    });

    it('random tryWrite sizes, full sockets and aborts at every moment lose and repeat no byte', async () => {
      // mulberry32 (the scheduler's test fixture). It was `seed * 1103515245 % 2 ** 31`
      // in doubles: the products pass 2^53 and lose their low bits, so `seed % n` was a
      // multiple of 4 nearly always: tryWrite took 0, 4 or 8 bytes (127 of 128 calls; once 1),
      // frames were 1, 5, 9, 13 or 17 bytes long (198 of 200; twice 14). Now every size from 0
      // to 11 and every length from 1 to 20 is drawn.
      const next = seededRandom(7);
      const random = (n: number): number => Math.floor(next() * n);
      const w = syncWriter(() => random(12)); // 0 (full) to 11 bytes now
      const out = new FramedWrite(w, new LengthDelimitedCodec());
      const expected: number[] = [];
      for (let i = 0; i < 200; i++) {
        const frame = Uint8Array.from({ length: 1 + random(20) }, (_, j) => (i + j) & 0xff);
        expected.push(0, 0, 0, frame.length, ...frame);
        const controller = new AbortController();
        const when = random(3);
        if (when === 0) controller.abort();
        const timer = when === 2 ? setTimeout(() => controller.abort(), 1) : undefined;
        if (when === 1) queueMicrotask(() => controller.abort());
        try {
          await out.send(frame, { signal: controller.signal });
        } catch (error) {
          if (!(error instanceof Cancelled)) throw error;
        } finally {
          clearTimeout(timer);
        }
      }
      await out.flush();
      expect(w.got).toEqual(expected);
    }, 20_000);
  });
});
