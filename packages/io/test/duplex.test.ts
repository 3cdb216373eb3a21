import fc from 'fast-check';
import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BrokenPipe, StreamClosed, duplex, readExact, readToEnd, writeAll } from '@rt/io';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('duplex', () => {
  it('delivers what one end writes to the other, in order', async () => {
    const [a, b] = duplex(64);
    expect(await a.write(bytes(1, 2, 3))).toBe(3);
    const buf = new Uint8Array(8);
    expect(await b.read(buf)).toBe(3);
    expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(await b.write(bytes(9))).toBe(1);
    expect(await a.read(buf)).toBe(1);
    expect(buf[0]).toBe(9);
  });

  it('accepts at most maxBufSize bytes and makes the writer wait for room', async () => {
    const [a, b] = duplex(4);
    expect(await a.write(bytes(1, 2, 3, 4, 5, 6))).toBe(4);
    const blocked = track(a.write(bytes(7, 8)));
    await settle();
    expect(blocked.isPending()).toBe(true);
    const buf = new Uint8Array(3);
    expect(await b.read(buf)).toBe(3);
    await settle();
    expect(blocked.value).toBe(2);
    const rest = new Uint8Array(3);
    await readExact(b, rest);
    expect([...rest]).toEqual([4, 7, 8]);
  });

  it('makes a reader wait until bytes arrive', async () => {
    const [a, b] = duplex(16);
    const buf = new Uint8Array(4);
    const reading = track(b.read(buf));
    await settle();
    expect(reading.isPending()).toBe(true);
    await a.write(bytes(5));
    await settle();
    expect(reading.value).toBe(1);
    expect(buf[0]).toBe(5);
  });

  it('reads end of stream after the writer shuts down and the buffer is drained', async () => {
    const [a, b] = duplex(16);
    await a.write(bytes(1, 2));
    await a.shutdown();
    const buf = new Uint8Array(1);
    expect(await b.read(buf)).toBe(1);
    expect(await b.read(buf)).toBe(1);
    expect(await b.read(buf)).toBe(0);
    expect(await b.read(buf)).toBe(0);
    // The other direction still works.
    await b.write(bytes(3));
    expect(await a.read(buf)).toBe(1);
  });

  it('wakes a parked reader with end of stream on shutdown', async () => {
    const [a, b] = duplex(16);
    const reading = track(b.read(new Uint8Array(4)));
    await settle();
    await a.shutdown();
    await settle();
    expect(reading.value).toBe(0);
  });

  it('fails writes after shutdown with BrokenPipe', async () => {
    const [a] = duplex(16);
    await a.shutdown();
    await expect(a.write(bytes(1))).rejects.toBeInstanceOf(BrokenPipe);
    await expect(a.write(bytes(1))).rejects.toMatchObject({ code: 'ERR_RT_BROKEN_PIPE' });
  });

  it('fails the writer, parked or not, with BrokenPipe when the other end closes', async () => {
    const [a, b] = duplex(2);
    await a.write(bytes(1, 2));
    const blocked = track(a.write(bytes(3)));
    await settle();
    b.close();
    await settle();
    expect(blocked.error).toBeInstanceOf(BrokenPipe);
    await expect(a.write(bytes(4))).rejects.toBeInstanceOf(BrokenPipe);
    // What b had written before closing is still readable by a, then end of stream.
    expect(await a.read(new Uint8Array(4))).toBe(0);
  });

  it('lets the other end drain what was written before close, then reads 0', async () => {
    const [a, b] = duplex(16);
    await a.write(bytes(1, 2, 3));
    a.close();
    expect([...(await readToEnd(b))]).toEqual([1, 2, 3]);
  });

  it('rejects every operation on a closed end with StreamClosed, including parked ones', async () => {
    const [a] = duplex(16);
    const parked = track(a.read(new Uint8Array(1)));
    await settle();
    a[Symbol.dispose]();
    a.close(); // idempotent
    await settle();
    expect(parked.error).toBeInstanceOf(StreamClosed);
    await expect(a.read(new Uint8Array(1))).rejects.toBeInstanceOf(StreamClosed);
    await expect(a.write(bytes(1))).rejects.toMatchObject({ code: 'ERR_RT_STREAM_CLOSED' });
    await expect(a.flush()).rejects.toBeInstanceOf(StreamClosed);
    await expect(a.shutdown()).rejects.toBeInstanceOf(StreamClosed);
  });

  it('resolves 0 at once for an empty buffer', async () => {
    const [a, b] = duplex(1);
    expect(await b.read(new Uint8Array(0))).toBe(0);
    await a.write(bytes(1));
    expect(await a.write(new Uint8Array(0))).toBe(0); // even when full
  });

  it('keeps every byte when a parked read is aborted', async () => {
    const [a, b] = duplex(16);
    const controller = new AbortController();
    const reading = track(b.read(new Uint8Array(4), { signal: controller.signal }));
    await settle();
    controller.abort(new Error('stop'));
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    await a.write(bytes(7, 8));
    const buf = new Uint8Array(2);
    await readExact(b, buf);
    expect([...buf]).toEqual([7, 8]);
  });

  it('delivers the bytes when the abort lands in the same tick as the write that wakes the reader', async () => {
    const [a, b] = duplex(16);
    const controller = new AbortController();
    const buf = new Uint8Array(4);
    const reading = track(b.read(buf, { signal: controller.signal }));
    await settle();
    const writing = a.write(bytes(1, 2));
    controller.abort();
    await writing;
    await settle();
    if (reading.isResolved()) {
      expect(reading.value).toBe(2);
      expect([...buf.subarray(0, 2)]).toEqual([1, 2]);
    } else {
      // Aborted before taking anything: the bytes are still in the pipe.
      expect(reading.error).toBeInstanceOf(Cancelled);
      const again = new Uint8Array(2);
      await readExact(b, again);
      expect([...again]).toEqual([1, 2]);
    }
  });

  it('accepts nothing when a parked write is aborted', async () => {
    const [a, b] = duplex(2);
    await a.write(bytes(1, 2));
    const controller = new AbortController();
    const writing = track(a.write(bytes(3, 4), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(writing.error).toBeInstanceOf(Cancelled);
    await a.shutdown();
    expect([...(await readToEnd(b))]).toEqual([1, 2]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const [a, b] = duplex(2);
    await a.write(bytes(1));
    const signal = AbortSignal.abort();
    await expect(b.read(new Uint8Array(1), { signal })).rejects.toBeInstanceOf(Cancelled);
    await expect(a.write(bytes(1), { signal })).rejects.toBeInstanceOf(Cancelled);
    expect(await b.read(new Uint8Array(1))).toBe(1);
  });

  it('gives each byte to exactly one of several concurrent readers', async () => {
    const [a, b] = duplex(8);
    const seen: number[] = [];
    const reader = async (): Promise<void> => {
      const buf = new Uint8Array(3);
      for (let n; (n = await b.read(buf)) !== 0; ) seen.push(...buf.subarray(0, n));
    };
    const readers = [reader(), reader(), reader()];
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    await writeAll(a, data);
    await a.shutdown();
    await Promise.all(readers);
    expect(seen.sort((x, y) => x - y)).toEqual([...data].sort((x, y) => x - y));
  });

  it('moves any data intact through any buffer size and any read and write sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        async (data, maxBufSize, writeSize, readSize) => {
          const [a, b] = duplex(maxBufSize);
          const writer = (async () => {
            for (let i = 0; i < data.length; i += writeSize) await writeAll(a, data.subarray(i, i + writeSize));
            await a.shutdown();
          })();
          const out: number[] = [];
          const buf = new Uint8Array(readSize);
          for (let n; (n = await b.read(buf)) !== 0; ) out.push(...buf.subarray(0, n));
          await writer;
          expect(Uint8Array.from(out)).toEqual(data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('grows its buffer up to maxBufSize and keeps the order across wrap-arounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20_000, max: 70_000 }),
        // From 100 bytes: at most ~1,500 writes and reads per case (single bytes made a case
        // 150,000 of each, past the test's time on a loaded machine; small sizes are the
        // other tests' subject).
        fc.integer({ min: 100, max: 50_000 }),
        fc.integer({ min: 100, max: 50_000 }),
        async (maxBufSize, writeSize, readSize) => {
          const data = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 31 + (i >> 8)) % 256);
          const [a, b] = duplex(maxBufSize);
          const writer = (async () => {
            for (let i = 0; i < data.length; i += writeSize) await writeAll(a, data.subarray(i, i + writeSize));
            await a.shutdown();
          })();
          const out = new Uint8Array(data.length);
          let filled = 0;
          const buf = new Uint8Array(readSize);
          for (let n; (n = await b.read(buf)) !== 0; filled += n) out.set(buf.subarray(0, n), filled);
          await writer;
          expect(filled).toBe(data.length);
          expect(Buffer.from(out).equals(data)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('rejects a bad maxBufSize or buffer with a message naming the value', async () => {
    expect(() => duplex(0)).toThrow(RangeError);
    expect(() => duplex(1.5)).toThrow(/1\.5/);
    expect(() => duplex('8' as unknown as number)).toThrow(/"8"/);
    const [a] = duplex(1);
    await expect(a.read('x' as unknown as Uint8Array)).rejects.toBeInstanceOf(TypeError);
    await expect(a.write([1] as unknown as Uint8Array)).rejects.toThrow(/Uint8Array/);
  });

  it('cannot be constructed directly', () => {
    const [a] = duplex(1);
    const Ctor = a.constructor as new (x: unknown, y: unknown) => unknown;
    expect(() => new Ctor({}, {})).toThrow(TypeError);
  });
});

describe('duplex inside tasks', () => {
  it('loses nothing when the task parked in read is aborted', async () => {
    const [a, b] = duplex(16);
    const buf = new Uint8Array(4);
    const task = spawn(() => b.read(buf));
    await settle();
    task.abort();
    await expect(task).rejects.toMatchObject({ name: 'JoinError' });
    await a.write(Uint8Array.of(1, 2, 3));
    await a.shutdown();
    expect([...(await readToEnd(b))]).toEqual([1, 2, 3]);
  });

  it('lets a task that is woken and aborted in the same tick keep what it read', async () => {
    const [a, b] = duplex(16);
    const buf = new Uint8Array(4);
    const task = spawn(() => b.read(buf));
    await settle();
    await a.write(Uint8Array.of(9, 8));
    task.abort();
    const outcome = await Promise.resolve(task).then(
      (n) => ({ n }),
      (error: unknown) => ({ error }),
    );
    await a.shutdown();
    const rest = [...(await readToEnd(b))];
    if ('n' in outcome) {
      expect(outcome.n).toBe(2);
      expect([...buf.subarray(0, 2)]).toEqual([9, 8]);
      expect(rest).toEqual([]);
    } else {
      expect(rest).toEqual([9, 8]);
    }
  });
});
