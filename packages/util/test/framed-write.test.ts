import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { ResourceBusy, WriteZero, duplex, readToEnd, type AsyncWrite } from '@rt/io';
import { FramedRead, FramedWrite, LengthDelimitedCodec, LinesCodec } from '@rt/util';

const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('FramedWrite', () => {
  it('feed batches, flush writes, close shuts down', async () => {
    const [a, b] = duplex(1024);
    const out = new FramedWrite(a, new LinesCodec());
    await out.feed('a');
    await out.feed('b');
    expect(out.writeBuffer.length).toBe(4);
    await out.flush();
    expect(out.writeBuffer.length).toBe(0);
    await out.send('c');
    await out.close();
    expect(str(await readToEnd(b))).toBe('a\nb\nc\n');
  });

  it('feed waits for room once the buffer reaches the high-water mark (backpressure)', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LinesCodec(), { highWaterMark: 16 });
    await out.feed('x'.repeat(40));
    const blocked = track(out.feed('y'));
    await settle();
    expect(blocked.isPending()).toBe(true);
    const reader = new FramedRead(b, new LinesCodec());
    const first = track(reader.next());
    await blocked.promise;
    expect(out.writeBuffer.length).toBeLessThan(16 + 2);
    await out.close();
    expect(await first.promise).toBe('x'.repeat(40));
    expect(await reader.next()).toBe('y');
    expect(await reader.next()).toBeUndefined();
  });

  it('an aborted send leaves the rest queued; the next flush sends every byte once, in order', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LengthDelimitedCodec());
    const controller = new AbortController();
    const sending = track(out.send(new Uint8Array(10).fill(1), { signal: controller.signal }));
    await settle();
    expect(sending.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(sending.error).toBeInstanceOf(Cancelled);
    expect(out.writeBuffer.length).toBe(10); // 14 bytes encoded, 4 accepted by the pipe
    const reader = new FramedRead(b, new LengthDelimitedCodec());
    const frame = track(reader.next());
    await out.send(Uint8Array.of(2));
    await out.close();
    expect([...((await frame.promise) ?? [])]).toEqual(new Array(10).fill(1));
    expect([...((await reader.next()) ?? [])]).toEqual([2]);
    expect(await reader.next()).toBeUndefined();
  });

  it('an aborted feed waiting for room did not queue its item', async () => {
    const [a, b] = duplex(4);
    const out = new FramedWrite(a, new LinesCodec(), { highWaterMark: 4 });
    await out.feed('abcdefgh');
    const controller = new AbortController();
    const feeding = track(out.feed('lost', { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(feeding.error).toBeInstanceOf(Cancelled);
    const reading = readToEnd(b);
    await out.close();
    expect(str(await reading)).toBe('abcdefgh\n');
  });

  it('an encoder error queues nothing', async () => {
    const [a] = duplex(64);
    const out = new FramedWrite(a, new LengthDelimitedCodec({ maxFrameLength: 2 }));
    await out.feed(Uint8Array.of(1));
    await expect(out.feed(Uint8Array.of(1, 2, 3))).rejects.toMatchObject({ code: 'ERR_RT_FRAME_TOO_LARGE' });
    expect(out.writeBuffer.length).toBe(5);
  });

  it('WriteZero when the stream accepts nothing; ResourceBusy for overlapping calls', async () => {
    const stuck: AsyncWrite = { write: () => Promise.resolve(0), flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
    await expect(new FramedWrite(stuck, new LinesCodec()).send('x')).rejects.toThrow(WriteZero);
    const [a] = duplex(1);
    const out = new FramedWrite(a, new LinesCodec());
    const controller = new AbortController();
    const first = out.send('long line', { signal: controller.signal });
    await expect(out.flush()).rejects.toThrow(ResourceBusy);
    controller.abort();
    await expect(first).rejects.toThrow(Cancelled);
  });

  it('rejects a bad writer, encoder or options at once', () => {
    const [a] = duplex(1);
    expect(() => new FramedWrite({} as never, new LinesCodec())).toThrow(TypeError);
    expect(() => new FramedWrite(a, {} as never)).toThrow(TypeError);
    expect(() => new FramedWrite(a, new LinesCodec(), { highWaterMark: 0 })).toThrow(RangeError);
  });
});
