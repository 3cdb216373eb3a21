import fc from 'fast-check';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BufReader, InvalidData, LineTooLong, ResourceBusy, duplex, writeAll, type AsyncRead } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A reader that records each read it is asked for. */
function counting(inner: AsyncRead): AsyncRead & { reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    read: (buf, options) => {
      reads.push(buf.length);
      return inner.read(buf, options);
    },
  };
}

async function feed(s: string, maxBufSize = 1024): Promise<AsyncRead> {
  const [a, b] = duplex(maxBufSize);
  await writeAll(a, text(s));
  await a.shutdown();
  return b;
}

describe('BufReader', () => {
  it('serves small reads from one read of the inner stream', async () => {
    const inner = counting(await feed('abcdef'));
    const reader = new BufReader(inner, { capacity: 16 });
    const one = new Uint8Array(1);
    for (const expected of 'abcdef') {
      expect(await reader.read(one)).toBe(1);
      expect(String.fromCharCode(one[0] as number)).toBe(expected);
    }
    expect(await reader.read(one)).toBe(0);
    expect(inner.reads).toEqual([16, 16]);
  });

  it('reads straight into a buffer at least as large as its own when empty', async () => {
    const inner = counting(await feed('abcdef'));
    const reader = new BufReader(inner, { capacity: 4 });
    const big = new Uint8Array(8);
    expect(await reader.read(big)).toBe(6);
    expect(inner.reads).toEqual([8]);
  });

  it('exposes the buffer with fillBuf and consume', async () => {
    const reader = new BufReader(await feed('hello'), { capacity: 8 });
    expect(Buffer.from(await reader.fillBuf()).toString()).toBe('hello');
    reader.consume(2);
    expect(Buffer.from(reader.buffer).toString()).toBe('llo');
    expect(Buffer.from(await reader.fillBuf()).toString()).toBe('llo');
    reader.consume(3);
    expect((await reader.fillBuf()).length).toBe(0);
    expect(() => reader.consume(1)).toThrow(RangeError);
    expect(() => reader.consume(-1)).toThrow(/got -1/);
    expect(reader.capacity).toBe(8);
  });

  it('reads up to and including a delimiter with readUntil', async () => {
    const reader = new BufReader(await feed('a,bb,ccc'), { capacity: 2 });
    expect((await reader.readUntil(0x2c)).toString()).toBe('a,');
    expect((await reader.readUntil(0x2c)).toString()).toBe('bb,');
    expect((await reader.readUntil(0x2c)).toString()).toBe('ccc');
    expect((await reader.readUntil(0x2c)).length).toBe(0);
    await expect(reader.readUntil(256)).rejects.toBeInstanceOf(RangeError);
  });

  it('reads lines with their terminator with readLine, and an empty string at the end', async () => {
    const reader = new BufReader(await feed('one\ntwo\r\nthree'));
    expect(await reader.readLine()).toBe('one\n');
    expect(await reader.readLine()).toBe('two\r\n');
    expect(await reader.readLine()).toBe('three');
    expect(await reader.readLine()).toBe('');
  });

  it('fails with LineTooLong past maxLineLength, then skips the rest of that line', async () => {
    const reader = new BufReader(await feed('ok\n' + 'x'.repeat(50) + '\nnext\n'), { capacity: 8, maxLineLength: 10 });
    expect(await reader.readLine()).toBe('ok\n');
    const error: unknown = await reader.readLine().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineTooLong);
    expect(error).toMatchObject({ code: 'ERR_RT_LINE_TOO_LONG', maxLineLength: 10 });
    expect(await reader.readLine()).toBe('next\n');
  });

  it('accepts a line of exactly maxLineLength bytes', async () => {
    const reader = new BufReader(await feed('0123456789\n'), { capacity: 4, maxLineLength: 10 });
    expect(await reader.readLine()).toBe('0123456789\n');
  });

  it('fails with InvalidData for a line that is not UTF-8, and goes on with the next', async () => {
    const [a, b] = duplex(64);
    await writeAll(a, Uint8Array.of(0xff, 0x0a, 0x61, 0x0a));
    await a.shutdown();
    const reader = new BufReader(b);
    await expect(reader.readLine()).rejects.toBeInstanceOf(InvalidData);
    expect(await reader.readLine()).toBe('a\n');
  });

  it('keeps its buffer when fillBuf is aborted (cancel safe)', async () => {
    const [a, b] = duplex(64);
    const reader = new BufReader(b);
    const controller = new AbortController();
    const filling = track(reader.fillBuf({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(filling.error).toBeInstanceOf(Cancelled);
    await a.write(text('x'));
    expect(Buffer.from(await reader.fillBuf()).toString()).toBe('x');
  });

  it('loses the partial line when readLine is aborted (not cancel safe), and keeps the rest', async () => {
    const [a, b] = duplex(64);
    const reader = new BufReader(b);
    const controller = new AbortController();
    const reading = track(reader.readLine({ signal: controller.signal }));
    await a.write(text('par'));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    await a.write(text('tial\nnext\n'));
    expect(await reader.readLine()).toBe('tial\n');
    expect(await reader.readLine()).toBe('next\n');
  });

  it('rejects an overlapping call with ResourceBusy', async () => {
    const [a, b] = duplex(64);
    const reader = new BufReader(b);
    const first = reader.readLine();
    await expect(reader.read(new Uint8Array(1))).rejects.toBeInstanceOf(ResourceBusy);
    await expect(reader.fillBuf()).rejects.toMatchObject({ code: 'ERR_RT_RESOURCE_BUSY' });
    await a.write(text('line\n'));
    expect(await first).toBe('line\n');
  });

  it('resolves 0 at once for an empty buffer, without reading the inner stream', async () => {
    const [, b] = duplex(8);
    const inner = counting(b);
    expect(await new BufReader(inner).read(new Uint8Array(0))).toBe(0);
    expect(inner.reads).toEqual([]);
  });

  it('splits any text into the same lines as String.split, whatever the capacity and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'é', '\n', '\r\n', 'xyz', ' '), { maxLength: 200 }).map((parts) => parts.join('')),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 32 }),
        async (input, capacity, maxBufSize) => {
          const [a, b] = duplex(maxBufSize);
          const writing = writeAll(a, text(input)).then(() => a.shutdown());
          const lines: string[] = [];
          for await (const line of new BufReader(b, { capacity }).lines()) lines.push(line);
          await writing;
          const expected = input.split('\n').map((line) => line.replace(/\r$/, ''));
          if (input === '' || input.endsWith('\n')) expected.pop();
          expect(lines).toEqual(expected);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('rejects bad options with a message naming the value', () => {
    const [, b] = duplex(1);
    expect(() => new BufReader(b, { capacity: 0 })).toThrow(/capacity.*got 0/);
    expect(() => new BufReader(b, { maxLineLength: -5 })).toThrow(RangeError);
    expect(() => new BufReader({} as never)).toThrow(TypeError);
    expect(new BufReader(b).inner).toBe(b);
  });
});
