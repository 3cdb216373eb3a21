// Hostile byte streams into @rt/util's codecs through FramedRead: LinesCodec (random
// maxLength) and LengthDelimitedCodec (random field size, byte order, cap). Streams are
// random bytes mixed with protocol fragments (newlines, CRs, split UTF-8, length prefixes
// up to 2^64 - 1), cut into random chunks. Each decoder must raise only its typed errors,
// never buffer beyond its cap, and produce exactly the same frames whatever the chunking.
import fc from 'fast-check';
import type { AsyncRead } from '@rt/io';
import { FramedRead, LengthDelimitedCodec, LinesCodec, type Decoder } from '@rt/util';
import { scaled } from '../src/config.js';

const RUNS = scaled(1_000, 100_000);

/** A reader that hands out fixed chunks, then end of stream. */
function chunkReader(chunks: Uint8Array[]): AsyncRead {
  const queue = [...chunks];
  return {
    read(buf: Uint8Array): Promise<number> {
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(0);
      const n = Math.min(next.length, buf.length);
      buf.set(next.subarray(0, n));
      if (n < next.length) queue.unshift(next.subarray(n));
      return Promise.resolve(n);
    },
  };
}

function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    if (p > last) out.push(bytes.subarray(last, p));
    last = p;
  }
  if (last < bytes.length) out.push(bytes.subarray(last));
  return out;
}

const TYPED = new Set(['ERR_RT_LINE_TOO_LONG', 'ERR_RT_INVALID_DATA', 'ERR_RT_FRAME_TOO_LARGE', 'ERR_RT_UNEXPECTED_EOF']);

/** Reads every frame (as hex or text) and error code; the error ends the run unless `goOn`. */
async function run<T>(chunks: Uint8Array[], decoder: Decoder<T>, show: (frame: T) => string, goOn: boolean): Promise<{ items: string[]; mostCapacity: number }> {
  const framed = new FramedRead(chunkReader(chunks), decoder, { readSize: 64 });
  const items: string[] = [];
  let mostCapacity = 0;
  for (;;) {
    try {
      const frame = await framed.next();
      mostCapacity = Math.max(mostCapacity, framed.readBuffer.capacity);
      if (frame === undefined) break;
      items.push(show(frame));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!TYPED.has(code)) throw error;
      items.push(`!${code}`);
      if (!goOn) break;
    }
  }
  return { items, mostCapacity };
}

/** What LinesCodec must produce for `bytes` (Tokio's rules: '\r' before '\n' or at EOF dropped). */
function expectedLines(bytes: Uint8Array, max: number): string[] {
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const emit = (body: Uint8Array): void => {
    const end = body.length > 0 && body[body.length - 1] === 0x0d ? body.length - 1 : body.length;
    if (end > max) return void out.push('!ERR_RT_LINE_TOO_LONG');
    try {
      out.push(decoder.decode(body.subarray(0, end)));
    } catch {
      out.push('!ERR_RT_INVALID_DATA');
    }
  };
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      emit(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) emit(bytes.subarray(start));
  return out;
}

describe('LinesCodec under hostile byte streams', () => {
  it('yields every line or its typed error, never buffers beyond maxLength, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(Uint8Array.of(0x0a), Uint8Array.of(0x0d), Uint8Array.of(0x0d, 0x0a), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xac))), { maxLength: 30 })
          .map((parts) => new Uint8Array(Buffer.concat(parts))),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 80 }),
        async (bytes, cuts, max) => {
          const { items, mostCapacity } = await run(cut(bytes, cuts), new LinesCodec({ maxLength: max }), (line) => line, true);
          expect(items).toEqual(expectedLines(bytes, max));
          // One read's room (64) plus at most maxLength + 2 bytes of a line, doubled by growth;
          // or the 64 KiB a buffer that handed out frames may start afresh with.
          expect(mostCapacity).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * (max + 2 + 64)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('LengthDelimitedCodec under hostile byte streams', () => {
  it('yields the same frames or typed error whatever the chunking, and never reserves beyond the cap', async () => {
    const prefix = fc.tuple(fc.constantFrom(1, 2, 4, 8), fc.oneof(fc.nat(300), fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1)), fc.boolean());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), prefix.map(([size, n, le]) => {
          const b = Buffer.alloc(8);
          b.writeBigUInt64BE(BigInt(n));
          const field = b.subarray(8 - size);
          return new Uint8Array(le ? Buffer.from(field).reverse() : field);
        })), { maxLength: 20 }).map((parts) => new Uint8Array(Buffer.concat(parts))),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom(1, 2, 4, 8),
        fc.boolean(),
        fc.integer({ min: 0, max: 512 }),
        async (bytes, cuts, lengthFieldLength, littleEndian, maxFrameLength) => {
          const codec = (): LengthDelimitedCodec => new LengthDelimitedCodec({ lengthFieldLength, littleEndian, maxFrameLength });
          const hex = (frame: Uint8Array): string => Buffer.from(frame).toString('hex');
          const whole = await run([bytes], codec(), hex, false);
          const chunked = await run(cut(bytes, cuts), codec(), hex, false);
          expect(chunked.items).toEqual(whole.items);
          expect(chunked.mostCapacity).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * (maxFrameLength + 8 + 64)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
