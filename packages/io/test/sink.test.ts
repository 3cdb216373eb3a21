import { Cancelled } from '@rt/scheduler';
import { copy, repeat, sink, writeAll } from '@rt/io';

describe('sink', () => {
  it('accepts and counts every byte', async () => {
    const out = sink();
    await writeAll(out, new Uint8Array(100));
    expect(await copy(repeat(1).take(1000), out)).toBe(1000);
    await out.flush();
    await out.shutdown();
    expect(out.bytesWritten).toBe(1100);
  });

  it('rejects with Cancelled when already aborted, and a bad buffer with a TypeError', async () => {
    await expect(sink().write(Uint8Array.of(1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    await expect(sink().write('x' as never)).rejects.toBeInstanceOf(TypeError);
  });
});
