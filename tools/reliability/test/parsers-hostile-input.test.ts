// Hostile byte streams into the parsers that face the network: mini-redis's RESP parser,
// @rt/http's request parser and @rt/io's BufReader.lines(). Streams are random bytes mixed
// with protocol fragments (headers, declared lengths from 0 to 2^53, CRLFs), cut into
// random chunks. Each parser must never throw anything but its protocol error, never buffer
// beyond its caps, and parse exactly the same thing whatever the chunking.
import fc from 'fast-check';
import { BufReader, duplex } from '@rt/io';
import { HttpError } from '@rt/http';
import { ChunkedDecoder, Framing, InputBuffer, parseRequestHead, type Head } from '../../../packages/http/src/internal/parser.js';
import { RespParser } from '../../../examples/mini-redis/src/resp-parser.js';
import { encodeRequest, pipelinedRequest, poisonRequest } from '../../../packages/http/test/support/pipeline-fuzz.js';
import { scaled } from '../src/config.js';

const RUNS = scaled(1_000, 100_000);
/** @rt/http's parser gets 250k cases in the long run (issue 18). */
const HTTP_RUNS = scaled(1_000, 250_000);

/** Splits `bytes` at the given cut points. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

const hugeNumber = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(1024, 1025, 65536, 2 ** 31, 2 ** 32, 2 ** 53, 512 * 2 ** 20), fc.integer());

const respFragment = fc.oneof(
  hugeNumber.map((n) => `*${n}\r\n`),
  hugeNumber.map((n) => `$${n}\r\n`),
  fc.string({ maxLength: 12 }).map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
  fc.constantFrom('PING\r\n', 'SET k v\r\n', '\r\n', '\n', '\r', '*', '$', '-', ':', '"', "'", ' ', '*1\r\n$4\r\nPING\r\n'),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('latin1')),
);

const httpFragment = fc.oneof(
  fc.constantFrom('GET / HTTP/1.1\r\n', 'POST /x HTTP/1.0\r\n', 'GET / HTTP/2.0\r\n', 'Host: a\r\n', 'Connection: close\r\n', 'Connection: keep-alive\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n', '\n', ' ', ':', 'G'),
  hugeNumber.map((n) => `Content-Length: ${n}\r\n`),
  fc.constantFrom('Content-Length: 1\r\nContent-Length: 2\r\n', 'Content-Length: +5\r\n', 'Content-Length: 0x10\r\n', 'X: ' + 'a'.repeat(300) + '\r\n'),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('latin1')),
);

function stream(fragment: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.array(fragment, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));
}

type Outcome = { items: string[]; error?: string; mostBuffered: number; capacity: number; pending: number };

const respLimits = { maxBulkLength: 1024, maxArrayLength: 64, maxInlineLength: 256, maxBufferedBytes: 128 * 1024 };

function parseResp(chunks: Uint8Array[]): Outcome {
  const parser = new RespParser(respLimits);
  const out: Outcome = { items: [], mostBuffered: 0, capacity: 0, pending: 0 };
  try {
    for (const c of chunks) {
      parser.push(c);
      for (;;) {
        const argc = parser.next();
        if (argc < 0) break;
        if (argc > respLimits.maxArrayLength) throw new Error(`argc ${argc} above the cap`);
        const args: string[] = [];
        for (let i = 0; i < argc; i++) {
          if (parser.length(i) > respLimits.maxBulkLength) throw new Error(`argument of ${parser.length(i)} bytes above the cap`);
          args.push(parser.string(i));
        }
        out.items.push(JSON.stringify(args));
      }
      out.mostBuffered = Math.max(out.mostBuffered, parser.buffered);
      out.capacity = Math.max(out.capacity, parser.capacity);
      out.pending = parser.buffered;
    }
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string };
    if (e.code !== 'ERR_RT_REDIS_PROTOCOL') throw error;
    out.error = e.code;
  }
  return out;
}

const httpLimits = { maxRequestLine: 1024, maxHeaderSize: 1024, maxHeaders: 100, maxBodySize: 4096 };

/** @rt/http's request parser driven by hand (synchronously): heads, then bodies of either framing. */
function parseHttp(chunks: Uint8Array[]): Outcome {
  const input = new InputBuffer();
  const out: Outcome = { items: [], mostBuffered: 0, capacity: 0, pending: 0 };
  let head: Head | undefined;
  let remaining = 0;
  let decoder: ChunkedDecoder | undefined;
  let body = '';
  try {
    for (const c of chunks) {
      input.push(c);
      for (;;) {
        if (head === undefined) {
          head = parseRequestHead(input, httpLimits);
          if (head === undefined) break;
          remaining = head.framing === Framing.Length ? head.contentLength : 0;
          decoder = head.framing === Framing.Chunked ? new ChunkedDecoder(httpLimits.maxBodySize) : undefined;
          body = '';
        }
        if (decoder !== undefined) {
          const n = decoder.next(input);
          if (n > 0) body += input.buffer.toString('latin1', decoder.dataStart, decoder.dataStart + n);
          if (!decoder.done) {
            if (n > 0 || input.buffered > 0) continue;
            break;
          }
        } else if (remaining > 0) {
          const n = Math.min(remaining, input.buffered);
          body += input.buffer.toString('latin1', input.start, input.start + n);
          input.start += n;
          remaining -= n;
          if (remaining > 0) break;
        }
        if (body.length > httpLimits.maxBodySize) throw new Error(`body of ${body.length} bytes above the cap`);
        out.items.push(JSON.stringify([head.method, head.target, head.minorVersion, head.keepAlive, head.entries().length, body]));
        head = undefined;
        decoder = undefined;
      }
      out.mostBuffered = Math.max(out.mostBuffered, input.buffered);
      out.capacity = Math.max(out.capacity, input.buffer.length);
      out.pending = input.buffered + (head === undefined ? 0 : 1);
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    out.error = `${error.code} ${String(error.status)}`;
  }
  return out;
}

/**
 * The same commands whatever the chunking. A malformed command may be reported later when
 * its bytes arrive one at a time (the parser waits for the bytes it knows it needs before
 * looking again), so an error may be missing only where that run still holds bytes.
 */
function sameParse(a: Outcome, b: Outcome): void {
  expect(a.items).toEqual(b.items);
  if (a.error !== b.error) {
    const [quiet] = a.error === undefined ? [a] : [b];
    expect(quiet.error).toBeUndefined();
    expect(quiet.pending).toBeGreaterThan(0);
  }
}

describe('RespParser under hostile byte streams', () => {
  it('throws only ProtocolError, respects its caps and parses the same commands however the bytes are cut', () => {
    fc.assert(
      fc.property(stream(respFragment), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = parseResp([bytes]);
        const pieces = parseResp(chunk(bytes, cuts));
        const single = parseResp(chunk(bytes, Array.from({ length: bytes.length }, (_, i) => i)));
        for (const other of [pieces, single]) sameParse(other, whole);
        for (const o of [whole, pieces, single]) {
          expect(o.mostBuffered).toBeLessThanOrEqual(respLimits.maxBufferedBytes + bytes.length);
          expect(o.capacity).toBeLessThanOrEqual(Math.max(16 * 1024, 2 * (bytes.length + 4096)));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a declared length above the cap before buffering the body (as redis does with 512 MB)', () => {
    const parser = new RespParser({ maxBulkLength: 1024 });
    parser.push(Buffer.from('*2\r\n$3\r\nGET\r\n$1025\r\n'));
    expect(() => parser.next()).toThrow(expect.objectContaining({ code: 'ERR_RT_REDIS_PROTOCOL' }));
    const defaults = new RespParser();
    defaults.push(Buffer.from(`*1\r\n$${512 * 2 ** 20 + 1}\r\n`));
    expect(() => defaults.next()).toThrow(expect.objectContaining({ code: 'ERR_RT_REDIS_PROTOCOL' }));
    expect(defaults.capacity).toBeLessThanOrEqual(16 * 1024);
  });
});

describe('@rt/http request parser under hostile byte streams', () => {
  it('throws only HttpError, respects its caps and parses the same requests however the bytes are cut', () => {
    fc.assert(
      fc.property(stream(httpFragment), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = parseHttp([bytes]);
        const pieces = parseHttp(chunk(bytes, cuts));
        sameParse(pieces, whole);
        for (const o of [whole, pieces]) {
          expect(o.mostBuffered).toBeLessThanOrEqual(httpLimits.maxHeaderSize + httpLimits.maxBodySize + bytes.length);
          expect(o.capacity).toBeLessThanOrEqual(Math.max(16 * 1024, 2 * (bytes.length + 4096)));
        }
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  it('never desynchronises a pipeline: valid requests parse exactly, a refused one stops everything after it, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(pipelinedRequest, { minLength: 1, maxLength: 5 }), fc.option(poisonRequest), fc.nat(5), fc.array(fc.nat(), { maxLength: 8 }), (requests, bad, at, cuts) => {
        const position = Math.min(at, requests.length);
        const parts = requests.map(encodeRequest);
        if (bad !== null) parts.splice(position, 0, bad);
        parts.push('GET /last HTTP/1.1\r\nHost: h\r\n\r\n');
        const bytes = Buffer.from(parts.join(''), 'latin1');
        const expected = [...requests.map((r) => [r.method, r.target, r.body]), ['GET', '/last', '']];
        for (const outcome of [parseHttp([bytes]), parseHttp(chunk(bytes, cuts))]) {
          const got = outcome.items.map((item) => {
            const [method, target, , , , body] = JSON.parse(item) as [string, string, number, boolean, number, string];
            return [method, target, body];
          });
          if (bad === null) {
            expect(outcome.error).toBeUndefined();
            expect(got).toEqual(expected);
          } else {
            expect(outcome.error).toMatch(/^ERR_RT_HTTP_\w+ 400$/);
            expect(got).toEqual(expected.slice(0, position));
          }
        }
      }),
      { numRuns: HTTP_RUNS },
    );
  });
});

/** What lines() must produce for `bytes`: each line, or the error it must raise instead. */
function expectedLines(bytes: Uint8Array, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const emit = (line: Uint8Array, found: boolean): void => {
    const body = found ? line.subarray(0, line.length - 1) : line;
    if (body.length > max) return void out.push('!LineTooLong');
    const text = found && body.length > 0 && body[body.length - 1] === 0x0d ? body.subarray(0, body.length - 1) : body;
    try {
      out.push(decoder.decode(text));
    } catch {
      out.push('!InvalidData');
    }
  };
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      emit(bytes.subarray(start, i + 1), true);
      start = i + 1;
    }
  }
  if (start < bytes.length) emit(bytes.subarray(start), false);
  return out;
}

describe('BufReader.lines() under hostile byte streams', () => {
  it('yields every line or its typed error, never buffers beyond maxLineLength, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(Uint8Array.of(0x0a), Uint8Array.of(0x0d, 0x0a), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xac))), { maxLength: 30 }).map((parts) => Buffer.concat(parts)),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 80 }),
        async (bytes, cuts, capacity, max) => {
          const [writer, reader] = duplex(64);
          const lines = new BufReader(reader, { capacity }).lines({ maxLineLength: max });
          const got: string[] = [];
          let most = 0;
          const reading = (async () => {
            for (;;) {
              try {
                const line = await lines.nextLine();
                if (line === null) return;
                got.push(line);
              } catch (error) {
                const code = (error as { code?: string }).code;
                if (code === 'ERR_RT_LINE_TOO_LONG') got.push('!LineTooLong');
                else if (code === 'ERR_RT_INVALID_DATA') got.push('!InvalidData');
                else throw error;
              }
              most = Math.max(most, lines.pendingLength);
            }
          })();
          for (const c of chunk(bytes, cuts)) {
            let offset = 0;
            while (offset < c.length) offset += await writer.write(c.subarray(offset));
            most = Math.max(most, lines.pendingLength);
          }
          await writer.shutdown();
          await reading;
          expect(got).toEqual(expectedLines(bytes, max));
          expect(most).toBeLessThanOrEqual(max + capacity + 1);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
