// `for await (const chunk of request.body)` (the body stream's own iterator, which reads the
// BodyReader directly) and `arrayBuffer()`/`text()` (read straight from the connection into one
// buffer, reads that complete now taken without a promise, no body stream made): every byte once whatever the socket split, kept chunks never written again,
// break/return (cancel, preventCancel), the limit, a shutdown in the middle of a read,
// pipelining after. (A client that leaves mid-body during `for await`: body-stream.test.ts.)
import { HttpError, serve, type HttpServer } from '@rt/http';
import { exchange, open, pattern, postThenGet, readUntil, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `pieces` to a new connection with `pause` ms between them; resolves with everything the server sent by the close. */
async function sendInPieces(port: number, pieces: (string | Buffer)[], pause = 15): Promise<string> {
  const socket = await open(port);
  socket.on('error', () => undefined);
  const reply = readUntil(socket, () => false, 10_000);
  for (const piece of pieces) {
    socket.write(piece);
    await sleep(pause);
  }
  return reply;
}

/** `body` cut at `cuts` (offsets). */
function cut(body: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const to of [...cuts, body.length]) {
    out.push(body.subarray(at, to));
    at = to;
  }
  return out;
}

const chunked = (body: Buffer, size: number): Buffer => {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
};

describe('for await over request.body', () => {
  it('gives every byte once in chunks the handler owns (never written again), for Content-Length sent in pieces and chunked bodies, then serves the pipelined request', async () => {
    const kept: Uint8Array[][] = [];
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      const chunks: Uint8Array[] = [];
      for await (const chunk of request.body!) {
        expect(Object.getPrototypeOf(chunk)).toBe(Uint8Array.prototype);
        chunks.push(chunk);
      }
      kept.push(chunks);
      expect(request.bodyUsed).toBe(true);
      return new Response(String(chunks.reduce((n, c) => n + c.length, 0)));
    });
    const port = server.addr.port;
    const body = pattern(300_000);
    // With the head, then a pause (a read that waits), then many small writes (reads that complete now).
    const head = `POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`;
    const pieces: (string | Buffer)[] = [Buffer.concat([Buffer.from(head), body.subarray(0, 1000)]), ...cut(body.subarray(1000), [5, 70_000, 70_001, 200_000]), 'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'];
    const text = await sendInPieces(port, pieces);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('\r\n\r\n300000');
    expect(text.endsWith('next /after')).toBe(true);
    // Chunked, in one write and pipelined.
    const chunkedText = await exchange(port, Buffer.concat([Buffer.from('POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(body, 9000), Buffer.from('GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')]));
    expect(statuses(chunkedText)).toEqual([200, 200]);
    expect(chunkedText).toContain('\r\n\r\n300000');
    expect(chunkedText.endsWith('next /after')).toBe(true);
    // Every chunk kept is still what it was when it came (nothing reused its memory).
    expect(kept).toHaveLength(2);
    for (const chunks of kept) {
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('cancels the body on break (the small rest drained, the pipelined request served; a large rest closes), and a throw in the loop does the same', async () => {
    const seen: string[] = [];
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      let got = 0;
      try {
        for await (const chunk of request.body!) {
          got += chunk.length;
          if (request.url.endsWith('/throw')) throw new Error('handler stops');
          break;
        }
      } catch (error) {
        seen.push((error as Error).message);
      }
      seen.push(`locked ${request.body!.locked}`);
      return new Response(`read ${got > 0}`);
    });
    const port = server.addr.port;
    const small = await postThenGet(port, '/small', pattern(20_000));
    expect(statuses(small)).toEqual([200, 200]);
    expect(small).toContain('read true');
    expect(small.endsWith('next /after')).toBe(true);
    const thrown = await postThenGet(port, '/throw', pattern(20_000));
    expect(statuses(thrown)).toEqual([200, 200]);
    expect(thrown.endsWith('next /after')).toBe(true);
    const large = await postThenGet(port, '/large', pattern(2_000_000), true);
    expect(statuses(large)).toEqual([200]);
    expect(large).toContain('connection: close');
    expect(large).not.toContain('next /after');
    expect(seen).toEqual(['locked false', 'handler stops', 'locked false', 'locked false']);
  });

  it('keeps the stream on break with preventCancel: another reader goes on from the next byte', async () => {
    const body = pattern(200_000);
    let rebuilt: Buffer | undefined;
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      const stream = request.body!;
      const first: Uint8Array[] = [];
      for await (const chunk of stream.values({ preventCancel: true })) {
        first.push(chunk);
        break;
      }
      expect(stream.locked).toBe(false);
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) first.push(r.value);
      rebuilt = Buffer.concat(first);
      return new Response(String(rebuilt.length));
    });
    const text = await postThenGet(server.addr.port, '/', body);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text.endsWith('next /after')).toBe(true);
    expect(rebuilt?.equals(body)).toBe(true);
  });

  it('runs next() calls made at once in order, and return() waits for a pending next()', async () => {
    const body = pattern(150_000);
    let order: string[] = [];
    server = await serve({}, async (request) => {
      const iterator = request.body![Symbol.asyncIterator]();
      const [a, b, c] = await Promise.all([iterator.next(), iterator.next(), iterator.next()]);
      const parts = [a, b, c].filter((r) => !r.done).map((r) => Buffer.from(r.value!));
      const pending = iterator.next();
      const returned = iterator.return!();
      const [last, after] = await Promise.all([pending, returned]);
      if (!last.done) parts.push(Buffer.from(last.value));
      order = [String(after.done), String((await iterator.next()).done)];
      const got = Buffer.concat(parts);
      return new Response(String(got.equals(body.subarray(0, got.length))));
    });
    const head = `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const text = await sendInPieces(server.addr.port, [head, ...cut(body, [30_000, 60_000, 90_000, 120_000])]);
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith('true')).toBe(true);
    expect(order).toEqual(['true', 'true']);
  });

  it('throws HttpError 413 from the loop when a chunked body outgrows the limit, and the client gets 413', async () => {
    let failure: unknown;
    server = await serve({ limits: { maxBodySize: 100_000 } }, async (request) => {
      try {
        for await (const chunk of request.body!) void chunk;
      } catch (error) {
        failure = error;
      }
      return new Response('unused');
    });
    const text = await exchange(server.addr.port, Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(pattern(150_000), 30_000)]));
    expect(statuses(text)).toEqual([413]);
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).status).toBe(413);
  });

  it('lets a shutdown end a handler whose next() waits on the socket (no connection or timer left)', async () => {
    let entered: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (entered = resolve));
    let outcome = 'pending';
    server = await serve({}, async (request) => {
      try {
        for await (const chunk of request.body!) {
          void chunk;
          entered();
        }
        outcome = 'ended';
      } catch (error) {
        outcome = error instanceof Error ? 'failed' : 'other';
      }
      return new Response('unused');
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc');
    await waiting;
    const own = server;
    server = undefined;
    await own.shutdown({ timeout: 50 });
    expect(own.connections).toBe(0);
    expect(outcome).not.toBe('ended');
    socket.destroy();
  });
});

describe('arrayBuffer() and text(): the body read straight into one buffer', () => {
  it('never makes a body stream, and reads a body sent in pieces, or all there before the read, byte for byte, then serves the pipelined request', async () => {
    const got: boolean[] = [];
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      // /late: the whole body is in the socket before the read starts (reads that complete now).
      if (request.url.endsWith('/late')) await sleep(100);
      const bytes = new Uint8Array(await request.arrayBuffer());
      got.push(Buffer.from(bytes).equals(body));
      expect(request.bodyUsed).toBe(true);
      // Read whole with no stream; the body taken now is Fetch's disturbed, locked stream.
      expect(request.body?.locked).toBe(true);
      return new Response(String(bytes.length));
    });
    const body = pattern(500_000);
    const head = `POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`;
    const text = await sendInPieces(server.addr.port, [Buffer.concat([Buffer.from(head), body.subarray(0, 10)]), ...cut(body.subarray(10), [1, 65_536, 65_537, 300_000]), 'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('\r\n\r\n500000');
    expect(text.endsWith('next /after')).toBe(true);
    const late = await postThenGet(server.addr.port, '/late', body);
    expect(statuses(late)).toEqual([200, 200]);
    expect(late).toContain('\r\n\r\n500000');
    expect(late.endsWith('next /after')).toBe(true);
    expect(got).toEqual([true, true]);
  });

  it('gives a fresh ArrayBuffer of exactly the body (its first bytes came with the head), each its own, and a second read rejects', async () => {
    const buffers: ArrayBuffer[] = [];
    const second: unknown[] = [];
    server = await serve({}, async (request) => {
      const buffer = await request.arrayBuffer();
      buffers.push(buffer);
      second.push(await request.arrayBuffer().then(() => 'read again', (error: unknown) => error));
      return new Response(String(buffer.byteLength));
    });
    const bodies = [pattern(1), pattern(3_000), pattern(200_000)];
    for (const body of bodies) {
      // The head and the body's first bytes in one write: the head read takes some of the body.
      const text = await sendInPieces(server.addr.port, [Buffer.concat([Buffer.from(`POST /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`), body])]);
      expect(statuses(text)).toEqual([200]);
    }
    expect(buffers.map((buffer) => buffer instanceof ArrayBuffer && buffer.byteLength)).toEqual(bodies.map((body) => body.length));
    expect(buffers.map((buffer, i) => Buffer.from(buffer).equals(bodies[i]!))).toEqual([true, true, true]);
    expect(new Set(buffers).size).toBe(3);
    expect(second.every((error) => error instanceof TypeError)).toBe(true);
  });

  it('decodes a body that came whole with its head before the signal\'s watch reads the next request into the same buffer (text(), json())', async () => {
    // The signal taken first: when the body has been read, the connection reads ahead (to see
    // a client that leaves), into the input buffer the body lay in, moving the pipelined bytes
    // to its start. text() hands out the body's own characters all the same.
    const got: unknown[] = [];
    server = await serve({}, async (request, ctx) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      void ctx.signal;
      got.push(request.url.endsWith('/json') ? await request.json() : await request.text());
      return new Response('ok');
    });
    const text = 'A'.repeat(100);
    const json = { a: 'b'.repeat(200), n: [1, 2, 3] };
    const post = (path: string, body: string): string => `POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const answer = await exchange(server.addr.port, `${post('/text', text)}${post('/json', JSON.stringify(json))}GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    expect(statuses(answer)).toEqual([200, 200, 200]);
    expect(answer.endsWith('next /after')).toBe(true);
    expect(got).toEqual([text, json]);
  });

  it('rejects with the typed error and aborts ctx.signal when the client leaves mid-body; nothing stays open', async () => {
    const failures: unknown[] = [];
    const signals: AbortSignal[] = [];
    server = await serve({}, async (request, ctx) => {
      signals.push(ctx.signal);
      try {
        await (request.url.endsWith('/text') ? request.text() : request.arrayBuffer());
      } catch (error) {
        failures.push(error);
      }
      return new Response('unused');
    });
    for (const [path, end] of [['/buffer', 'reset'], ['/text', 'end']] as const) {
      const socket = await open(server.addr.port);
      socket.on('error', () => undefined);
      socket.write(`POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc`);
      await sleep(30);
      socket.write('defgh');
      await sleep(30);
      if (end === 'reset') socket.resetAndDestroy();
      else socket.end();
      while (failures.length < signals.length || signals.length === 0) await sleep(10);
      if (end === 'end') socket.destroy();
      while (server.connections > 0) await sleep(10);
    }
    expect(failures).toHaveLength(2);
    // A clean close inside the body: HttpError 400; a reset: the connection's error.
    expect(failures[1]).toBeInstanceOf(HttpError);
    expect((failures[1] as HttpError).code).toBe('ERR_RT_HTTP_INCOMPLETE');
    expect(failures[0]).toBeInstanceOf(Error);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});

describe('body, bodyUsed and the null body, as the Fetch standard says', () => {
  it('a request without a body reads as empty every time and is never used; its body is null', async () => {
    const seen: unknown[] = [];
    server = await serve({}, async (request) => {
      seen.push([request.body, request.bodyUsed, await request.text(), request.bodyUsed, await request.text(), (await request.arrayBuffer()).byteLength, request.bodyUsed]);
      return new Response('ok');
    });
    const answer = await exchange(server.addr.port, 'GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(statuses(answer)).toEqual([200, 200]);
    expect(seen).toEqual([
      [null, false, '', false, '', 0, false],
      [null, false, '', false, '', 0, false],
    ]);
  });

  it('the body taken during or after text()/arrayBuffer() is a locked stream, not a second reader of the same bytes', async () => {
    const seen: unknown[] = [];
    server = await serve({}, async (request) => {
      const path = new URL(request.url).pathname;
      const reading = path === '/during-array' ? request.arrayBuffer() : request.text();
      const during = request.body;
      const value = await reading;
      const after = request.body;
      let error: unknown;
      try {
        after!.getReader();
      } catch (e) {
        error = e;
      }
      seen.push({
        path,
        bytes: typeof value === 'string' ? value.length : value.byteLength,
        same: during === after,
        locked: after?.locked,
        used: request.bodyUsed,
        typeError: (error as Error | undefined)?.name === 'TypeError', // Node's own TypeError (jest's realm has another)
        again: await request.text().then(() => 'resolved', (e: unknown) => (e instanceof TypeError ? 'TypeError' : String(e))),
      });
      return new Response('ok');
    });
    const body = 'x'.repeat(3000);
    const post = (path: string): string => `POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const answer = await exchange(server.addr.port, `${post('/during-text')}${post('/during-array')}GET /end HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    expect(statuses(answer)).toEqual([200, 200, 200]);
    const expected = { bytes: 3000, same: true, locked: true, used: true, typeError: true, again: 'TypeError' };
    expect(seen.slice(0, 2)).toEqual([{ path: '/during-text', ...expected }, { path: '/during-array', ...expected }]);
  });
});

