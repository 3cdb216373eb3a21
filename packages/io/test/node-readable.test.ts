import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { UnexpectedEof, duplex, fromNodeReadable, readExact, readToEnd, readToString, toNodeReadable, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('toNodeReadable', () => {
  it('feeds an rt stream into a Node pipeline', async () => {
    const [a, b] = duplex(1024);
    const data = Uint8Array.from({ length: 200_000 }, (_, i) => i % 256);
    const writing = writeAll(a, data).then(() => a.shutdown());
    const chunks: Buffer[] = [];
    await pipeline(
      toNodeReadable(b, { chunkSize: 4096 }),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    await writing;
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('reads only as fast as Node consumes (backpressure)', async () => {
    const [a, b] = duplex(16);
    const readable = toNodeReadable(b, { chunkSize: 8, highWaterMark: 16 });
    readable.read(0); // start filling its buffer, consume nothing
    const writing = track(writeAll(a, new Uint8Array(1000)));
    await settle();
    await settle();
    expect(writing.isPending()).toBe(true);
    readable.destroy();
    b.close();
    await settle();
    expect(writing.error).toBeDefined();
  });

  it('emits the read error as the Readable error', async () => {
    const failing = { read: async () => Promise.reject(new Error('boom')) };
    const readable = toNodeReadable(failing);
    await expect(readToEnd(fromNodeReadable(readable))).rejects.toThrow('boom');
  });

  it('aborts the read in flight when destroyed, losing nothing', async () => {
    const [a, b] = duplex(16);
    const readable = toNodeReadable(b);
    readable.resume();
    await settle();
    readable.destroy();
    await settle();
    await a.write(text('kept'));
    await a.shutdown();
    expect(await readToString(b)).toBe('kept');
  });

  it('rejects bad arguments at once', () => {
    expect(() => toNodeReadable({} as never)).toThrow(TypeError);
    expect(() => toNodeReadable({ read: async () => 0 }, { chunkSize: 0 })).toThrow(RangeError);
  });
});

describe('fromNodeReadable', () => {
  it('reads a Readable to the end, splitting large chunks over small reads', async () => {
    const reader = fromNodeReadable(Readable.from([Buffer.from('hello '), 'world', Buffer.alloc(0), Buffer.from('!')]));
    const first = new Uint8Array(3);
    await readExact(reader, first);
    expect(Buffer.from(first).toString()).toBe('hel');
    expect(await readToString(reader)).toBe('lo world!');
    expect(await reader.read(new Uint8Array(1))).toBe(0);
  });

  it('waits for data and is cancel safe', async () => {
    const source = new PassThrough();
    const reader = fromNodeReadable(source);
    const controller = new AbortController();
    const reading = track(reader.read(new Uint8Array(8), { signal: controller.signal }));
    await settle();
    expect(reading.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    source.end('data');
    expect(await readToString(reader)).toBe('data');
  });

  it('surfaces the stream error on the pending read and every later one', async () => {
    const source = new PassThrough();
    const reader = fromNodeReadable(source);
    const reading = track(reader.read(new Uint8Array(8)));
    await settle();
    source.destroy(new Error('broken'));
    await settle();
    expect((reading.error as Error).message).toBe('broken');
    await expect(reader.read(new Uint8Array(1))).rejects.toThrow('broken');
  });

  it('fails with UnexpectedEof when the Readable is destroyed before it ends', async () => {
    const source = new PassThrough();
    const reader = fromNodeReadable(source);
    const reading = track(reader.read(new Uint8Array(8)));
    await settle();
    source.destroy();
    await new Promise((resolve) => source.once('close', resolve));
    await settle();
    expect(reading.error).toBeInstanceOf(UnexpectedEof);
  });

  it('rejects object-mode chunks that are not bytes', async () => {
    const reader = fromNodeReadable(Readable.from([{ not: 'bytes' }]));
    await expect(reader.read(new Uint8Array(8))).rejects.toThrow(/not bytes/);
  });

  it('rejects something that is not a Readable', () => {
    expect(() => fromNodeReadable({} as never)).toThrow(TypeError);
  });
});
