import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { InvalidData, duplex, readToEnd, readToString, repeat, writeAll } from '@rt/io';

describe('readToEnd', () => {
  it('returns every byte up to end of stream', async () => {
    const [a, b] = duplex(1024);
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
    const writing = writeAll(a, data).then(() => a.shutdown());
    const out = await readToEnd(b);
    await writing;
    expect(out.length).toBe(data.length);
    expect(out.equals(data)).toBe(true);
  });

  it('returns an empty Buffer for an empty stream', async () => {
    const [a, b] = duplex(8);
    await a.shutdown();
    expect((await readToEnd(b)).length).toBe(0);
  });

  it('fails with RangeError past maxLength instead of buffering without bound', async () => {
    await expect(readToEnd(repeat(1), { maxLength: 10_000 })).rejects.toThrow(/maxLength 10000/);
    expect((await readToEnd(repeat(1).take(10), { maxLength: 10 })).length).toBe(10);
    await expect(readToEnd(repeat(1), { maxLength: -1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('rejects with Cancelled on abort (bytes read so far are lost)', async () => {
    const [a, b] = duplex(8);
    const controller = new AbortController();
    const reading = track(readToEnd(b, { signal: controller.signal }));
    await a.write(Uint8Array.of(1));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
  });
});

describe('readToString', () => {
  it('decodes the stream as UTF-8, multi-byte characters split across reads', async () => {
    const [a, b] = duplex(1);
    const text = 'héllo wörld ✓';
    const writing = writeAll(a, new TextEncoder().encode(text)).then(() => a.shutdown());
    expect(await readToString(b)).toBe(text);
    await writing;
  });

  it('fails with InvalidData for bytes that are not UTF-8', async () => {
    const [a, b] = duplex(8);
    await a.write(Uint8Array.of(0x61, 0xff));
    await a.shutdown();
    await expect(readToString(b)).rejects.toBeInstanceOf(InvalidData);
  });
});
