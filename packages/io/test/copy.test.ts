import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BufReader, BufWriter, WriteZero, copy, copyBuf, duplex, empty, readExact, readToEnd, repeat, sink, writeAll, type AsyncWrite } from '@rt/io';

describe('copy', () => {
  it('copies everything to end of stream and returns the byte count, without shutting the writer down', async () => {
    const [a, b] = duplex(100);
    const [c, d] = duplex(1 << 20);
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) % 256);
    const writing = writeAll(a, data).then(() => a.shutdown());
    expect(await copy(b, c, { bufferSize: 1000 })).toBe(data.length);
    await writing;
    await c.write(Uint8Array.of(42)); // still open
    await c.shutdown();
    const out = await readToEnd(d);
    expect(out.length).toBe(data.length + 1);
    expect(out.subarray(0, data.length).equals(data)).toBe(true);
  });

  it('flushes a buffering writer when the reader has nothing more ready (interactive data)', async () => {
    const [source, input] = duplex(1024);
    const [output, destination] = duplex(1024);
    const copying = copy(input, new BufWriter(output, { capacity: 4096 }));
    await writeAll(source, Uint8Array.of(1, 2, 3)); // not shut down: copy keeps going
    const buf = new Uint8Array(3);
    await readExact(destination, buf); // arrives although BufWriter's buffer is far from full
    expect([...buf]).toEqual([1, 2, 3]);
    await source.shutdown();
    expect(await copying).toBe(3);
  });

  it('copies nothing from an empty reader', async () => {
    expect(await copy(empty(), sink())).toBe(0);
  });

  it('stops at the pace of the slower side (backpressure)', async () => {
    const [c, d] = duplex(10);
    const copying = track(copy(repeat(7).take(100), c));
    await settle();
    expect(copying.isPending()).toBe(true);
    const out = readToEnd(d);
    await copying.promise;
    await c.shutdown();
    expect((await out).length).toBe(100);
  });

  it('fails with WriteZero when the writer accepts nothing', async () => {
    const stuck: AsyncWrite = { write: async () => 0, flush: async () => {}, shutdown: async () => {} };
    await expect(copy(repeat(1), stuck)).rejects.toBeInstanceOf(WriteZero);
  });

  it('rejects with Cancelled on abort', async () => {
    const [, b] = duplex(10);
    const controller = new AbortController();
    const copying = track(copy(b, sink(), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(copying.error).toBeInstanceOf(Cancelled);
  });

  it('rejects bad arguments', async () => {
    await expect(copy(empty(), sink(), { bufferSize: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(copy(null as never, sink())).rejects.toBeInstanceOf(TypeError);
  });
});

describe('copyBuf', () => {
  it('writes straight from the reader buffer and loses nothing on abort', async () => {
    const [a, b] = duplex(1024);
    const [c, d] = duplex(4);
    await writeAll(a, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    await a.shutdown();
    const reader = new BufReader(b);
    const controller = new AbortController();
    const copying = track(copyBuf(reader, c, { signal: controller.signal }));
    await settle();
    expect(copying.isPending()).toBe(true); // c is full after 4 bytes
    controller.abort();
    await settle();
    expect(copying.error).toBeInstanceOf(Cancelled);
    expect([...reader.buffer]).toEqual([5, 6, 7, 8]);
    const out = readToEnd(d);
    expect(await copyBuf(reader, c)).toBe(4);
    await c.shutdown();
    expect([...(await out)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
