import { ReadableStream, WritableStream } from 'node:stream/web';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BrokenPipe, duplex, fromWebWritable, readToString, toWebReadable, toWebWritable, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('toWebWritable', () => {
  it('receives a pipeTo and shuts the rt stream down on close', async () => {
    const [a, b] = duplex(8);
    const [c, d] = duplex(8);
    const writing = writeAll(a, text('piped through web streams')).then(() => a.shutdown());
    const reading = readToString(d);
    await toWebReadable(b).pipeTo(toWebWritable(c));
    await writing;
    expect(await reading).toBe('piped through web streams');
  });

  it('aborts a write blocked on backpressure at once', async () => {
    const [a, b] = duplex(2);
    const writer = toWebWritable(a).getWriter();
    const writing = writer.write(text('abcdef'));
    writing.catch(() => {});
    await settle();
    await writer.abort(new Error('stop'));
    await expect(writing).rejects.toBeInstanceOf(Cancelled);
    await a.shutdown();
    expect(await readToString(b)).toBe('ab');
  });

  it('errors the stream for chunks that are not bytes', async () => {
    const [a] = duplex(2);
    const writer = toWebWritable(a).getWriter();
    await expect(writer.write('text' as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('fromWebWritable', () => {
  it('writes every byte, copies the caller buffer, and closes on shutdown', async () => {
    const chunks: Uint8Array[] = [];
    let closed = false;
    const writer = fromWebWritable(
      new WritableStream<Uint8Array>({
        write(chunk) {
          chunks.push(chunk);
        },
        close() {
          closed = true;
        },
      }),
    );
    const buf = text('one');
    await writer.write(buf);
    buf.fill(0);
    await writeAll(writer, text(' two'));
    await writer.flush();
    expect(Buffer.concat(chunks).toString()).toBe('one two');
    await writer.shutdown();
    expect(closed).toBe(true);
    await expect(writer.write(text('x'))).rejects.toBeInstanceOf(BrokenPipe);
  });

  it('waits while the stream is over its high-water mark, and an aborted wait hands over nothing', async () => {
    const chunks: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writer = fromWebWritable(
      new WritableStream<Uint8Array>(
        {
          async write(chunk) {
            chunks.push(Buffer.from(chunk).toString());
            await gate;
          },
        },
        { highWaterMark: 2 },
      ),
    );
    await writer.write(text('a')); // in the sink, held by the gate
    await writer.write(text('b')); // queued: desiredSize is now 0 (a is counted until written)
    const controller = new AbortController();
    const waiting = track(writer.write(text('c'), { signal: controller.signal }));
    await settle();
    expect(waiting.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(waiting.error).toBeInstanceOf(Cancelled);
    release();
    await writer.flush();
    expect(chunks).toEqual(['a', 'b']);
  });

  it('surfaces the sink error on a later operation', async () => {
    const writer = fromWebWritable(
      new WritableStream<Uint8Array>({
        write() {
          throw new Error('sink failed');
        },
      }),
    );
    await writer.write(text('a'));
    await expect(writer.flush()).rejects.toThrow('sink failed');
    await expect(writer.write(text('b'))).rejects.toThrow('sink failed');
  });

  it('rejects locked or wrong streams', () => {
    const stream = new WritableStream<Uint8Array>();
    stream.getWriter();
    expect(() => fromWebWritable(stream)).toThrow(/locked/);
    expect(() => fromWebWritable(new ReadableStream() as never)).toThrow(TypeError);
  });
});
