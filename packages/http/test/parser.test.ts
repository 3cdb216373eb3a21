import fc from 'fast-check';
import { HttpError } from '@rt/http';
import { BodyReader } from '../src/internal/body.js';
import { Head, InputBuffer, parseRequestHead, type ParserLimits } from '../src/internal/parser.js';
import { encodeRequest, pipelinedRequest, poisonRequest } from './support/pipeline-fuzz.js';

const limits: ParserLimits = { maxRequestLine: 1024, maxHeaderSize: 4096, maxHeaders: 50, maxBodySize: 1 << 20 };

interface Parsed {
  method: string;
  target: string;
  headers: [string, string][];
  body: string;
}

/** Feeds `pieces` one by one (as socket reads), parsing every request; stops at the first error. */
async function parseAll(pieces: Buffer[]): Promise<{ requests: Parsed[]; error?: HttpError }> {
  const input = new InputBuffer();
  let next = 0;
  const fill = (): Promise<number> => {
    if (next >= pieces.length) return Promise.resolve(0);
    const piece = pieces[next++]!;
    input.push(piece);
    return Promise.resolve(piece.length);
  };
  const requests: Parsed[] = [];
  try {
    for (;;) {
      const head = parseRequestHead(input, limits);
      if (head === undefined) {
        if ((await fill()) === 0) return { requests };
        continue;
      }
      const reader = new BodyReader(input, fill, head, limits.maxBodySize);
      let body = '';
      for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) body += chunk.toString('latin1');
      requests.push({ method: head.method, target: head.target, headers: head.entries(), body });
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { requests, error };
  }
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Cuts `buffer` into reads of 1 + sizes[i] bytes, the rest in one last read. */
function splitAt(buffer: Buffer, sizes: number[]): Buffer[] {
  const reads: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= buffer.length) break;
    reads.push(buffer.subarray(at, at + 1 + size));
    at += 1 + size;
  }
  if (at < buffer.length) reads.push(buffer.subarray(at));
  return reads;
}

describe('request parser', () => {
  it('parses pipelined requests with Content-Length and chunked bodies, whatever the split', async () => {
    const text = bytes(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' +
        'PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;name=val\r\nde\r\n1\r\nf\r\n0\r\nTrailer: t\r\n\r\n' +
        'GET /d HTTP/1.0\r\n\r\n',
    );
    for (let cut = 1; cut < text.length; cut++) {
      const { requests, error } = await parseAll([text.subarray(0, cut), text.subarray(cut)]);
      expect(error).toBeUndefined();
      expect(requests.map((r) => `${r.method} ${r.target} ${r.body}`)).toEqual(['GET /a ', 'POST /b abc', 'PUT /c def', 'GET /d ']);
    }
  });

  it.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['two Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 'ERR_RT_HTTP_SMUGGLING'],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', 'ERR_RT_HTTP_SMUGGLING'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', 'ERR_RT_HTTP_SMUGGLING'],
    ['a hex Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc', 'ERR_RT_HTTP_SMUGGLING'],
    ['Transfer-Encoding not ending in chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['Transfer-Encoding: xchunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['a non-hex chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['a negative chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['an overlong chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['a chunk extension with a control', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01b\r\nx\r\n0\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['a chunk extension without ;', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1 junk\r\nx\r\n0\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['a bare LF after a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n', 'ERR_RT_HTTP_SMUGGLING'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['a NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['a bare CR in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['a bare LF line ending', 'GET / HTTP/1.1\nHost: x\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['an invalid method', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['an invalid target', 'GET foo HTTP/1.1\r\nHost: x\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['a target with a control', 'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'ERR_RT_HTTP_PARSE'],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 'ERR_RT_HTTP_VERSION'],
    ['an unknown expectation', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n', 'ERR_RT_HTTP_EXPECTATION'],
  ])('refuses %s', async (_name, text, code) => {
    const { requests, error } = await parseAll([bytes(text)]);
    expect(requests).toEqual([]);
    expect(error?.code).toBe(code);
    expect(error?.status).toBeGreaterThanOrEqual(400);
  });

  it('answers 414, 431 and 413 for the limits, each a typed HttpError with its code', async () => {
    const refused = async (text: string): Promise<[number | undefined, string | undefined]> => {
      const { error } = await parseAll([bytes(text)]);
      return [error?.status, error?.code];
    };
    expect(await refused(`GET /${'a'.repeat(2000)} HTTP/1.1\r\n`)).toEqual([414, 'ERR_RT_HTTP_URI_TOO_LONG']);
    expect(await refused(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(5000)}`)).toEqual([431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE']);
    const many = Array.from({ length: 60 }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(await refused(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`)).toEqual([431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE']);
    expect(await refused(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${(1 << 20) + 1}\r\n\r\n`)).toEqual([413, 'ERR_RT_HTTP_BODY_TOO_LARGE']);
    const chunk = (1 << 19).toString(16);
    const big = `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}\r\n${'a'.repeat(1 << 19)}\r\n${chunk}\r\n${'a'.repeat(1 << 19)}\r\n1\r\na\r\n0\r\n\r\n`;
    expect(await refused(big)).toEqual([413, 'ERR_RT_HTTP_BODY_TOO_LARGE']);
  });

  it('skips trailer fields (they never become headers) and refuses malformed or oversized ones', async () => {
    const chunked = (trailer: string): string => `POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n${trailer}\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { requests, error } = await parseAll([bytes(chunked('X-Sum: 1\r\nContent-Length: 99\r\nHost: evil\r\n'))]);
    expect(error).toBeUndefined();
    expect(requests.map((r) => [r.target, r.body, r.headers])).toEqual([
      ['/t', 'abc', [['Host', 'x'], ['Transfer-Encoding', 'chunked']]],
      ['/next', '', [['Host', 'x']]],
    ]);
    for (const [trailer, status, code] of [
      ['X-Sum: a\rb\r\n', 400, 'ERR_RT_HTTP_SMUGGLING'],
      ['X-Sum: a\x00b\r\n', 400, 'ERR_RT_HTTP_SMUGGLING'],
      ['X-Sum: a\r\n b\r\n', 400, 'ERR_RT_HTTP_SMUGGLING'],
      [`X-Sum: ${'a'.repeat(20_000)}\r\n`, 431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE'],
    ] as const) {
      const refused = await parseAll([bytes(chunked(trailer))]);
      expect([refused.requests.length, refused.error?.status, refused.error?.code]).toEqual([0, status, code]);
    }
  });

  describe('a repeated head (the same bytes as the last one parsed)', () => {
    /** Every field a Head has, as a plain record (what a parse produced, whichever path). */
    const fields = (head: Head): Record<string, unknown> => ({
      ...Object.fromEntries(Object.entries(head)),
      target: head.target,
      host: head.host,
      entries: head.entries(),
    });
    /** Parses `text` with the given limits, all at once; the head or the HttpError code. */
    const parseOne = (text: string, with_: ParserLimits): Head | string => {
      const input = new InputBuffer();
      input.push(bytes(text));
      try {
        return parseRequestHead(input, with_) ?? 'incomplete';
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        return error.code;
      }
    };

    it('gets the same Head back, consumed exactly, pipelined or not', () => {
      const text = 'GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n';
      const input = new InputBuffer();
      input.push(bytes(text + text + text.slice(0, 20)));
      const first = parseRequestHead(input, limits)!;
      const second = parseRequestHead(input, limits)!;
      expect(second).toBe(first);
      expect(input.start).toBe(2 * text.length);
      // A partial repeat is incomplete, not matched early, and matches once whole.
      expect(parseRequestHead(input, limits)).toBeUndefined();
      input.push(bytes(text.slice(20)));
      expect(parseRequestHead(input, limits)).toBe(first);
      expect(input.buffered).toBe(0);
    });

    it.each([0, 1, 2, 3])('parses a head that differs anywhere, or continues past the last one, in full (length 4n + %i)', (extra) => {
      const text = `GET /json${'j'.repeat(extra)} HTTP/1.1\r\nHost: a\r\n\r\n`;
      const first = parseOne(text, limits) as Head;
      // Every byte, the final CR LF CR LF too (compared 4 bytes at a time, then the last 0–3).
      for (let at = 0; at < text.length; at++) {
        const changed = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
        const parsed = parseOne(changed, limits);
        expect(parsed).not.toBe(first);
        // A fresh parse (other limits object: no memo) gives the same answer.
        const fresh = parseOne(changed, { ...limits });
        expect(typeof parsed === 'string' ? parsed : fields(parsed)).toEqual(typeof fresh === 'string' ? fresh : fields(fresh));
        parseOne(text, limits); // remembered again
      }
      // The same bytes followed by more field lines: another head.
      const longer = parseOne(`GET /json${'j'.repeat(extra)} HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n`, limits) as Head;
      expect(longer).not.toBe(first);
      expect(longer.entries()).toEqual([['Host', 'a'], ['X', '1']]);
    });

    it('is checked against the limits again: a repeat under tighter limits is refused', () => {
      const many = Array.from({ length: 10 }, (_, i) => `X-${i}: v\r\n`).join('');
      const text = `GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`;
      expect(parseOne(text, limits)).toBeInstanceOf(Head);
      expect(parseOne(text, { ...limits, maxHeaders: 5 })).toBe('ERR_RT_HTTP_HEADERS_TOO_LARGE');
      expect(parseOne(text, { ...limits, maxHeaderSize: 40 })).toBe('ERR_RT_HTTP_HEADERS_TOO_LARGE');
      // The same limits object, changed in place after the head was remembered.
      const mutable: { -readonly [K in keyof ParserLimits]: ParserLimits[K] } = { ...limits };
      expect(parseOne(text, mutable)).toBeInstanceOf(Head);
      mutable.maxHeaders = 5;
      expect(parseOne(text, mutable)).toBe('ERR_RT_HTTP_HEADERS_TOO_LARGE');
      const big = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`;
      expect(parseOne(big, mutable)).toBeInstanceOf(Head);
      mutable.maxBodySize = 999;
      expect(parseOne(big, mutable)).toBe('ERR_RT_HTTP_BODY_TOO_LARGE');
    });

    it('gives what a fresh parse gives, for any sequence of heads and repeats (fast-check)', () => {
      const alphabet = fc.constantFrom(...'GET POST / HTTP/1.1\r\n:Host: x Content-Length: 5 Transfer-Encoding: chunked Connection: close\0\x7f'.split(''));
      const valid = fc.constantFrom(
        'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET / HTTP/1.0\r\n\r\n',
        'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      fc.assert(
        fc.property(fc.array(fc.oneof(valid, fc.array(alphabet, { maxLength: 80 }).map((c) => c.join(''))), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(7), { maxLength: 8 }), (texts, repeats) => {
          const sequence = [...texts, ...repeats.map((i) => texts[i % texts.length]!)];
          for (const text of sequence) {
            const parsed = parseOne(text, limits);
            const fresh = parseOne(text, { ...limits });
            expect(typeof parsed === 'string' ? parsed : fields(parsed)).toEqual(typeof fresh === 'string' ? fresh : fields(fresh));
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  it('never crashes on random bytes: it parses or throws HttpError (fast-check)', async () => {
    const alphabet = fc.constantFrom(...'GET POST / HTTP/1.1\r\n:Host: x Content-Length: 5 Transfer-Encoding: chunked 0 1 a ;\0\x7f\xff'.split(''));
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 300 }), fc.array(fc.nat(400), { maxLength: 5 }), async (chars, cuts) => {
        const buffer = bytes(chars.join(''));
        await parseAll(splitAt(buffer, cuts)); // throws (failing the property) only on a non-HttpError
      }),
      { numRuns: 1500 },
    );
  });

  it('never desynchronises a pipeline: valid requests parse exactly, a bad one stops everything after it (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pipelinedRequest, { minLength: 1, maxLength: 5 }), fc.option(poisonRequest), fc.nat(5), fc.array(fc.nat(2000), { maxLength: 6 }), async (requests, bad, at, cuts) => {
        const position = Math.min(at, requests.length);
        const parts = requests.map(encodeRequest);
        if (bad !== null) parts.splice(position, 0, bad);
        parts.push('GET /last HTTP/1.1\r\nHost: h\r\n\r\n');
        const { requests: parsed, error } = await parseAll(splitAt(bytes(parts.join('')), cuts));
        const expected = requests.map((r) => ({ method: r.method, target: r.target, body: r.body }));
        if (bad === null) {
          expect(error).toBeUndefined();
          expect(parsed.map((p) => ({ method: p.method, target: p.target, body: p.body }))).toEqual([...expected, { method: 'GET', target: '/last', body: '' }]);
        } else {
          expect(error).toBeInstanceOf(HttpError);
          expect(parsed.map((p) => ({ method: p.method, target: p.target, body: p.body }))).toEqual(expected.slice(0, position));
        }
      }),
      { numRuns: 400 },
    );
  });
});
