import { Cancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { ResourceBusy, UnexpectedEof, duplex, writeAll } from '@rt/io';
import { FramedRead, LengthDelimitedCodec, LinesCodec, type Decoder } from '@rt/util';
import fc from 'fast-check';
import { ChunkReader, text } from './support/chunks.js';

describe('FramedRead', () => {
  it('runs the documented example over a duplex pipe', async () => {
    const [a, b] = duplex(16);
    const writing = writeAll(a, text('one\ntwo\nthree\n')).then(() => a.shutdown());
    const lines: string[] = [];
    for await (const line of new FramedRead(b, new LinesCodec({ maxLength: 1024 }))) lines.push(line);
    await writing;
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('returns buffered frames without reading again', async () => {
    const reader = new ChunkReader([text('a\nb\nc\n')]);
    const framed = new FramedRead(reader, new LinesCodec());
    expect(await framed.next()).toBe('a');
    expect(await framed.next()).toBe('b');
    expect(await framed.next()).toBe('c');
    expect(reader.reads).toBe(1);
    expect(await framed.next()).toBeUndefined();
    expect(await framed.next()).toBeUndefined();
    expect(framed.isEof).toBe(true);
  });

  it('an aborted next() keeps the partial frame buffered and the next call completes it (cancel safe)', async () => {
    const [a, b] = duplex(64);
    const framed = new FramedRead(b, new LengthDelimitedCodec());
    await writeAll(a, Uint8Array.of(0, 0, 0, 6, 1, 2, 3));
    const controller = new AbortController();
    const first = track(framed.next({ signal: controller.signal }));
    await settle();
    expect(first.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(first.error).toBeInstanceOf(Cancelled);
    expect(framed.readBuffer.length).toBe(3);
    await writeAll(a, Uint8Array.of(4, 5, 6, 0, 0, 0, 1, 9));
    expect([...(await framed.next())!]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await framed.next())!]).toEqual([9]);
  });

  it('an aborted next() with a whole frame already buffered loses it not; without an abort it is returned with no read', async () => {
    const reader = new ChunkReader([text('one\ntwo\n')]);
    const framed = new FramedRead(reader, new LinesCodec());
    expect(await framed.next()).toBe('one');
    const controller = new AbortController();
    controller.abort();
    await expect(framed.next({ signal: controller.signal })).rejects.toThrow(Cancelled);
    const iterator = framed[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'two' });
    expect(reader.reads).toBe(1);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('iterator results are { value, done } in that order (the engine then skips its then look-up), from the buffer, a read and the end alike', async () => {
    const reader = new ChunkReader([text('one\ntwo\n'), text('three\n')]);
    const iterator = new FramedRead(reader, new LinesCodec())[Symbol.asyncIterator]();
    const results = [await iterator.next(), await iterator.next(), await iterator.next(), await iterator.next()];
    expect(results).toEqual([
      { value: 'one', done: false },
      { value: 'two', done: false },
      { value: 'three', done: false },
      { value: undefined, done: true },
    ]);
    for (const result of results) expect(Object.keys(result)).toEqual(['value', 'done']);
    expect(Object.keys(await iterator.return!())).toEqual(['value', 'done']);
  });

  it('buffered frames spend the task budget: for await over thousands of them lets a setImmediate run, and an abort during the forced yield loses no frame', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `l${i}`);
    const reader = new ChunkReader([text(lines.map((l) => `${l}\n`).join(''))]);
    const seen: string[] = [];
    let before = -1;
    await spawn(async () => {
      setImmediate(() => (before = seen.length));
      for await (const line of new FramedRead(reader, new LinesCodec(), { readSize: 64 * 1024 })) seen.push(line);
    });
    expect(seen).toEqual(lines);
    expect(reader.reads).toBe(2);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(300); // within about two budgets of 128

    // Abort while next() waits in a forced yield: that call resolves with its frame (it was
    // already taken) or rejects having taken nothing; either way every frame comes out once.
    const again = new ChunkReader([text(lines.map((l) => `${l}\n`).join(''))]);
    const framed = new FramedRead(again, new LinesCodec(), { readSize: 64 * 1024 });
    const got: string[] = [];
    let cancels = 0;
    await spawn(async () => {
      for (let round = 0; round < 40; round++) {
        const controller = new AbortController();
        setImmediate(() => controller.abort());
        try {
          for (;;) {
            const line = await framed.next({ signal: controller.signal });
            if (line === undefined) return;
            got.push(line);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(Cancelled);
          cancels++;
        }
      }
      for (let line = await framed.next(); line !== undefined; line = await framed.next()) got.push(line);
    });
    expect(got).toEqual(lines);
    expect(cancels).toBeGreaterThan(5);

    // While a next() waits in its forced yield with its frame, it is still in progress: an
    // overlapping tryNext() is refused (no later frame can overtake it).
    const third = new FramedRead(new ChunkReader([text(lines.map((l) => `${l}\n`).join(''))]), new LinesCodec(), { readSize: 64 * 1024 });
    const order: string[] = [];
    let busy = 0;
    await spawn(async () => {
      for (;;) {
        const pending = third.next();
        let extra: string | undefined;
        try {
          extra = third.tryNext();
        } catch (error) {
          expect(error).toBeInstanceOf(ResourceBusy);
          busy++;
        }
        const line = await pending;
        if (line === undefined) return;
        order.push(line);
        if (extra !== undefined) order.push(extra);
      }
    });
    expect(order).toEqual(lines);
    expect(busy).toBeGreaterThan(5); // 2 are the first read and the one that finds the end
  });

  it('works over a reader whose read returns a thenable, not a Promise', async () => {
    const chunks = [text('ab'), text('c\nd\n')];
    const reader = {
      read(buf: Uint8Array): Promise<number> {
        const chunk = chunks.shift();
        if (chunk !== undefined) buf.set(chunk);
        const n = chunk?.length ?? 0;
        return { then: (resolve: (n: number) => unknown) => Promise.resolve(resolve(n)) } as unknown as Promise<number>;
      },
    };
    const framed = new FramedRead(reader, new LinesCodec());
    expect(await framed.next()).toBe('abc');
    expect(await framed.next()).toBe('d');
    expect(await framed.next()).toBeUndefined();
  });

  it('aborting the task that reads loses no frame', async () => {
    const [a, b] = duplex(64);
    const framed = new FramedRead(b, new LinesCodec());
    await writeAll(a, text('partial'));
    const reading = spawn(() => framed.next());
    await settle();
    reading.abort();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    await writeAll(a, text(' line\nnext\n'));
    expect(await framed.next()).toBe('partial line');
    expect(await framed.next()).toBe('next');
  });

  it('the iteration signal ends for await with Cancelled', async () => {
    const [, b] = duplex(64);
    const controller = new AbortController();
    const framed = new FramedRead(b, new LinesCodec(), { signal: controller.signal });
    const loop = track(
      (async () => {
        for await (const _line of framed) throw new Error('no line was sent');
      })(),
    );
    await settle();
    controller.abort();
    await settle();
    expect(loop.error).toBeInstanceOf(Cancelled);
  });

  it('UnexpectedEof for a frame cut off at end of stream (default decodeEof)', async () => {
    const decoder: Decoder<number> = { decode: (src) => (src.length >= 2 ? src.splitTo(2)[0] : undefined) };
    const framed = new FramedRead(new ChunkReader([Uint8Array.of(7, 7, 7)]), decoder);
    expect(await framed.next()).toBe(7);
    await expect(framed.next()).rejects.toThrow(UnexpectedEof);
    expect(await framed.next()).toBeUndefined(); // the error was the last item
  });

  it('overlapping next() calls fail with ResourceBusy', async () => {
    const [, b] = duplex(8);
    const framed = new FramedRead(b, new LinesCodec());
    const controller = new AbortController();
    const first = framed.next({ signal: controller.signal });
    await expect(framed.next()).rejects.toThrow(ResourceBusy);
    controller.abort();
    await expect(first).rejects.toThrow(Cancelled);
  });

  it('tryNext() takes buffered frames without reading, then next() reads at once', async () => {
    const reader = new ChunkReader([text('a\nb\npart'), text('ial\n'), text('tail')]);
    let decodes = 0;
    const lines = new LinesCodec();
    const counting: Decoder<string> = {
      decode: (src) => {
        decodes++;
        return lines.decode(src);
      },
      decodeEof: (src) => lines.decodeEof(src),
    };
    const framed = new FramedRead(reader, counting);
    expect(framed.tryNext()).toBeUndefined(); // nothing read yet: no read either
    expect(reader.reads).toBe(0);
    expect(await framed.next()).toBe('a');
    expect(framed.tryNext()).toBe('b');
    expect(framed.tryNext()).toBeUndefined(); // 'part' is not a line
    expect(framed.tryNext()).toBeUndefined(); // nothing new: the decoder is not asked again
    expect(decodes).toBe(4);
    expect(reader.reads).toBe(1);
    expect(await framed.next()).toBe('partial'); // straight to the read, then one decode
    expect(decodes).toBe(5);
    expect(reader.reads).toBe(2);
    // A change of the buffer's length from outside makes the decoder look again.
    framed.readBuffer.put(text('x\n'));
    expect(framed.tryNext()).toBe('x');
    expect(await framed.next()).toBe('tail'); // end of stream: decodeEof's last line
    expect(framed.tryNext()).toBeUndefined();
    expect(await framed.next()).toBeUndefined();
    expect(framed.isEof).toBe(true);
  });

  it('an already aborted signal rejects next() with Cancelled before any read, even on a reader that ignores signals', async () => {
    const reader = new ChunkReader([text('a\npart'), text('ial\n')]);
    const framed = new FramedRead(reader, new LinesCodec());
    const aborted = AbortSignal.abort();
    await expect(framed.next({ signal: aborted })).rejects.toThrow(Cancelled); // may decode: checked first
    expect(await framed.next()).toBe('a');
    expect(framed.tryNext()).toBeUndefined(); // 'part': the next call goes straight to a read
    await expect(framed.next({ signal: aborted })).rejects.toThrow(Cancelled);
    expect(reader.reads).toBe(1);
    expect(await framed.next()).toBe('partial');
  });

  it('a decoder that threw is asked again before the next read, whatever the buffer length', async () => {
    const reader = new ChunkReader([text('ab'), text('cd')]);
    let calls = 0;
    const decoder: Decoder<string> = {
      decode: (src) => {
        calls++;
        if (calls <= 2) return undefined; // nothing yet, then 'ab': found nothing at length 2
        if (calls === 3) {
          src.advance(2); // 'abcd': drops 'ab' and fails, and the length is 2 again
          throw new Error('bad frame');
        }
        return src.length >= 2 ? new TextDecoder().decode(src.splitTo(2)) : undefined;
      },
    };
    const framed = new FramedRead(reader, decoder);
    await expect(framed.next()).rejects.toThrow('bad frame');
    expect(await framed.next()).toBe('cd'); // decoded from the buffer, not after another read
    expect(reader.reads).toBe(2);
  });

  it('tryNext() fails with ResourceBusy while a next() is reading, which loses nothing', async () => {
    const [a, b] = duplex(64);
    const framed = new FramedRead(b, new LinesCodec());
    const pending = track(framed.next());
    await settle();
    expect(() => framed.tryNext()).toThrow(ResourceBusy);
    await writeAll(a, text('one\ntwo\n'));
    await settle();
    expect(pending.value).toBe('one');
    expect(framed.tryNext()).toBe('two');
  });

  it('an aborted next() at any point of a pipelined stream loses no frame (random aborts, fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(5), { minLength: 1, maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 60 }), async (sizes, aborts) => {
        const [a, b] = duplex(7);
        const sent = sizes.map((size, i) => `${i}:${'x'.repeat(size)}`);
        const writing = writeAll(a, text(sent.map((line) => `${line}\n`).join(''))).then(() => a.shutdown());
        const framed = new FramedRead(b, new LinesCodec(), { readSize: 3 });
        const got: string[] = [];
        for (let i = 0; ; i++) {
          if (aborts[i % Math.max(1, aborts.length)] === true) {
            // Aborted before it starts, or while it waits for its read.
            const controller = new AbortController();
            const call = track(framed.next({ signal: controller.signal }));
            if (i % 2 === 0) await settle();
            controller.abort();
            await settle();
            if (call.error === undefined) {
              if (call.value === undefined) break;
              got.push(call.value);
            } else expect(call.error).toBeInstanceOf(Cancelled);
            continue;
          }
          const frame = i % 3 === 0 ? framed.tryNext() ?? (await framed.next()) : await framed.next();
          if (frame === undefined) break;
          got.push(frame);
        }
        await writing;
        expect(got).toEqual(sent);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a bad reader, decoder or options at once', () => {
    expect(() => new FramedRead({} as never, new LinesCodec())).toThrow(TypeError);
    expect(() => new FramedRead(new ChunkReader([]), {} as never)).toThrow(TypeError);
    expect(() => new FramedRead(new ChunkReader([]), new LinesCodec(), { readSize: 0 })).toThrow(RangeError);
    expect(() => new FramedRead(new ChunkReader([]), new LinesCodec(), { signal: 'x' as never })).toThrow(TypeError);
  });
});

describe('FramedRead borrowFrames', () => {
  it('reuses the read buffer for the next frame instead of allocating, and frames are right until then', async () => {
    const [a, b] = duplex(1024);
    const framed = new FramedRead(b, new LengthDelimitedCodec(), { borrowFrames: true });
    const storages = new Set<ArrayBufferLike>();
    const writing = (async () => {
      for (let i = 0; i < 200; i++) await writeAll(a, Uint8Array.of(0, 0, 0, 3, i, i, i));
      await a.shutdown();
    })();
    let count = 0;
    for await (const frame of framed) {
      expect([...frame]).toEqual([count, count, count]);
      storages.add(frame.buffer);
      count++;
    }
    await writing;
    expect(count).toBe(200);
    expect(storages.size).toBe(1);
    expect(() => new FramedRead(b, new LinesCodec(), { borrowFrames: 1 as never })).toThrow(TypeError);
  });

  it('without it, every frame keeps its bytes however many frames follow', async () => {
    const framed = new FramedRead(new ChunkReader([new Uint8Array(Array.from({ length: 100 }, (_, i) => [0, 0, 0, 1, i]).flat())]), new LengthDelimitedCodec());
    const frames: Uint8Array[] = [];
    for await (const frame of framed) frames.push(frame);
    expect(frames.map((f) => f[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
