import fc from 'fast-check';
import { InvalidData, LineTooLong } from '@rt/io';
import { BytesMut, FramedRead, LinesCodec } from '@rt/util';
import { ChunkReader, cut, text } from './support/chunks.js';

async function collect(chunks: Uint8Array[], codec: LinesCodec): Promise<(string | Error)[]> {
  const framed = new FramedRead(new ChunkReader(chunks), codec);
  const out: (string | Error)[] = [];
  for (;;) {
    try {
      const line = await framed.next();
      if (line === undefined) return out;
      out.push(line);
    } catch (error) {
      out.push(error as Error);
    }
  }
}

describe('LinesCodec', () => {
  it('yields lines without \\n or \\r\\n, and a last line without terminator at EOF', async () => {
    expect(await collect([text('alpha\nbe'), text('ta\r\n\ngam'), text('ma')], new LinesCodec())).toEqual(['alpha', 'beta', '', 'gamma']);
  });

  it('encodes a string followed by \\n', () => {
    const buf = new BytesMut();
    new LinesCodec().encode('héllo', buf);
    expect(new TextDecoder().decode(buf.chunk())).toBe('héllo\n');
    expect(() => new LinesCodec().encode(5 as never, buf)).toThrow(TypeError);
  });

  it('fails with LineTooLong past maxLength, skips that line and carries on', async () => {
    const out = await collect([text('ok\n'), text('x'.repeat(10)), text('yyyy\nnext\n')], new LinesCodec({ maxLength: 5 }));
    expect(out[0]).toBe('ok');
    expect(out[1]).toBeInstanceOf(LineTooLong);
    expect((out[1] as LineTooLong).maxLineLength).toBe(5);
    expect(out.slice(2)).toEqual(['next']);
  });

  it('accepts a line of exactly maxLength with \\r\\n, rejects maxLength + 1', async () => {
    const out = await collect([text('abcde\r\nabcdef\nz\n')], new LinesCodec({ maxLength: 5 }));
    expect(out[0]).toBe('abcde');
    expect(out[1]).toBeInstanceOf(LineTooLong);
    expect(out[2]).toBe('z');
  });

  it('buffers at most maxLength + 2 bytes of a line that never ends (bounded memory)', async () => {
    const codec = new LinesCodec({ maxLength: 100 });
    const buf = new BytesMut();
    let errors = 0;
    for (let i = 0; i < 1000; i++) {
      buf.put(new Uint8Array(64).fill(0x61));
      try {
        expect(codec.decode(buf)).toBeUndefined();
      } catch (error) {
        expect(error).toBeInstanceOf(LineTooLong);
        errors++;
      }
      expect(buf.length).toBeLessThanOrEqual(102);
    }
    expect(errors).toBe(1);
    buf.put(text('\nafter\n'));
    expect(codec.decode(buf)).toBe('after');
  });

  it('InvalidData for a line that is not UTF-8, and the next line still decodes', async () => {
    const out = await collect([Uint8Array.of(0xff, 0x0a), text('fine\n')], new LinesCodec());
    expect(out[0]).toBeInstanceOf(InvalidData);
    expect(out[1]).toBe('fine');
  });

  it('rejects bad options', () => {
    expect(() => new LinesCodec({ maxLength: -1 })).toThrow(RangeError);
    expect(() => new LinesCodec(5 as never)).toThrow(TypeError);
  });

  it('decodes the same lines however the stream is cut (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '\r', 'z', '€') , maxLength: 12 }).filter((s) => !s.endsWith('\r')), { maxLength: 12 }),
        fc.array(fc.nat(200), { maxLength: 10 }),
        fc.boolean(),
        async (lines, points, crlf) => {
          const wire = text(lines.map((l) => l + (crlf ? '\r\n' : '\n')).join(''));
          expect(await collect(cut(wire, points), new LinesCodec())).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with maxLength, returns every line that fits and one LineTooLong per line that does not (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-c]{0,20}$/), { maxLength: 10 }),
        fc.array(fc.nat(300), { maxLength: 10 }),
        async (lines, points) => {
          const wire = text(lines.map((l) => l + '\n').join(''));
          const out = await collect(cut(wire, points), new LinesCodec({ maxLength: 8 }));
          expect(out.map((x) => (x instanceof LineTooLong ? '!' : x))).toEqual(lines.map((l) => (l.length > 8 ? '!' : l)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('LinesCodec at end of stream', () => {
  it('drops a trailing \\r of the last line and applies maxLength to it', async () => {
    expect(await collect([text('end\r')], new LinesCodec())).toEqual(['end']);
    const out = await collect([text('abcde\r')], new LinesCodec({ maxLength: 5 }));
    expect(out).toEqual(['abcde']);
    const long = await collect([text('abcdef')], new LinesCodec({ maxLength: 5 }));
    expect(long[0]).toBeInstanceOf(LineTooLong);
    expect(long).toHaveLength(1);
  });
});
