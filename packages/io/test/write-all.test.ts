import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BrokenPipe, WriteZero, duplex, readToEnd, writeAll, type AsyncWrite } from '@rt/io';

describe('writeAll', () => {
  it('writes the whole buffer, waiting whenever the writer is full', async () => {
    const [a, b] = duplex(3);
    const data = Uint8Array.from({ length: 50 }, (_, i) => i);
    const writing = track(writeAll(a, data));
    await settle();
    expect(writing.isPending()).toBe(true);
    const reading = readToEnd(b);
    await writing.promise;
    await a.shutdown();
    expect([...(await reading)]).toEqual([...data]);
  });

  it('fails with WriteZero when the writer accepts nothing', async () => {
    const stuck: AsyncWrite = { write: async () => 0, flush: async () => {}, shutdown: async () => {} };
    await expect(writeAll(stuck, Uint8Array.of(1))).rejects.toBeInstanceOf(WriteZero);
    await expect(writeAll(stuck, new Uint8Array(0))).resolves.toBeUndefined();
  });

  it('passes on the error of the writer', async () => {
    const [a, b] = duplex(3);
    b.close();
    await expect(writeAll(a, Uint8Array.of(1))).rejects.toBeInstanceOf(BrokenPipe);
  });

  it('is not cancel safe: an abort midway leaves a prefix written, never a duplicate', async () => {
    const [a, b] = duplex(4);
    const controller = new AbortController();
    const writing = track(writeAll(a, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(writing.error).toBeInstanceOf(Cancelled);
    await a.shutdown();
    expect([...(await readToEnd(b))]).toEqual([1, 2, 3, 4]);
  });

  it('rejects a writer without write/flush/shutdown with a TypeError', async () => {
    await expect(writeAll({ write: async () => 1 } as never, Uint8Array.of(1))).rejects.toThrow(/AsyncWrite/);
  });
});
