import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BrokenPipe, duplex, fromNodeWritable, readToEnd, readToString, toNodeWritable, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function collector(highWaterMark = 16 * 1024): Writable & { chunks: Buffer[]; release(): void; hold: boolean } {
  const pending: (() => void)[] = [];
  const writable = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writable.chunks.push(chunk);
      if (writable.hold) pending.push(() => callback());
      else callback();
    },
  }) as Writable & { chunks: Buffer[]; release(): void; hold: boolean };
  writable.chunks = [];
  writable.hold = false;
  writable.release = () => {
    writable.hold = false;
    for (const done of pending.splice(0)) done();
  };
  return writable;
}

describe('toNodeWritable', () => {
  it('takes a Node pipeline into an rt stream and shuts it down at the end', async () => {
    const [a, b] = duplex(512);
    const data = Buffer.from(Uint8Array.from({ length: 100_000 }, (_, i) => (i * 3) % 256));
    const reading = readToEnd(b);
    await pipeline(Readable.from([data.subarray(0, 50_000), data.subarray(50_000)]), toNodeWritable(a));
    expect((await reading).equals(data)).toBe(true);
  });

  it('emits the write error as the Writable error', async () => {
    const [a, b] = duplex(16);
    b.close();
    await expect(pipeline(Readable.from([Buffer.from('x')]), toNodeWritable(a))).rejects.toBeInstanceOf(BrokenPipe);
  });

  it('aborts the write in flight when destroyed', async () => {
    const [a, b] = duplex(2);
    const writable = toNodeWritable(a);
    writable.write(Buffer.from('abcdef'));
    await settle();
    writable.destroy();
    await settle();
    await a.shutdown();
    expect(await readToString(b)).toBe('ab'); // a prefix, as writeAll documents
  });
});

describe('fromNodeWritable', () => {
  it('writes every byte and flushes', async () => {
    const sinkStream = collector();
    const writer = fromNodeWritable(sinkStream);
    await writeAll(writer, text('hello '));
    const buf = text('world');
    await writer.write(buf);
    buf.fill(0); // the writer copied it
    await writer.flush();
    expect(Buffer.concat(sinkStream.chunks).toString()).toBe('hello world');
    await writer.shutdown();
    expect(sinkStream.writableFinished).toBe(true);
    await expect(writer.write(text('late'))).rejects.toBeInstanceOf(BrokenPipe);
  });

  it('waits for drain above the highWaterMark and is cancel safe', async () => {
    const target = collector(4);
    target.hold = true;
    const writer = fromNodeWritable(target);
    expect(await writer.write(text('12345678'))).toBe(8); // over the mark: the next write waits
    const controller = new AbortController();
    const waiting = track(writer.write(text('x'), { signal: controller.signal }));
    await settle();
    expect(waiting.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(waiting.error).toBeInstanceOf(Cancelled);
    const flushing = track(writer.flush());
    await settle();
    expect(flushing.isPending()).toBe(true);
    target.release();
    await flushing.promise;
    expect(Buffer.concat(target.chunks).toString()).toBe('12345678'); // the aborted write handed over nothing
  });

  it('surfaces the stream error on the next operation', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    const writer = fromNodeWritable(failing);
    await writer.write(text('a'));
    await expect(writer.flush()).rejects.toThrow('disk full');
    await expect(writer.write(text('b'))).rejects.toThrow('disk full');
  });

  it('only flushes on shutdown with end: false', async () => {
    const target = new PassThrough();
    const writer = fromNodeWritable(target, { end: false });
    await writeAll(writer, text('x'));
    await writer.shutdown();
    expect(target.writableEnded).toBe(false);
  });

  it('rejects something that is not a Writable', () => {
    expect(() => fromNodeWritable({} as never)).toThrow(TypeError);
  });
});
