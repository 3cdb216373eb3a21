import { Cancelled, spawn } from '@rt/scheduler';
import { copy, empty, readToEnd, sink } from '@rt/io';

describe('empty', () => {
  it('reads as end of stream and discards writes', async () => {
    const stream = empty();
    expect(await stream.read(new Uint8Array(4))).toBe(0);
    expect((await stream.fillBuf()).length).toBe(0);
    stream.consume(0);
    expect(() => stream.consume(1)).toThrow(RangeError);
    expect(await stream.write(Uint8Array.of(1, 2))).toBe(2);
    await stream.flush();
    await stream.shutdown();
    expect((await readToEnd(stream)).length).toBe(0);
    expect(await copy(empty(), sink())).toBe(0);
  });

  it('rejects with Cancelled when already aborted', async () => {
    await expect(empty().read(new Uint8Array(1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
  });

  it('still yields to the event loop in an endless loop (cooperative budget)', async () => {
    let ticks = 0;
    const timer = setImmediate(() => ticks++);
    const handle = spawn(async () => {
      const stream = empty();
      const buf = new Uint8Array(1);
      while (ticks === 0) await stream.read(buf);
    });
    await handle;
    clearImmediate(timer);
    expect(ticks).toBe(1);
  });
});
