import fc from 'fast-check';
import { InvalidData, UnexpectedEof } from '@rt/io';
import { BytesMut, DEFAULT_MAX_FRAME_LENGTH, FramedRead, FrameTooLarge, LengthDelimitedCodec } from '@rt/util';
import type { LengthDelimitedCodecOptions } from '@rt/util';
import { ChunkReader, cut, text } from './support/chunks.js';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

function decodeAll(codec: LengthDelimitedCodec, bytes: Uint8Array): Uint8Array[] {
  const buf = new BytesMut();
  buf.put(bytes);
  const out: Uint8Array[] = [];
  for (let frame; (frame = codec.decode(buf)) !== undefined; ) out.push(frame);
  return out;
}

async function readAll(chunks: Uint8Array[], codec: LengthDelimitedCodec): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const frame of new FramedRead(new ChunkReader(chunks), codec)) out.push(frame);
  return out;
}

describe('LengthDelimitedCodec', () => {
  it('defaults to a 4-byte big-endian length, header stripped, 8 MiB max', () => {
    const codec = new LengthDelimitedCodec();
    expect(codec.maxFrameLength).toBe(DEFAULT_MAX_FRAME_LENGTH);
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(8 * 1024 * 1024);
    const buf = new BytesMut();
    codec.encode(text('hello'), buf);
    expect(hex(buf.chunk())).toBe('00000005' + hex(text('hello')));
    expect(decodeAll(codec, buf.chunk()).map(hex)).toEqual([hex(text('hello'))]);
  });

  // The examples of Tokio's length_delimited module documentation, byte for byte.
  const cases: [string, LengthDelimitedCodecOptions, string, string][] = [
    ['u16 length, header stripped', { lengthFieldLength: 2 }, '000b' + hex(text('Hello world')), hex(text('Hello world'))],
    ['u16 length, header kept (numSkip 0, adjustment 2)', { lengthFieldLength: 2, lengthAdjustment: 2, numSkip: 0 }, '000b' + hex(text('Hello world')), '000b' + hex(text('Hello world'))],
    ['length counts the header (adjustment -3), header stripped', { lengthFieldLength: 3, lengthAdjustment: -3 }, '00000e' + hex(text('Hello world')), hex(text('Hello world'))],
    ['offset 2 with the prefix kept', { lengthFieldOffset: 2, lengthFieldLength: 3, numSkip: 0, lengthAdjustment: 5 }, 'cafe00000b' + hex(text('Hello world')), 'cafe00000b' + hex(text('Hello world'))],
    ['headers on both sides of the length, the first stripped', { lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: 1, numSkip: 3 }, 'ca000bfe' + hex(text('Hello world')), 'fe' + hex(text('Hello world'))],
    ['little-endian u16', { lengthFieldLength: 2, littleEndian: true }, '0b00' + hex(text('Hello world')), hex(text('Hello world'))],
    ['u64 length', { lengthFieldLength: 8 }, '000000000000000b' + hex(text('Hello world')), hex(text('Hello world'))],
  ];
  it.each(cases)('%s', (_name, options, wire, frame) => {
    const codec = new LengthDelimitedCodec(options);
    const frames = decodeAll(codec, Buffer.from(wire, 'hex'));
    expect(frames.map(hex)).toEqual([frame]);
  });

  it('encodes with the length field, byte order and adjustment', () => {
    const buf = new BytesMut();
    new LengthDelimitedCodec({ lengthFieldLength: 2, littleEndian: true }).encode(text('abc'), buf);
    new LengthDelimitedCodec({ lengthFieldLength: 1, lengthAdjustment: 1 }).encode(text('abc'), buf);
    expect(hex(buf.chunk())).toBe('0300' + hex(text('abc')) + '02' + hex(text('abc')));
  });

  it('fails a 4 GiB length prefix at once with FrameTooLarge, before buffering any of it', () => {
    const codec = new LengthDelimitedCodec();
    const buf = new BytesMut();
    buf.put(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2));
    const capacity = buf.capacity;
    let error: unknown;
    try {
      codec.decode(buf);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameTooLarge);
    expect(error).toMatchObject({ code: 'ERR_RT_FRAME_TOO_LARGE', length: 0xffffffff, maxFrameLength: DEFAULT_MAX_FRAME_LENGTH });
    expect(buf.capacity).toBe(capacity);
    const huge = new LengthDelimitedCodec({ lengthFieldLength: 8 });
    const big = new BytesMut();
    big.put(new Uint8Array(8).fill(0xff));
    expect(() => huge.decode(big)).toThrow(FrameTooLarge);
  });

  it('refuses to encode a frame above maxFrameLength, leaving the buffer as it was', () => {
    const codec = new LengthDelimitedCodec({ maxFrameLength: 4 });
    const buf = new BytesMut();
    expect(() => codec.encode(text('12345'), buf)).toThrow(FrameTooLarge);
    expect(buf.length).toBe(0);
    expect(() => codec.encode('x' as never, buf)).toThrow(TypeError);
  });

  it('caps maxFrameLength at what the field can say, as Tokio', () => {
    expect(new LengthDelimitedCodec({ lengthFieldLength: 1 }).maxFrameLength).toBe(255);
    expect(new LengthDelimitedCodec({ lengthFieldLength: 2, lengthAdjustment: -2 }).maxFrameLength).toBe(65533);
    expect(() => new LengthDelimitedCodec({ lengthFieldLength: 1 }).encode(new Uint8Array(256), new BytesMut())).toThrow(FrameTooLarge);
  });

  it('InvalidData when the adjustment makes a length negative', () => {
    const codec = new LengthDelimitedCodec({ lengthFieldLength: 1, lengthAdjustment: -4, numSkip: 0 });
    expect(() => decodeAll(codec, Uint8Array.of(2, 0, 0))).toThrow(InvalidData);
  });

  it('UnexpectedEof for a frame cut off by the end of the stream (header or payload)', async () => {
    await expect(readAll([Uint8Array.of(0, 0, 0, 5, 1, 2)], new LengthDelimitedCodec())).rejects.toThrow(UnexpectedEof);
    await expect(readAll([Uint8Array.of(0, 0, 0, 5)], new LengthDelimitedCodec())).rejects.toThrow(UnexpectedEof);
    await expect(readAll([Uint8Array.of(0, 0)], new LengthDelimitedCodec())).rejects.toThrow(/missing 2 of its 4 header bytes/);
    expect(await readAll([Uint8Array.of(0, 0, 0, 0)], new LengthDelimitedCodec())).toEqual([new Uint8Array(0)]);
  });

  it('rejects bad options', () => {
    expect(() => new LengthDelimitedCodec({ lengthFieldLength: 0 })).toThrow(RangeError);
    expect(() => new LengthDelimitedCodec({ lengthFieldLength: 9 })).toThrow(RangeError);
    expect(() => new LengthDelimitedCodec({ lengthFieldOffset: -1 })).toThrow(RangeError);
    expect(() => new LengthDelimitedCodec({ maxFrameLength: 1.5 })).toThrow(RangeError);
    expect(() => new LengthDelimitedCodec({ littleEndian: 'yes' as never })).toThrow(TypeError);
    expect(() => new LengthDelimitedCodec(3 as never)).toThrow(TypeError);
  });

  it('round-trips any frames, any options, however the stream is cut (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(3000), { maxLength: 12 }),
        fc.constantFrom(1, 2, 3, 4, 8),
        fc.boolean(),
        async (frames, points, fieldLength, littleEndian) => {
          const options = { lengthFieldLength: fieldLength, littleEndian };
          const buf = new BytesMut();
          const encoder = new LengthDelimitedCodec(options);
          const sent = frames.filter((f) => f.length <= encoder.maxFrameLength);
          for (const f of sent) encoder.encode(f, buf);
          const wire = buf.split();
          const got = await readAll(cut(wire, points), new LengthDelimitedCodec(options));
          expect(got.map(hex)).toEqual(sent.map(hex));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hostile streams end in frames or typed errors, with bounded buffering (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 10 }), async (chunks) => {
        const framed = new FramedRead(new ChunkReader(chunks), new LengthDelimitedCodec({ maxFrameLength: 1024, lengthFieldLength: 2 }));
        let capacity = 0;
        let failure: unknown;
        try {
          while ((await framed.next()) !== undefined) capacity = Math.max(capacity, framed.readBuffer.capacity);
        } catch (error) {
          failure = error;
        }
        // Growth is by doubling: at most twice (largest frame + header + one read's room), or
        // the 64 KiB a buffer that handed out frames may start afresh with.
        expect(capacity).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * (1024 + 2 + 8 * 1024)));
        if (failure !== undefined) expect(failure instanceof FrameTooLarge || failure instanceof UnexpectedEof).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
