// IncomingRequest.url remembers the last URL it made (one entry, shared by every server of the
// process) and reuses it for a request with the same scheme, Host (or local address when there
// is none), CONNECT-ness and target. Fuzz: any sequence of requests, from servers with different
// schemes and local addresses, gives each request the URL its own head makes.
import fc from 'fast-check';
import type { SocketAddr } from '@rt/net';
import { InputBuffer, parseRequestHead, type Head, type ParserLimits } from '../src/internal/parser.js';
import { IncomingRequest, type RequestSource } from '../src/request.js';

const limits: ParserLimits = { maxRequestLine: 1024, maxHeaderSize: 4096, maxHeaders: 50, maxBodySize: 0 };

function headOf(text: string): Head {
  const input = new InputBuffer();
  input.push(Buffer.from(text, 'latin1'));
  const head = parseRequestHead(input, limits);
  if (head === undefined) throw new Error(`incomplete head: ${JSON.stringify(text)}`);
  return head;
}

function urlOf(head: Head, scheme: 'http' | 'https', localHost: string): string {
  const source: RequestSource = {
    head,
    body: undefined,
    scheme,
    localHost,
    signal: new AbortController().signal,
    bodyDone: () => undefined,
  };
  return new IncomingRequest(source, undefined as unknown as SocketAddr).url;
}

/** The URL as the Fetch spec and the docs define it, computed from scratch. */
function expected(method: string, target: string, host: string | undefined, scheme: string, localHost: string): string {
  const authority = host === undefined || host === '' ? localHost : host;
  if (target.startsWith('/')) return `${scheme}://${authority}${target}`;
  if (method === 'CONNECT' || target === '*') return `${scheme}://${authority}/`;
  return target;
}

describe('IncomingRequest.url (the last-URL memo)', () => {
  it('fuzz: every request of any sequence gets the URL its own scheme, Host, local address, method and target make', () => {
    const request = fc.oneof(
      fc.record({ method: fc.constantFrom('GET', 'POST'), target: fc.constantFrom('/', '/a', '/ab', '/a?b', 'http://x/y', 'https://x/y') }),
      fc.record({ method: fc.constant('OPTIONS'), target: fc.constantFrom('*', '/a') }),
      fc.record({ method: fc.constant('CONNECT'), target: fc.constantFrom('h:1', 'hh:1', '/a') }),
    );
    const step = fc.record({
      request,
      host: fc.option(fc.constantFrom('', 'a', 'ab', 'b', 'a:1', 'A'), { nil: undefined }),
      scheme: fc.constantFrom('http' as const, 'https' as const),
      localHost: fc.constantFrom('127.0.0.1:80', '127.0.0.1:8', '[::1]:80'),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        for (const { request: { method, target }, host, scheme, localHost } of steps) {
          // HTTP/1.1 needs a Host field: a request without one is HTTP/1.0.
          const head = headOf(host === undefined ? `${method} ${target} HTTP/1.0\r\n\r\n` : `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
          expect(urlOf(head, scheme, localHost)).toBe(expected(method, target, host, scheme, localHost));
        }
      }),
      { numRuns: 300 },
    );
  });
});
