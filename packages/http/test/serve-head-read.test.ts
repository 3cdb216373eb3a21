// The head read after a large body: once a connection has sent a head announcing a
// Content-Length body larger than 16 KiB (more than the head read takes), its next head read
// asks for about that head's size (twice it, at least 1 KiB) instead of the whole input buffer,
// so the next large body's bytes go from the socket straight into the handler's memory instead
// of through the input buffer and a copy. What must not change: heads longer than that read,
// pipelined requests behind a large upload, and bodies read by every kind of reader arrive
// whole and in order; a client that resets inside such a body fails the handler's read and
// frees the connection.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { TcpStream } from '@rt/net';
import { serve, type HttpServer, type HttpStream } from '@rt/http';
import { open, pattern, readUntil, runnableNow, sendForAnswers, statuses } from './support/raw.js';

const sha = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// The waits below count only time this thread could run (runnableNow): the server and its test
// client share it, and at CI's load (~20 on 2 cores) a jest worker gets about a tenth of a core.

/** A plain TCP "acceptor" that records the size of every `read` the server makes on the connection. */
function recordingReads(sizes: number[]): { accept(stream: TcpStream): Promise<HttpStream> } {
  return {
    accept(stream: TcpStream): Promise<HttpStream> {
      return Promise.resolve({
        read: (buf: Uint8Array, options?: { signal?: AbortSignal }) => {
          sizes.push(buf.length);
          return stream.read(buf, options);
        },
        writeAll: (buf: Uint8Array, options?: { signal?: AbortSignal }) => stream.writeAll(buf, options),
        close: () => stream.close(),
      });
    },
  };
}

/**
 * Reads each body the way `how` says and answers `<length sha1>`: a BYOB reader with views of
 * `view` bytes, `for await`, or `arrayBuffer()`.
 */
async function answerDigest(request: Request, how: 'byob' | 'iterate' | 'buffer', view: number): Promise<Response> {
  let all: Buffer;
  if (request.body === null) {
    all = Buffer.alloc(0);
  } else if (how === 'buffer') {
    all = Buffer.from(await request.arrayBuffer());
  } else if (how === 'iterate') {
    const parts: Buffer[] = [];
    for await (const chunk of request.body) parts.push(Buffer.from(chunk));
    all = Buffer.concat(parts);
  } else {
    const reader = request.body.getReader({ mode: 'byob' });
    const parts: Buffer[] = [];
    let memory = new Uint8Array(view);
    for (;;) {
      const { done, value } = await reader.read(memory);
      if (done) break;
      parts.push(Buffer.from(value));
      memory = new Uint8Array(value.buffer, value.byteOffset, view);
    }
    all = Buffer.concat(parts);
  }
  return new Response(`<${all.length} ${sha(all)}>`);
}

describe('the head read after a large body', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.shutdown({ timeout: 1000 });
    server = undefined;
  });

  it('asks for twice the last head (at least 1 KiB) after a body larger than 16 KiB, and for the whole buffer after a small one', async () => {
    const sizes: number[] = [];
    server = await serve({ tls: recordingReads(sizes) }, (request) => answerDigest(request, 'byob', 64 * 1024));
    const socket = await open(server.addr.port);
    try {
      const exchange = async (head: string, body: Buffer): Promise<number> => {
        // The server's read for this head is the last one it made before the bytes came.
        await pause(30);
        const before = sizes.length;
        const headRead = sizes[before - 1]!;
        const got = readUntil(socket, (text) => /<\d+ [0-9a-f]+>$/.test(text));
        socket.write(Buffer.concat([Buffer.from(head), body]));
        const text = await got;
        expect(statuses(text)).toEqual([200]);
        expect(text.endsWith(`<${body.length} ${sha(body)}>`)).toBe(true);
        return headRead;
      };
      const large = pattern(100_000);
      const shortHead = `POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: ${large.length}\r\n\r\n`;
      const longHead = `POST /b HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(1500)}\r\nContent-Length: ${large.length}\r\n\r\n`;
      const get = 'GET /c HTTP/1.1\r\nHost: a\r\n\r\n';
      expect(await exchange(shortHead, large)).toBeGreaterThanOrEqual(16 * 1024); // the first head: the whole buffer
      expect(await exchange(longHead, large)).toBe(1024); // after a short head with a large body: 1 KiB
      expect(await exchange(get, Buffer.alloc(0))).toBe(2 * Buffer.byteLength(longHead)); // after a long one: twice it
      expect(await exchange(`POST /d HTTP/1.1\r\nHost: a\r\nContent-Length: 16384\r\n\r\n`, pattern(16_384))).toBeGreaterThanOrEqual(16 * 1024);
      expect(await exchange(shortHead, large)).toBeGreaterThanOrEqual(16 * 1024); // 16 KiB is not larger than the head read
      expect(await exchange(get, Buffer.alloc(0))).toBe(1024);
    } finally {
      socket.destroy();
    }
  });

  it('a head longer than that read (split across reads) is read whole, with its body', async () => {
    server = await serve({}, (request) => answerDigest(request, 'byob', 64 * 1024));
    const socket = await open(server.addr.port);
    try {
      const first = pattern(200_000);
      const second = pattern(50_000).subarray(7);
      let text = '';
      socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
      socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${first.length}\r\n\r\n`), first]));
      for (const deadline = runnableNow() + 5000; !text.includes('>') && runnableNow() < deadline;) await pause(2);
      // 6 KiB of head: the next head read (1 KiB) ends inside it.
      socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nX-Pad: ${'q'.repeat(6000)}\r\nContent-Length: ${second.length}\r\nConnection: close\r\n\r\n`), second]));
      for (const deadline = runnableNow() + 5000; !socket.destroyed && socket.readable && runnableNow() < deadline;) await pause(2);
      expect(statuses(text)).toEqual([200, 200]);
      expect(text.match(/<\d+ [0-9a-f]+>/g)).toEqual([`<${first.length} ${sha(first)}>`, `<${second.length} ${sha(second)}>`]);
    } finally {
      socket.destroy();
    }
  });

  it('fuzz: large and small uploads with pipelined requests behind them, heads of any length, sent in any pieces, read by any reader: every answer in order and byte for byte', async () => {
    let how: 'byob' | 'iterate' | 'buffer' = 'byob';
    let view = 64 * 1024;
    server = await serve({}, (request) => answerDigest(request, how, view));
    const port = server.addr.port;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ length: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 16 * 1024, max: 150_000 })), pad: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })), get: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('byob' as const, 'iterate' as const, 'buffer' as const),
        fc.constantFrom(64 * 1024, 10_000, 100_000),
        fc.integer({ min: 500, max: 70_000 }),
        async (requests, reader, viewSize, piece) => {
          how = reader;
          view = viewSize;
          const expected: string[] = [];
          const wire: Buffer[] = [];
          requests.forEach(({ length, pad, get }, i) => {
            const body = pattern(length + i).subarray(i);
            const extra = pad > 0 ? `X-Pad: ${'x'.repeat(pad)}\r\n` : '';
            if (get) {
              wire.push(Buffer.from(`GET /${i} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`));
              expected.push(`<0 ${sha(Buffer.alloc(0))}>`);
            } else {
              wire.push(Buffer.from(`POST /${i} HTTP/1.1\r\nHost: a\r\n${extra}Content-Length: ${body.length}\r\n\r\n`), body);
              expected.push(`<${body.length} ${sha(body)}>`);
            }
          });
          const { text, answers } = await sendForAnswers(port, Buffer.concat(wire), piece, expected.length, 10_000);
          expect(statuses(text)).toEqual(expected.map(() => 200));
          expect(answers).toEqual(expected);
        },
      ),
      { numRuns: 30, endOnFailure: true },
    );
  }, 120_000);

  it('a handler that cancels its BYOB reader after the first read of a body sent behind a large one: the rest is drained and the pipelined request answered', async () => {
    server = await serve({}, async (request) => {
      if (request.body === null) return new Response('get');
      const reader = request.body.getReader({ mode: 'byob' });
      const first = await reader.read(new Uint8Array(8 * 1024));
      await reader.cancel();
      return new Response(`first ${first.value!.length}`);
    });
    const socket = await open(server.addr.port);
    try {
      const body = pattern(40_000);
      const all = readUntil(socket, () => false);
      // 20 KB: larger than the head read (the next one is cut), 12 KB left unread and drained.
      socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n`), body.subarray(0, 20_000)]));
      await pause(30);
      // Behind it, once the cut head read waits: 40 KB (its first read takes the head read's
      // body bytes and the socket's), 32 KB unread and drained, then a GET.
      socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')]));
      const text = await all;
      expect(statuses(text)).toEqual([200, 200, 200]);
      expect(text.match(/first \d+|get$/g)).toEqual(['first 8192', 'first 8192', 'get']);
    } finally {
      socket.destroy();
    }
  });

  it('a client that resets inside a large body sent behind a large one: the handler read rejects, ctx.signal aborts, and the connection is freed', async () => {
    const outcomes: { bytes: number; error: string; aborted: boolean }[] = [];
    const received: Buffer[] = [];
    server = await serve({}, async (request, ctx) => {
      const reader = request.body!.getReader({ mode: 'byob' });
      const parts: Buffer[] = [];
      let bytes = 0;
      try {
        for (let r = await reader.read(new Uint8Array(64 * 1024)); !r.done; r = await reader.read(new Uint8Array(r.value.buffer))) {
          bytes += r.value.length;
          parts.push(Buffer.from(r.value));
        }
        outcomes.push({ bytes, error: '', aborted: ctx.signal.aborted });
      } catch (error) {
        outcomes.push({ bytes, error: (error as { code?: string }).code ?? String(error), aborted: ctx.signal.aborted });
      }
      received.push(Buffer.concat(parts));
      return new Response(String(bytes));
    });
    const socket = await open(server.addr.port);
    const large = pattern(100_000);
    let text = '';
    socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${large.length}\r\n\r\n`), large]));
    for (const deadline = runnableNow() + 5000; !text.endsWith('100000') && runnableNow() < deadline;) await pause(2);
    // The next head and 30 KB of its body, then a reset: the body read fails at once or after its bytes.
    socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${large.length}\r\n\r\n`), large.subarray(0, 30_000)]));
    await pause(30);
    socket.resetAndDestroy();
    for (const deadline = runnableNow() + 5000; outcomes.length < 2 && runnableNow() < deadline;) await pause(5);
    expect(outcomes[0]).toEqual({ bytes: 100_000, error: '', aborted: false });
    expect(outcomes[1]!.bytes).toBeLessThanOrEqual(30_000);
    // What it got before the reset is the body's start, byte for byte (nothing lost, doubled or reordered).
    expect(received[1]!.equals(large.subarray(0, outcomes[1]!.bytes))).toBe(true);
    expect(['ECONNRESET', 'ERR_RT_HTTP_INCOMPLETE']).toContain(outcomes[1]!.error);
    expect(outcomes[1]!.aborted).toBe(true);
    for (const deadline = runnableNow() + 5000; server.connections > 0 && runnableNow() < deadline;) await pause(5);
    expect(server.connections).toBe(0);
  });
});
