// request.body as a byte stream: BYOB reads into the handler's own buffers, default-reader
// chunks, partial reads, cancellation mid-body (drain or close), the body limit, backpressure,
// 100-continue, and a property test of BodyReader.readInto/readChunk over random splits.
import fc from 'fast-check';
import { HttpError, serve, type HttpServer, type ServeContext } from '@rt/http';
import { BodyReader } from '../src/internal/body.js';
import { InputBuffer, parseRequestHead, type ParserLimits } from '../src/internal/parser.js';
import { exchange, open, pattern, postThenGet, readUntil, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

/** Reads a body stream with a BYOB reader into one reused buffer of `size` bytes; returns the bytes and what each read saw. */
async function readByob(body: ReadableStream<Uint8Array>, size: number): Promise<{ bytes: Buffer; reads: number; largest: number; sameMemory: boolean }> {
  const reader = body.getReader({ mode: 'byob' });
  let view = new Uint8Array(new ArrayBuffer(size));
  const parts: Buffer[] = [];
  let reads = 0;
  let largest = 0;
  let sameMemory = true;
  for (;;) {
    const { done, value } = await reader.read(view);
    if (done) break;
    reads++;
    largest = Math.max(largest, value.length);
    if (value.buffer.byteLength !== size || value.byteOffset !== 0) sameMemory = false;
    parts.push(Buffer.from(value)); // a copy: the next read reuses the memory
    view = new Uint8Array(value.buffer);
  }
  return { bytes: Buffer.concat(parts), reads, largest, sameMemory };
}

const sha = (bytes: Uint8Array): string => `${bytes.length}:${Buffer.from(bytes).toString('base64').slice(0, 16)}:${Buffer.from(bytes).reduce((a, b) => (a * 33 + b) >>> 0, 5381)}`;

describe('request.body: a byte stream', () => {
  it('is a ReadableStream of type bytes whose BYOB reader fills the caller buffer, and leaves the pipelined request alone', async () => {
    const body = pattern(300_000);
    const seen: { reads: number; largest: number; sameMemory: boolean; ok: boolean }[] = [];
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      const result = await readByob(request.body!, 16 * 1024);
      seen.push({ reads: result.reads, largest: result.largest, sameMemory: result.sameMemory, ok: result.bytes.equals(body) });
      return new Response(String(result.bytes.length));
    });
    const text = await postThenGet(server.addr.port, '/big', body);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('\r\n\r\n300000');
    expect(text.endsWith('next /after')).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.ok).toBe(true);
    expect(seen[0]!.sameMemory).toBe(true); // every read landed in the one 16 KiB buffer
    expect(seen[0]!.largest).toBeLessThanOrEqual(16 * 1024);
    expect(seen[0]!.reads).toBeGreaterThanOrEqual(Math.ceil(body.length / (16 * 1024)));
  });

  it('serves partial reads: a view smaller than a buffered chunk or a chunked body chunk gets the rest on the next read', async () => {
    const body = pattern(5000);
    const got: string[] = [];
    server = await serve({}, async (request) => {
      const result = await readByob(request.body!, 7);
      got.push(sha(result.bytes));
      expect(result.largest).toBeLessThanOrEqual(7);
      return new Response(String(result.bytes.length));
    });
    // A Content-Length body that arrives with its head (buffered), and a chunked one with
    // chunks of 3000 and 2000 bytes read through a 7-byte view.
    const chunked = `Transfer-Encoding: chunked\r\n\r\n${(3000).toString(16)}\r\n`;
    const text = await exchange(server.addr.port, Buffer.concat([
      Buffer.from(`POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from(`POST /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${chunked}`),
      body.subarray(0, 3000),
      Buffer.from(`\r\n${(2000).toString(16)}\r\n`),
      body.subarray(3000),
      Buffer.from('\r\n0\r\n\r\n'),
    ]));
    expect(statuses(text)).toEqual([200, 200]);
    expect(got).toEqual([sha(body), sha(body)]);
  });

  it('gives a default reader chunks of at most 64 KiB that it owns (kept chunks stay intact)', async () => {
    const body = pattern(1 << 20);
    let kept: Uint8Array[] = [];
    server = await serve({}, async (request) => {
      kept = [];
      for await (const chunk of request.body!) kept.push(chunk);
      return new Response('ok');
    });
    const response = await fetch(`http://${server.addr.toString()}/`, { method: 'POST', body });
    expect(await response.text()).toBe('ok');
    expect(Math.max(...kept.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.concat(kept).equals(body)).toBe(true);
  });

  it('drains a small unread rest after a cancel and keeps the connection; closes it when the rest is large', async () => {
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      const reader = request.body!.getReader({ mode: 'byob' });
      const { value } = await reader.read(new Uint8Array(100));
      await reader.cancel('enough');
      return new Response(`read ${value!.length}`);
    });
    // 20 KB: the rest (≤ 64 KiB) is drained, the pipelined GET is answered on the same connection.
    const small = pattern(20_000);
    const kept = await postThenGet(server.addr.port, '/small', small);
    expect(statuses(kept)).toEqual([200, 200]);
    expect(kept).toContain('read 100');
    expect(kept.endsWith('next /after')).toBe(true);
    // 2 MB: too much to drain: the answer says close, and the GET behind it is never served.
    const large = pattern(2_000_000);
    const closed = await postThenGet(server.addr.port, '/large', large, true);
    expect(statuses(closed)).toEqual([200]);
    expect(closed).toContain('connection: close');
    expect(closed).not.toContain('next /after');
  });

  it('echoes the body when the handler answers with the request body stream itself, on a kept connection (never drained first)', async () => {
    server = await serve({ port: 0 }, (request) => (request.method === 'POST' ? new Response(request.body) : new Response(`next ${new URL(request.url).pathname}`)));
    for (const size of [1000, 40_000, 300_000]) {
      const body = pattern(size);
      const text = await postThenGet(server.addr.port, '/echo', body);
      expect(statuses(text)).toEqual([200, 200]);
      const raw = Buffer.from(text, 'latin1');
      const start = raw.indexOf('\r\n\r\n') + 4;
      const head = raw.subarray(0, start).toString('latin1');
      let echoed: Buffer;
      if (/content-length/i.test(head)) {
        echoed = raw.subarray(start, start + size);
      } else {
        // chunked: join the chunks up to the terminating 0-size chunk
        const parts: Buffer[] = [];
        for (let at = start; ; ) {
          const eol = raw.indexOf('\r\n', at);
          const n = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
          if (n === 0) break;
          parts.push(raw.subarray(eol + 2, eol + 2 + n));
          at = eol + 2 + n + 2;
        }
        echoed = Buffer.concat(parts);
      }
      expect(echoed.length).toBe(size);
      expect(echoed.equals(body)).toBe(true);
      expect(text.endsWith('next /after')).toBe(true);
    }
  });

  it('closes the connection when the stream is cancelled while a socket read is in flight', async () => {
    let settled: unknown = 'pending';
    server = await serve({}, async (request) => {
      const reader = request.body!.getReader({ mode: 'byob' });
      await reader.read(new Uint8Array(10)); // the 10 bytes sent so far
      const pending = reader.read(new Uint8Array(10)); // waits: the client sends no more
      pending.then((result) => (settled = result), (error: unknown) => (settled = error));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await reader.cancel('the handler gives up');
      return new Response('gave up');
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n0123456789');
    const text = await readUntil(socket, () => false, 5000); // resolves at close
    expect(statuses(text)).toEqual([200]);
    expect(text).toContain('connection: close');
    expect(text.endsWith('gave up')).toBe(true);
    expect(settled).toEqual({ done: true, value: undefined }); // the cancel ended the pending read
    socket.destroy();
    while (server.connections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('rejects a BYOB read with HttpError 413 when a chunked body outgrows the limit, and the client gets 413', async () => {
    let failure: unknown;
    let received = 0;
    server = await serve({ limits: { maxBodySize: 100_000 } }, async (request) => {
      try {
        received = (await readByob(request.body!, 8192)).bytes.length;
      } catch (error) {
        failure = error;
      }
      return new Response('unused');
    });
    const chunk = pattern(30_000);
    const pieces: Buffer[] = [Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n')];
    for (let i = 0; i < 5; i++) pieces.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    pieces.push(Buffer.from('0\r\n\r\n'));
    const text = await exchange(server.addr.port, Buffer.concat(pieces));
    expect(statuses(text)).toEqual([413]);
    expect(text).toContain('connection: close');
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).status).toBe(413);
    expect(received).toBe(0);
    // A Content-Length over the limit is refused before the handler runs.
    expect(statuses(await exchange(server.addr.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100001\r\n\r\n'))).toEqual([413]);
  });

  it.each(['Content-Length', 'chunked'])('pauses socket reads while the handler does not read (bounded memory), then delivers every byte (%s)', async (framing) => {
    const total = 32 * 1024 * 1024;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstRead: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (firstRead = resolve));
    let count = 0;
    server = await serve({ limits: { maxBodySize: total } }, async (request) => {
      const reader = request.body!.getReader({ mode: 'byob' });
      let view = new Uint8Array(64 * 1024);
      for (;;) {
        const { done, value } = await reader.read(view);
        if (done) break;
        count += value.length;
        if (count === value.length) {
          firstRead();
          await gate;
        }
        view = new Uint8Array(value.buffer);
      }
      return new Response(String(count));
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    const reply = readUntil(socket, (text) => text.endsWith(String(total)), 20_000);
    const chunked = framing === 'chunked';
    socket.write(`POST / HTTP/1.1\r\nHost: a\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`}\r\nConnection: close\r\n\r\n`);
    const data = Buffer.alloc(1024 * 1024, 1);
    const piece = chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
    let written = 0;
    const writeAll = (async () => {
      while (written < total) {
        written += data.length;
        if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
      }
      if (chunked) socket.write('0\r\n\r\n');
    })();
    await started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The handler holds: the kernel buffers fill and the client's writes stop far short of the body.
    const heldAt = socket.bytesWritten;
    expect(heldAt).toBeLessThan(total / 2);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(64 * 1024); // one read, then nothing while the handler holds
    release();
    await writeAll;
    expect(await reply).toContain(`\r\n\r\n${total}`);
    expect(count).toBe(total);
    socket.destroy();
  });

  it('answers Expect: 100-continue at the first BYOB read, then reads the body', async () => {
    let ctxSeen: ServeContext | undefined;
    server = await serve({}, async (request, ctx) => {
      ctxSeen = ctx;
      const result = await readByob(request.body!, 1000);
      return new Response(`got ${result.bytes.toString('latin1')}`);
    });
    const socket = await open(server.addr.port);
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    const interim = await readUntil(socket, (text) => text.includes('\r\n\r\n'));
    expect(interim).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    const rest = readUntil(socket, () => false);
    socket.write('hello');
    const text = await rest;
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith('got hello')).toBe(true);
    expect(ctxSeen?.signal.aborted).toBe(false);
    socket.destroy();
  });

  it('aborts ctx.signal and rejects the pending BYOB read, or for await, when the client leaves mid-body', async () => {
    for (const way of ['byob', 'for await'] as const) {
      let failure: unknown;
      let signal: AbortSignal | undefined;
      let got = 0;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      server = await serve({}, async (request, ctx) => {
        signal = ctx.signal;
        try {
          if (way === 'byob') got = (await readByob(request.body!, 4096)).bytes.length;
          else for await (const chunk of request.body!) got += chunk.length;
        } catch (error) {
          failure = error;
        }
        done();
        return new Response('unused');
      });
      const socket = await open(server.addr.port);
      socket.on('error', () => undefined);
      socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc');
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.write('defgh');
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.resetAndDestroy();
      await finished;
      expect(failure).toBeInstanceOf(Error);
      expect(signal?.aborted).toBe(true);
      if (way === 'for await') expect(got).toBe(8); // the bytes before the reset came through
      while (server.connections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await server.shutdown({ timeout: 1000 });
      server = undefined;
    }
  });
});

describe('request.body: the Fetch views over it', () => {
  it('clone() tees the byte stream (both copies read the body), and toRequest() streams it into a real Request', async () => {
    const body = pattern(200_000);
    const got: string[] = [];
    server = await serve({}, async (request) => {
      if (new URL(request.url).pathname === '/clone') {
        const copy = request.clone();
        const [mine, theirs] = await Promise.all([request.arrayBuffer(), copy.arrayBuffer()]);
        got.push(sha(new Uint8Array(mine)), sha(new Uint8Array(theirs)));
      } else {
        const real = (request as unknown as { toRequest(): Request }).toRequest();
        expect(real).toBeInstanceOf(Request);
        got.push(sha(new Uint8Array(await real.arrayBuffer())));
      }
      return new Response('ok');
    });
    for (const path of ['/clone', '/real']) {
      const response = await fetch(`http://${server.addr.toString()}${path}`, { method: 'POST', body });
      expect(await response.text()).toBe('ok');
    }
    expect(got).toEqual([sha(body), sha(body), sha(body)]);
  });
});

describe('BodyReader.readInto and readChunk', () => {
  const limits: ParserLimits = { maxRequestLine: 1024, maxHeaderSize: 4096, maxHeaders: 50, maxBodySize: 1 << 20 };

  it('deliver every body byte once, never read past the body, whatever the socket split, framing and view sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 12 }),
        async (body, chunked, cuts, views) => {
          const framed: Buffer[] = [];
          if (chunked) {
            framed.push(Buffer.from('POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'));
            for (let at = 0, i = 0; at < body.length; i++) {
              const size = Math.min(body.length - at, cuts[i % cuts.length]!);
              framed.push(Buffer.from(`${size.toString(16)}\r\n`), Buffer.from(body.subarray(at, at + size)), Buffer.from('\r\n'));
              at += size;
            }
            framed.push(Buffer.from('0\r\n\r\n'));
          } else {
            framed.push(Buffer.from(`POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`), Buffer.from(body));
          }
          framed.push(Buffer.from('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'));
          // The "socket": reads of at most cuts[i] bytes, into the input buffer or straight into a view.
          const wire = Buffer.concat(framed);
          let at = 0;
          let reads = 0;
          const input = new InputBuffer();
          const fill = (into?: Uint8Array): Promise<number> => {
            const limit = cuts[reads++ % cuts.length]!;
            const target = into ?? input.spare(limit);
            const n = Math.min(limit, target.length, wire.length - at);
            target.set(wire.subarray(at, at + n));
            at += n;
            if (into === undefined) input.commit(n);
            return Promise.resolve(n);
          };
          let head = parseRequestHead(input, limits);
          while (head === undefined) {
            await fill();
            head = parseRequestHead(input, limits);
          }
          const reader = new BodyReader(input, fill, head, limits.maxBodySize);
          const parts: Buffer[] = [];
          for (let i = 0; ; i++) {
            const size = views[i % views.length]!;
            if (size === 0) {
              const chunk = await reader.readChunk(); // a default-reader read in between
              if (chunk === null) break;
              parts.push(Buffer.from(chunk));
              continue;
            }
            const view = new Uint8Array(size);
            const n = await reader.readInto(view);
            if (n === 0) break;
            expect(n).toBeLessThanOrEqual(size);
            parts.push(Buffer.from(view.subarray(0, n)));
          }
          expect(reader.done).toBe(true);
          expect(Buffer.concat(parts).equals(Buffer.from(body))).toBe(true);
          // The pipelined request is intact: nothing past the body was consumed.
          let next = parseRequestHead(input, limits);
          while (next === undefined) {
            if ((await fill()) === 0) break;
            next = parseRequestHead(input, limits);
          }
          expect(next?.target).toBe('/next');
        },
      ),
      { numRuns: 300 },
    );
  });
});
