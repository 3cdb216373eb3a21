import { duplex, join, readToString, split, writeAll, Join } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('split', () => {
  it('gives a read half and a write half that work at the same time', async () => {
    const [a, b] = duplex(4);
    const [reader, writer] = split(b);
    const reading = readToString(reader);
    await writeAll(a, text('to b'));
    await a.shutdown();
    await writeAll(writer, text('to a'));
    await writer.flush();
    await writer.shutdown();
    expect(await reading).toBe('to b');
    expect(await readToString(a)).toBe('to a');
  });

  it('puts the halves back together with unsplit, and only the matching halves', () => {
    const [a, b] = duplex(4);
    const [readA, writeA] = split(a);
    const [readB, writeB] = split(b);
    expect(readA.unsplit(writeA)).toBe(a);
    expect(readA.isPairOf(writeB)).toBe(false);
    expect(() => readB.unsplit(writeA as never)).toThrow(TypeError);
  });

  it('rejects a stream that is not both readable and writable', () => {
    expect(() => split({ read: async () => 0 } as never)).toThrow(/AsyncWrite/);
  });
});

describe('join', () => {
  it('makes one stream of a reader and a writer', async () => {
    const [a, b] = duplex(16);
    const [c, d] = duplex(16);
    const joined = join(b, c);
    expect(joined).toBeInstanceOf(Join);
    expect(joined.reader).toBe(b);
    await writeAll(a, text('in'));
    await a.shutdown();
    expect(await readToString(joined)).toBe('in');
    await writeAll(joined, text('out'));
    await joined.flush();
    await joined.shutdown();
    expect(await readToString(d)).toBe('out');
  });

  it('rejects arguments of the wrong kind', () => {
    const [a] = duplex(1);
    expect(() => join({} as never, a)).toThrow(/AsyncRead/);
    expect(() => join(a, {} as never)).toThrow(/AsyncWrite/);
  });
});
