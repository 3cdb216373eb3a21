import { ReadableStream } from 'node:stream/web';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { duplex, fromWebReadable, readExact, readToString, toWebReadable, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function controlled(): { stream: ReadableStream<Uint8Array>; push(chunk: Uint8Array): void; close(): void; error(e: unknown): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    stream,
    push: (chunk) => controller.enqueue(chunk),
    close: () => controller.close(),
    error: (e) => controller.error(e),
  };
}

describe('toWebReadable', () => {
  it('gives a byte stream that Response and default readers consume', async () => {
    const [a, b] = duplex(64);
    const writing = writeAll(a, text('web stream body')).then(() => a.shutdown());
    expect(await new Response(toWebReadable(b, { chunkSize: 4 }) as unknown as ConstructorParameters<typeof Response>[0]).text()).toBe('web stream body');
    await writing;
  });

  it('reads straight into the buffer of a BYOB reader', async () => {
    const [a, b] = duplex(64);
    await writeAll(a, text('abc'));
    await a.shutdown();
    const reader = toWebReadable(b).getReader({ mode: 'byob' });
    const first = await reader.read(new Uint8Array(2));
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('ab');
    const second = await reader.read(new Uint8Array(8));
    expect(Buffer.from(second.value as Uint8Array).toString()).toBe('c');
    expect((await reader.read(new Uint8Array(8))).done).toBe(true);
  });

  it('errors the stream when the read fails', async () => {
    const stream = toWebReadable({ read: async () => Promise.reject(new Error('nope')) });
    await expect(stream.getReader().read()).rejects.toThrow('nope');
  });

  it('aborts the read in flight when cancelled, losing nothing', async () => {
    const [a, b] = duplex(64);
    const stream = toWebReadable(b);
    const reader = stream.getReader();
    const pending = reader.read();
    await settle();
    await reader.cancel('done');
    expect((await pending).done).toBe(true);
    await a.write(text('still here'));
    await a.shutdown();
    expect(await readToString(b)).toBe('still here');
  });
});

describe('fromWebReadable', () => {
  it('reads a Web stream to the end, splitting large chunks', async () => {
    const source = controlled();
    source.push(text('hello'));
    source.push(text(' web'));
    source.close();
    const reader = fromWebReadable(source.stream);
    const buf = new Uint8Array(3);
    await readExact(reader, buf);
    expect(Buffer.from(buf).toString()).toBe('hel');
    expect(await readToString(reader)).toBe('lo web');
  });

  it('keeps the chunk that arrives after an aborted read (cancel safe)', async () => {
    const source = controlled();
    const reader = fromWebReadable(source.stream);
    const controller = new AbortController();
    const reading = track(reader.read(new Uint8Array(8), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    source.push(text('late chunk')); // answers the Web read still in flight
    source.close();
    expect(await readToString(reader)).toBe('late chunk');
  });

  it('surfaces the stream error', async () => {
    const source = controlled();
    const reader = fromWebReadable(source.stream);
    const reading = track(reader.read(new Uint8Array(8)));
    await settle();
    source.error(new Error('web failure'));
    await settle();
    expect((reading.error as Error).message).toBe('web failure');
    await expect(reader.read(new Uint8Array(1))).rejects.toThrow('web failure');
  });

  it('rejects chunks that are not bytes, and locked or wrong streams', async () => {
    const strings = new ReadableStream<string>({
      start(c) {
        c.enqueue('text');
      },
    });
    await expect(fromWebReadable(strings as never).read(new Uint8Array(4))).rejects.toBeInstanceOf(TypeError);
    const locked = controlled().stream;
    locked.getReader();
    expect(() => fromWebReadable(locked)).toThrow(/locked/);
    expect(() => fromWebReadable({} as never)).toThrow(TypeError);
  });

  it('cancel() stops the source and later reads resolve 0', async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = fromWebReadable(stream);
    await reader.cancel('enough');
    expect(cancelled).toBe('enough');
    expect(await reader.read(new Uint8Array(1))).toBe(0);
  });
});
