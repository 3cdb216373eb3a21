import { TcpListener, TcpStream } from '@rt/net';
import { spawn } from '@rt/scheduler';
import { duplex } from '@rt/io';
import { Framed, LengthDelimitedCodec, LinesCodec } from '@rt/util';

describe('Framed', () => {
  it('reads and writes frames over one duplex stream, and split() hands out both sides', async () => {
    const [client, server] = duplex(64);
    const serving = spawn(async () => {
      const framed = new Framed(server, new LinesCodec({ maxLength: 1024 }));
      for await (const line of framed) await framed.send(`echo: ${line}`);
      await framed.close();
    });
    const [reader, writer] = new Framed(client, new LinesCodec()).split();
    const sending = spawn(async () => {
      for (const word of ['a', 'b', 'c']) await writer.feed(word);
      await writer.close();
    });
    const replies: string[] = [];
    for await (const line of reader) replies.push(line);
    await sending;
    await serving;
    expect(replies).toEqual(['echo: a', 'echo: b', 'echo: c']);
  });

  it('answers a pipelined batch with next() for the first frame and tryNext() for the rest', async () => {
    const [client, server] = duplex(64);
    const serving = spawn(async () => {
      const framed = new Framed(server, new LinesCodec());
      const batches: number[] = [];
      for (let line = await framed.next(); line !== undefined; line = await framed.next()) {
        let batch = 0;
        for (; line !== undefined; line = framed.tryNext()) {
          await framed.feed(line.toUpperCase());
          batch++;
        }
        batches.push(batch);
        await framed.flush();
      }
      await framed.close();
      return batches;
    });
    const framed = new Framed(client, new LinesCodec());
    await framed.send('a\nb\nc'); // one write: three lines, one batch
    const replies = [await framed.next(), await framed.next(), await framed.next()];
    await framed.close();
    expect(replies).toEqual(['A', 'B', 'C']);
    expect(await framed.next()).toBeUndefined();
    expect(await serving).toEqual([3]);
  });

  it('echoes length-delimited frames over a real TcpStream on loopback', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const serving = spawn(async () => {
      await using socket = await listener.accept();
      const framed = new Framed(socket, new LengthDelimitedCodec());
      for await (const frame of framed) await framed.feed(frame);
      await framed.close();
    });
    await using socket = await TcpStream.connect(listener.localAddr(), { signal: AbortSignal.timeout(5_000) });
    const [reader, writer] = new Framed(socket, new LengthDelimitedCodec()).split();
    const sizes = [0, 1, 100, 65_536, 300_000, 7];
    const sending = spawn(async () => {
      for (const [i, size] of sizes.entries()) await writer.feed(new Uint8Array(size).fill(i));
      await writer.close();
    });
    const received: number[][] = [];
    for await (const frame of reader) received.push([frame.length, frame[0] ?? -1, frame[frame.length - 1] ?? -1]);
    await sending;
    await serving;
    expect(received).toEqual(sizes.map((size, i) => [size, size ? i : -1, size ? i : -1]));
  }, 20_000);

  it('a hostile 4 GiB prefix over TCP fails with FrameTooLarge without buffering it', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const serving = spawn(async () => {
      await using socket = await listener.accept();
      const framed = new Framed(socket, new LengthDelimitedCodec());
      try {
        await framed.next();
        return 'no error';
      } catch (error) {
        return [(error as { code: string }).code, framed.readBuffer.capacity < 64 * 1024];
      }
    });
    await using socket = await TcpStream.connect(listener.localAddr());
    await socket.writeAll(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3));
    expect(await serving).toEqual(['ERR_RT_FRAME_TOO_LARGE', true]);
  }, 20_000);
});

describe('Framed arguments', () => {
  it('rejects bad options, streams and codecs at once', () => {
    const [a] = duplex(8);
    expect(() => new Framed(a, new LinesCodec(), 5 as never)).toThrow(TypeError);
    expect(() => new Framed(a, new LinesCodec(), { readSize: 0 })).toThrow(RangeError);
    expect(() => new Framed(a, new LinesCodec(), { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => new Framed({} as never, new LinesCodec())).toThrow(TypeError);
    expect(() => new Framed(a, { decode: () => undefined } as never)).toThrow(TypeError);
  });
});

describe('Framed under aborts at every moment', () => {
  it('frames are neither lost nor duplicated when reads and sends are aborted at random turns', async () => {
    const [a, b] = duplex(7);
    const writer = new Framed(a, new LengthDelimitedCodec());
    const reader = new Framed(b, new LengthDelimitedCodec());
    const total = 300;
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sending = spawn(async () => {
      for (let i = 0; i < total; ) {
        const controller = new AbortController();
        const turns = random(3);
        const timer = turns === 0 ? (controller.abort(), undefined) : setTimeout(() => controller.abort(), turns - 1);
        try {
          await writer.send(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 1, 2, 3), { signal: controller.signal });
          i++;
        } catch (error) {
          if ((error as { code?: string }).code !== 'ERR_RT_CANCELLED') throw error;
          // The buffer never reaches the high-water mark here, so an aborted send has always
          // queued its frame whole: what was not written goes out with the next flush.
          i++;
        } finally {
          clearTimeout(timer);
        }
      }
      await writer.close();
    });
    const received: number[] = [];
    for (;;) {
      const controller = new AbortController();
      const turns = random(3);
      const timer = turns === 0 ? (queueMicrotask(() => controller.abort()), undefined) : setTimeout(() => controller.abort(), turns - 1);
      try {
        const frame = await reader.next({ signal: controller.signal });
        if (frame === undefined) break;
        received.push(frame[0]! | (frame[1]! << 8));
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_RT_CANCELLED') throw error;
      } finally {
        clearTimeout(timer);
      }
    }
    await sending;
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
  }, 20_000);
});
