import fc from 'fast-check';
import {
  duplex, readToEnd,
  writeU8, writeI8, writeU16, writeU16Le, writeI16, writeI16Le, writeU32, writeU32Le, writeI32, writeI32Le,
  writeU64, writeU64Le, writeI64, writeI64Le, writeF32, writeF32Le, writeF64, writeF64Le,
  readU16Le, readI32, readU64Le, readI64, readF64Le, readF32,
} from '@rt/io';

describe('typed writes', () => {
  it('encode each type in its byte order', async () => {
    const [a, b] = duplex(1024);
    await writeU8(a, 255);
    await writeI8(a, -1);
    await writeU16(a, 0x0102);
    await writeU16Le(a, 0x0102);
    await writeI16(a, -2);
    await writeI16Le(a, -2);
    await writeU32(a, 0x01020304);
    await writeU32Le(a, 0x01020304);
    await writeI32(a, -2);
    await writeI32Le(a, -2);
    await writeU64(a, 1n);
    await writeU64Le(a, 1);
    await writeI64(a, -2n);
    await writeI64Le(a, -2n);
    await writeF32(a, 1.5);
    await writeF32Le(a, 1.5);
    await writeF64(a, 1.5);
    await writeF64Le(a, 1.5);
    await a.shutdown();
    expect([...(await readToEnd(b))]).toEqual([
      255, 255,
      1, 2, 2, 1, 0xff, 0xfe, 0xfe, 0xff,
      1, 2, 3, 4, 4, 3, 2, 1, 0xff, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xff,
      0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0x3f, 0xc0, 0, 0, 0, 0, 0xc0, 0x3f,
      0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
    ]);
  });

  it('round-trip through the typed reads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.double({ noNaN: true }),
        async (u16, i32, u64, i64, f64) => {
          const [a, b] = duplex(7);
          const writing = (async () => {
            await writeU16Le(a, u16);
            await writeI32(a, i32);
            await writeU64Le(a, u64);
            await writeI64(a, i64);
            await writeF64Le(a, f64);
            await writeF32(a, 0.25);
          })();
          expect(await readU16Le(b)).toBe(u16);
          expect(await readI32(b)).toBe(i32);
          expect(await readU64Le(b)).toBe(u64);
          expect(await readI64(b)).toBe(i64);
          expect(Object.is(await readF64Le(b), f64)).toBe(true);
          expect(await readF32(b)).toBe(0.25);
          await writing;
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reject out-of-range and wrongly typed values before writing anything', async () => {
    const [a, b] = duplex(64);
    await expect(writeU8(a, 256)).rejects.toThrow(/from 0 to 255, got 256/);
    await expect(writeI16(a, 1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(writeU32(a, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(writeI32('1' as never, 1)).rejects.toBeInstanceOf(TypeError);
    await expect(writeU32(a, '1' as never)).rejects.toThrow(/got "1"/);
    await expect(writeU64(a, -1n)).rejects.toBeInstanceOf(RangeError);
    await expect(writeU64(a, 2n ** 64n)).rejects.toBeInstanceOf(RangeError);
    await expect(writeI64(a, 2 ** 60)).rejects.toBeInstanceOf(TypeError); // not a safe integer
    await expect(writeF64(a, 1n as never)).rejects.toBeInstanceOf(TypeError);
    await a.shutdown();
    expect((await readToEnd(b)).length).toBe(0);
  });
});
