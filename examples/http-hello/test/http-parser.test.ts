import fc from 'fast-check';
import { HttpError, HttpParser } from '../src/http-parser.js';

describe('HttpParser', () => {
  it('parses the same pipelined requests whatever the split into reads', () => {
    const bytes = Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcHEAD /c HTTP/1.0\r\n\r\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new HttpParser();
      const seen: string[] = [];
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        parser.push(part);
        while (parser.next()) {
          const r = parser.request;
          seen.push(`${r.method} ${parser.target()} 1.${r.minorVersion} ${r.keepAlive} ${parser.body().toString()}`);
        }
      }
      expect(seen).toEqual(['GET /a 1.1 true ', 'POST /echo 1.1 true abc', 'HEAD /c 1.0 false ']);
      expect(parser.buffered).toBe(0);
    }
  });

  it('reads Connection options as a case-insensitive list', () => {
    const parser = new HttpParser();
    parser.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n'));
    expect(parser.next()).toBe(true);
    expect(parser.request.keepAlive).toBe(false);
    expect(parser.request.headerCount).toBe(2);
  });

  it('never crashes and never buffers more than a head and a body on random input (fast-check)', () => {
    const limits = { maxHeadLength: 256, maxBodyLength: 64 };
    const token = fc.oneof(
      fc.constantFrom('GET', 'POST', ' ', '/', 'HTTP/1.1', 'HTTP/1.0', '\r\n', '\n', '\r', 'Host: x', 'Content-Length: ', '5', '64', '99999', ':', 'Connection: close', 'Transfer-Encoding: chunked'),
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), (tokens, chunk) => {
        const bytes = Buffer.from(tokens.join(''), 'latin1');
        const parser = new HttpParser(limits);
        for (let offset = 0; offset < bytes.length; offset += chunk) {
          parser.push(bytes.subarray(offset, offset + chunk));
          try {
            while (parser.next()) expect(parser.request.bodyLength).toBeLessThanOrEqual(limits.maxBodyLength);
          } catch (error) {
            if (!(error instanceof HttpError)) throw error;
            expect([400, 413, 431, 505]).toContain(error.status);
            return;
          }
          expect(parser.buffered).toBeLessThanOrEqual(limits.maxHeadLength + limits.maxBodyLength + chunk);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('validates its limits', () => {
    expect(() => new HttpParser({ maxHeadLength: 0 })).toThrow(/maxHeadLength must be a positive integer, got 0/);
  });
});
