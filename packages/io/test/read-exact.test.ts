import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { UnexpectedEof, duplex, readExact } from '@rt/io';

describe('readExact', () => {
  it('reads exactly buf.length bytes across several short reads', async () => {
    const [a, b] = duplex(2);
    const buf = new Uint8Array(5);
    const reading = readExact(b, buf);
    for (const byte of [1, 2, 3, 4, 5]) await a.write(Uint8Array.of(byte));
    expect(await reading).toBe(5);
    expect([...buf]).toEqual([1, 2, 3, 4, 5]);
  });

  it('fails with UnexpectedEof when the stream ends first, keeping the bytes read in buf', async () => {
    const [a, b] = duplex(8);
    await a.write(Uint8Array.of(1, 2));
    await a.shutdown();
    const buf = new Uint8Array(4);
    const error: unknown = await readExact(b, buf).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedEof);
    expect(error).toMatchObject({ code: 'ERR_RT_UNEXPECTED_EOF', message: expect.stringContaining('2 of 4') });
    expect([...buf.subarray(0, 2)]).toEqual([1, 2]);
  });

  it('is not cancel safe: an abort midway loses the bytes already read, not the rest', async () => {
    const [a, b] = duplex(8);
    const controller = new AbortController();
    const buf = new Uint8Array(4);
    const reading = track(readExact(b, buf, { signal: controller.signal }));
    await a.write(Uint8Array.of(1, 2));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    await a.write(Uint8Array.of(3, 4));
    const rest = new Uint8Array(2);
    await readExact(b, rest);
    expect([...rest]).toEqual([3, 4]); // 1 and 2 went into the aborted call's buf
  });

  it('resolves 0 at once for an empty buffer', async () => {
    const [, b] = duplex(1);
    expect(await readExact(b, new Uint8Array(0))).toBe(0);
  });

  it('rejects bad arguments with a TypeError', async () => {
    const [, b] = duplex(1);
    await expect(readExact({} as never, new Uint8Array(1))).rejects.toThrow(/AsyncRead/);
    await expect(readExact(b, null as never)).rejects.toBeInstanceOf(TypeError);
  });
});
