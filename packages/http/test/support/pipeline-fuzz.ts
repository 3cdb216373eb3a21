// Generators for the pipeline-desync property (parser.test.ts, short; tools/reliability's
// parsers-hostile-input.test.ts, 250k cases in the long run): valid requests of both framings,
// and requests each of which hides a second one from a lenient parser.
import fc from 'fast-check';

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);

/** A valid request: its fields, body, and how a chunked body is cut (with extensions, and maybe a trailer). */
export const pipelinedRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  target: fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
  headers: fc.array(fc.tuple(token.filter((t) => !/^(host|content-length|transfer-encoding|expect|connection)$/i.test(t)), value), { maxLength: 5 }),
  body: fc.string({ maxLength: 60 }).map((text) => text.replace(/[^\x20-\x7e]/g, 'x')),
  chunks: fc.array(fc.nat(40), { maxLength: 4 }),
  chunked: fc.boolean(),
  trailer: fc.option(fc.tuple(token, value)),
});

export type PipelinedRequest = typeof pipelinedRequest extends fc.Arbitrary<infer T> ? T : never;

/** The request's bytes (latin1 text), `Host: h`, framed by Content-Length or chunked. */
export function encodeRequest(r: PipelinedRequest): string {
  let text = `${r.method} ${r.target} HTTP/1.1\r\nHost: h\r\n${r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}`;
  if (!r.chunked) return `${text}Content-Length: ${r.body.length}\r\n\r\n${r.body}`;
  text += 'Transfer-Encoding: chunked\r\n\r\n';
  let rest = r.body;
  for (const size of r.chunks) {
    const piece = rest.slice(0, size);
    if (piece === '') break;
    text += `${piece.length.toString(16)};ext=1\r\n${piece}\r\n`;
    rest = rest.slice(piece.length);
  }
  if (rest !== '') text += `${rest.length.toString(16)}\r\n${rest}\r\n`;
  return `${text}0\r\n${r.trailer === null ? '' : `${r.trailer[0]}: ${r.trailer[1]}\r\n`}\r\n`;
}

/** A request the parser must refuse with 400; each hides a request that a lenient parser would answer as a second one. */
export const poisonRequest = fc.constantFrom(
  'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\rGET /smuggled HTTP/1.1\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'GET /p HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n',
  'GET /p HTTP/1.1\r\nHost: h\r\nX: a\rGET /smuggled HTTP/1.1\r\n\r\n',
  'GET /p HTTP/1.1\nHost: h\r\n\r\n',
);
