import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BufWriter, ResourceBusy, WriteZero, duplex, readToEnd, writeAll, type AsyncWrite } from '@rt/io';

/** A writer that records each write it receives. */
function recording(): AsyncWrite & { writes: number[][]; flushes: number; shutdowns: number } {
  const state = {
    writes: [] as number[][],
    flushes: 0,
    shutdowns: 0,
    write: async (buf: Uint8Array) => {
      state.writes.push([...buf]);
      return buf.length;
    },
    flush: async () => {
      state.flushes++;
    },
    shutdown: async () => {
      state.shutdowns++;
    },
  };
  return state;
}

describe('BufWriter', () => {
  it('gathers small writes until flush', async () => {
    const inner = recording();
    const writer = new BufWriter(inner, { capacity: 8 });
    expect(await writer.write(Uint8Array.of(1, 2))).toBe(2);
    expect(await writer.write(Uint8Array.of(3))).toBe(1);
    expect(inner.writes).toEqual([]);
    expect([...writer.buffer]).toEqual([1, 2, 3]);
    await writer.flush();
    expect(inner.writes).toEqual([[1, 2, 3]]);
    expect(inner.flushes).toBe(1);
    expect(writer.buffer.length).toBe(0);
  });

  it('writes the buffer out when the next write does not fit, and large writes go straight through', async () => {
    const inner = recording();
    const writer = new BufWriter(inner, { capacity: 4 });
    await writer.write(Uint8Array.of(1, 2, 3));
    await writer.write(Uint8Array.of(4, 5));
    expect(inner.writes).toEqual([[1, 2, 3]]);
    await writer.write(Uint8Array.of(6, 7, 8, 9, 10));
    expect(inner.writes).toEqual([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10]]);
  });

  it('flushes before shutting the inner writer down', async () => {
    const [a, b] = duplex(64);
    const writer = new BufWriter(a);
    await writeAll(writer, new TextEncoder().encode('buffered'));
    await writer.shutdown();
    expect((await readToEnd(b)).toString()).toBe('buffered');
  });

  it('keeps unwritten bytes buffered when a flush is aborted, and writes nothing twice', async () => {
    const [a, b] = duplex(3);
    const writer = new BufWriter(a, { capacity: 16 });
    await writer.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    const controller = new AbortController();
    const flushing = track(writer.flush({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(flushing.error).toBeInstanceOf(Cancelled);
    expect([...writer.buffer]).toEqual([4, 5, 6]);
    const out = readToEnd(b);
    await writer.shutdown();
    expect([...(await out)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts nothing from a write aborted while it makes room (cancel safe)', async () => {
    const [a, b] = duplex(2);
    const writer = new BufWriter(a, { capacity: 4 });
    await writer.write(Uint8Array.of(1, 2, 3));
    const controller = new AbortController();
    const writing = track(writer.write(Uint8Array.of(9, 9), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(writing.error).toBeInstanceOf(Cancelled);
    const out = readToEnd(b);
    await writer.shutdown();
    expect([...(await out)]).toEqual([1, 2, 3]);
  });

  it('fails with WriteZero when the inner writer accepts nothing', async () => {
    const writer = new BufWriter({ write: async () => 0, flush: async () => {}, shutdown: async () => {} });
    await writer.write(Uint8Array.of(1));
    await expect(writer.flush()).rejects.toBeInstanceOf(WriteZero);
  });

  it('rejects an overlapping call with ResourceBusy', async () => {
    const [a, b] = duplex(1);
    const writer = new BufWriter(a, { capacity: 4 });
    await writer.write(Uint8Array.of(1, 2));
    const first = writer.flush();
    await expect(writer.write(Uint8Array.of(3))).rejects.toBeInstanceOf(ResourceBusy);
    const out = readToEnd(b);
    await first;
    await a.shutdown();
    expect([...(await out)]).toEqual([1, 2]);
  });

  it('rejects bad options', () => {
    expect(() => new BufWriter(recording(), { capacity: 0 })).toThrow(RangeError);
    expect(() => new BufWriter({} as never)).toThrow(TypeError);
  });
});
