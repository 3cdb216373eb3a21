import { readExact, readToEnd, repeat } from '@rt/io';

describe('repeat', () => {
  it('fills every buffer with its byte, forever', async () => {
    const source = repeat(0xab);
    const buf = new Uint8Array(1000);
    for (let i = 0; i < 3; i++) {
      expect(await source.read(buf)).toBe(1000);
      expect(buf.every((b) => b === 0xab)).toBe(true);
    }
    expect(source.byte).toBe(0xab);
  });

  it('is bounded by take(limit)', async () => {
    const limited = repeat(1).take(10);
    const buf = new Uint8Array(4);
    await readExact(limited, buf);
    expect((await readToEnd(limited)).length).toBe(6);
    expect(await limited.read(buf)).toBe(0);
    expect(() => repeat(1).take(-1)).toThrow(RangeError);
  });

  it('rejects a value that is not a byte, naming it', () => {
    expect(() => repeat(256)).toThrow(/got 256/);
    expect(() => repeat(-1)).toThrow(RangeError);
  });
});
