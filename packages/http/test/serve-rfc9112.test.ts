// RFC 9112 behaviours of the server on the wire, driven byte by byte over raw sockets: HTTP/1.0
// (close-delimited streams, keep-alive on request), `Connection: close` ending a pipeline,
// trailers skipped (never headers) or refused, and the framing fields the server owns.
import { FastResponse, serve, type HttpServer } from '@rt/http';
import { exchange, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

/** A body stream that gives `first` at once and `second` a little later (so its length is not known up front). */
function slowStream(first: string, second: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
      setTimeout(() => {
        try {
          controller.enqueue(new TextEncoder().encode(second));
          controller.close();
        } catch {
          // cancelled (HEAD, or the connection closed)
        }
      }, 20);
    },
  });
}

/** Splits a run of responses into [head, body] pairs (bodies with no response line in them). */
function answers(text: string): [string, string][] {
  return text.split(/(?=HTTP\/1\.1 \d{3} )/).map((answer) => {
    const end = answer.indexOf('\r\n\r\n');
    return [answer.slice(0, end + 2).toLowerCase(), answer.slice(end + 4)];
  });
}

describe('serve: RFC 9112 on the wire', () => {
  it('answers HTTP/1.0 a streamed body delimited by close (no chunked coding), and keeps a 1.0 connection alive only when asked', async () => {
    server = await serve({}, (request) => {
      const path = new URL(request.url).pathname;
      return path === '/stream' ? new Response(slowStream('ab', 'cd')) : new Response(`at ${path}`);
    });
    const streamed = answers(await exchange(server.addr.port, 'GET /stream HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n'));
    expect(streamed).toHaveLength(1);
    const [head, body] = streamed[0]!;
    expect(head).toMatch(/^http\/1\.1 200 ok\r\n/);
    expect(head).not.toContain('transfer-encoding');
    expect(head).not.toContain('content-length');
    expect(head).toContain('connection: close\r\n');
    expect(body).toBe('abcd');

    // Connection: keep-alive on 1.0: answered so, and the next request is read.
    const kept = answers(await exchange(server.addr.port, 'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n'));
    expect(kept.map(([, b]) => b)).toEqual(['at /a', 'at /b']);
    expect(kept[0]![0]).toContain('connection: keep-alive\r\n');
    expect(kept[0]![0]).toContain('content-length: 5\r\n');
    expect(kept[1]![0]).toContain('connection: close\r\n');
  });

  it('answers a request with Connection: close, says so, closes, and never reads what was pipelined behind it', async () => {
    const seen: string[] = [];
    server = await serve({}, (request) => {
      seen.push(new URL(request.url).pathname);
      return new Response('ok');
    });
    const text = await exchange(server.addr.port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statuses(text)).toEqual([200, 200]);
    const [first, second] = answers(text);
    expect(first![0]).not.toContain('connection:');
    expect(second![0]).toContain('connection: close\r\n');
    expect(seen).toEqual(['/a', '/b']);
  });

  it('skips trailer fields of a chunked request (no header comes from them) and serves the request pipelined after it', async () => {
    const seen: [string, string, [string, string][]][] = [];
    server = await serve({}, async (request) => {
      const body = await request.text();
      seen.push([new URL(request.url).pathname, body, [...request.headers]]);
      return new Response(`${body.length}`);
    });
    const text = await exchange(
      server.addr.port,
      'POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 1\r\nContent-Length: 99\r\nHost: evil\r\n\r\n' +
        'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answers(text).map(([, body]) => body)).toEqual(['5', '0']);
    expect(seen).toEqual([
      ['/t', 'abcde', [['host', 'x'], ['trailer', 'X-Sum'], ['transfer-encoding', 'chunked']]],
      ['/after', '', [['connection', 'close'], ['host', 'x']]],
    ]);
  });

  it.each([
    ['a bare CR in a trailer field', 'X-Sum: a\rb\r\n', 400],
    ['a NUL in a trailer field', 'X-Sum: a\0b\r\n', 400],
    ['an obs-fold trailer line', 'X-Sum: a\r\n b\r\n', 400],
    ['a trailer section over 16 KiB', `X-Sum: ${'a'.repeat(20_000)}\r\n`, 431],
  ])('answers %s with its status and closes, the handler\'s read failing with it; the pipelined request is never read', async (_name, trailer, status) => {
    const failures: unknown[] = [];
    const seen: string[] = [];
    server = await serve({}, async (request) => {
      seen.push(new URL(request.url).pathname);
      try {
        await request.text();
      } catch (error) {
        failures.push(error);
        throw error;
      }
      return new Response('read');
    });
    const text = await exchange(
      server.addr.port,
      `POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n${trailer}\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(statuses(text)).toEqual([status]);
    expect(text).toContain('connection: close');
    expect(seen).toEqual(['/t']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: 'HttpError', status });
  });

  it('writes the framing fields itself: a handler\'s Content-Length or Transfer-Encoding for a known body is replaced by the real length', async () => {
    server = await serve({}, (request) => {
      switch (new URL(request.url).pathname) {
        case '/cl':
          return new Response('hello', { headers: { 'content-length': '999', 'x-a': '1' } });
        case '/cl3':
          return new Response('hello', { headers: { 'content-length': '3' } });
        case '/te':
          return new Response('hello', { headers: { 'transfer-encoding': 'chunked' } });
        default:
          return new FastResponse('hello', { headers: { 'content-length': '2', connection: 'keep-alive, x', 'keep-alive': 'timeout=1' } });
      }
    });
    // (On Node 24, whose Response body the server reads from its stream, a named length was
    // written as given: 999 with 5 bytes and a close, or for 3 nothing at all.)
    const paths = ['/cl', '/cl3', '/te', '/fast'];
    const text = await exchange(server.addr.port, paths.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''));
    const replies = answers(text);
    expect(replies.map(([, body]) => body)).toEqual(['hello', 'hello', 'hello', 'hello']);
    for (const [head] of replies) {
      expect(head.match(/content-length: \d+\r\n/g)).toEqual(['content-length: 5\r\n']);
      expect(head).not.toContain('transfer-encoding');
      expect(head).not.toContain('keep-alive');
      expect(head.match(/date: [^\r]+ gmt\r\n/g)).toHaveLength(1);
    }
    expect(replies[0]![0]).toContain('x-a: 1\r\n');
  });

  it('sends a stream with the Content-Length its handler declared, and closes instead of sending more or fewer bytes than that', async () => {
    const errors: unknown[] = [];
    server = await serve({ onError: (error) => errors.push(error) }, (request) => {
      const declared = new URL(request.url).pathname.slice(1);
      return new Response(slowStream('ab', 'cd'), { headers: { 'content-length': declared } });
    });
    // Exact: framed by the declared length, kept alive (the next request is answered).
    const exact = answers(await exchange(server.addr.port, 'GET /4 HTTP/1.1\r\nHost: x\r\n\r\nGET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(exact.map(([head, body]) => [head.match(/content-length: \d+/)?.[0], head.includes('transfer-encoding'), body])).toEqual([
      ['content-length: 4', false, 'abcd'],
      ['content-length: 4', false, 'abcd'],
    ]);
    // Longer or shorter than declared: never more than declared, and the connection closes
    // (a client cannot take the next answer for the rest of this body).
    for (const declared of [3, 6]) {
      const text = await exchange(server.addr.port, `GET /${declared} HTTP/1.1\r\nHost: x\r\n\r\nGET /4 HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statuses(text)).toEqual([200]);
      const [[head, body]] = answers(text) as [[string, string]];
      expect(head).toContain(`content-length: ${declared}\r\n`);
      expect(body.length).toBeLessThanOrEqual(declared);
      expect('abcd'.startsWith(body)).toBe(true);
    }
    expect(errors.map((error) => (error as Error).message)).toEqual(['the response body is longer than its Content-Length (3)']);
  });
});
