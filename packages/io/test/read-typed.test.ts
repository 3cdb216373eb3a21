import fc from 'fast-check';
import {
  BufReader, UnexpectedEof, duplex, writeAll,
  readU8, readI8, readU16, readU16Le, readI16, readI16Le, readU32, readU32Le, readI32, readI32Le,
  readU64, readU64Le, readI64, readI64Le, readF32, readF32Le, readF64, readF64Le,
} from '@rt/io';

async function source(bytes: number[]): Promise<BufReader> {
  const [a, b] = duplex(64);
  await writeAll(a, Uint8Array.from(bytes));
  await a.shutdown();
  return new BufReader(b);
}

describe('typed reads', () => {
  it('decode big-endian and little-endian integers', async () => {
    const r = await source([
      0xff, 0x80,
      0x01, 0x02, 0x01, 0x02, 0xff, 0xfe, 0xfe, 0xff,
      0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xff,
    ]);
    expect(await readU8(r)).toBe(255);
    expect(await readI8(r)).toBe(-128);
    expect(await readU16(r)).toBe(0x0102);
    expect(await readU16Le(r)).toBe(0x0201);
    expect(await readI16(r)).toBe(-2);
    expect(await readI16Le(r)).toBe(-2);
    expect(await readU32(r)).toBe(0x01020304);
    expect(await readU32Le(r)).toBe(0x04030201);
    expect(await readI32(r)).toBe(-2);
    expect(await readI32Le(r)).toBe(-2);
  });

  it('decode 64-bit integers as bigint and floats as numbers', async () => {
    const r = await source([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0x01, 0, 0, 0, 0, 0, 0, 0,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0x3f, 0xc0, 0, 0, 0, 0, 0xc0, 0x3f,
      0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
    ]);
    expect(await readU64(r)).toBe(2n ** 64n - 1n);
    expect(await readU64Le(r)).toBe(1n);
    expect(await readI64(r)).toBe(-2n);
    expect(await readI64Le(r)).toBe(-2n);
    expect(await readF32(r)).toBe(1.5);
    expect(await readF32Le(r)).toBe(1.5);
    expect(await readF64(r)).toBe(1.5);
    expect(await readF64Le(r)).toBe(1.5);
  });

  it('read values that straddle several short reads of an unbuffered stream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0xffffffff }), async (value) => {
        const [a, b] = duplex(1);
        const bytes = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
        const writing = writeAll(a, Uint8Array.from(bytes));
        expect(await readU32(b)).toBe(value);
        await writing;
      }),
      { numRuns: 30 },
    );
  });

  it('fail with UnexpectedEof on a short stream', async () => {
    const r = await source([1, 2, 3]);
    await expect(readU32(r)).rejects.toBeInstanceOf(UnexpectedEof);
  });

  it('reject a reader that is not one', async () => {
    await expect(readU8({} as never)).rejects.toThrow(/AsyncRead/);
  });
});
