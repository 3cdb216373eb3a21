import fc from 'fast-check';
import { AnyDelimiterCodec, BytesCodec, BytesMut, FramedRead, FrameTooLarge } from '@rt/util';
import { ChunkReader, concat, cut, text } from './support/chunks.js';

const str = (b: Uint8Array): string => new TextDecoder().decode(b);

async function collect(chunks: Uint8Array[], codec: AnyDelimiterCodec): Promise<(string | Error)[]> {
  const framed = new FramedRead(new ChunkReader(chunks), codec);
  const out: (string | Error)[] = [];
  for (;;) {
    try {
      const chunk = await framed.next();
      if (chunk === undefined) return out;
      out.push(str(chunk));
    } catch (error) {
      out.push(error as Error);
    }
  }
}

describe('AnyDelimiterCodec', () => {
  it('splits on any of the delimiters, last chunk at EOF', async () => {
    expect(await collect([text('a,b;c'), text('\nd')], new AnyDelimiterCodec({ delimiters: ',;\n' }))).toEqual(['a', 'b', 'c', 'd']);
    expect(await collect([text('x|y|')], new AnyDelimiterCodec({ delimiters: Uint8Array.of(0x7c) }))).toEqual(['x', 'y']);
  });

  it('encodes the chunk and the write delimiter (default: the first delimiter)', () => {
    const buf = new BytesMut();
    new AnyDelimiterCodec({ delimiters: ',;' }).encode('a', buf);
    new AnyDelimiterCodec({ delimiters: ',;', writeDelimiter: '\r\n' }).encode(text('b'), buf);
    expect(str(buf.chunk())).toBe('a,b\r\n');
    expect(() => new AnyDelimiterCodec({ delimiters: ',' }).encode(1 as never, buf)).toThrow(TypeError);
  });

  it('FrameTooLarge past maxLength, then carries on after the next delimiter', async () => {
    const out = await collect([text('ok,'), text('toolongchunk'), text('more,fine,')], new AnyDelimiterCodec({ delimiters: ',', maxLength: 4 }));
    expect(out[0]).toBe('ok');
    expect(out[1]).toBeInstanceOf(FrameTooLarge);
    expect(out.slice(2)).toEqual(['fine']);
  });

  it('rejects bad options', () => {
    expect(() => new AnyDelimiterCodec({ delimiters: '' })).toThrow(RangeError);
    expect(() => new AnyDelimiterCodec({ delimiters: 5 as never })).toThrow(TypeError);
    expect(() => new AnyDelimiterCodec(undefined as never)).toThrow(TypeError);
    expect(() => new AnyDelimiterCodec({ delimiters: ',', maxLength: -2 })).toThrow(RangeError);
  });

  it('decodes the same chunks however the stream is cut (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z]{0,10}$/), { maxLength: 10 }),
        fc.array(fc.constantFrom(',', ';'), { minLength: 10, maxLength: 10 }),
        fc.array(fc.nat(200), { maxLength: 10 }),
        async (chunks, delimiters, points) => {
          const wire = text(chunks.map((c, i) => c + delimiters[i]!).join(''));
          expect(await collect(cut(wire, points), new AnyDelimiterCodec({ delimiters: ',;' }))).toEqual(chunks);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('BytesCodec', () => {
  it('passes every byte through as chunks, and encodes bytes as themselves', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of new FramedRead(new ChunkReader([text('ab'), text('cd')]), new BytesCodec())) chunks.push(chunk);
    expect(str(concat(chunks))).toBe('abcd');
    const buf = new BytesMut();
    new BytesCodec().encode(text('xy'), buf);
    expect(str(buf.chunk())).toBe('xy');
  });
});
