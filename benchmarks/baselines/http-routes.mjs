// The payloads http.bench.mjs's servers answer with, shared so both send the same bytes.

/** A 4 KiB JSON document (exactly 4096 bytes), as a string. */
export const json = (() => {
  const items = Array.from({ length: 40 }, (_, id) => ({ id, name: `item-${id}`, tags: ['a', 'b'], price: id * 1.5 }));
  const bare = JSON.stringify({ items, pad: '' });
  if (bare.length > 4096) throw new Error('http-routes: the JSON document outgrew 4 KiB');
  return JSON.stringify({ items, pad: 'x'.repeat(4096 - bare.length) });
})();

/**
 * What the rt servers' BYOB upload handler does with `request.body`: reads it with a BYOB reader
 * into a reused 64 KiB buffer (taken from `buffers`, a free list: one buffer per upload in
 * flight, given back at the end) and returns the byte count. RT_UPLOAD_BUFFER sets another size
 * (for experiments; the benchmarks' figures use 64 KiB).
 */
export async function countByob(body, buffers) {
  const reader = body.getReader({ mode: 'byob' });
  let view = new Uint8Array(buffers.pop() ?? new ArrayBuffer(Number(process.env['RT_UPLOAD_BUFFER'] ?? 64 * 1024)));
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read(view);
    if (done) {
      view = value ?? view;
      break;
    }
    length += value.length;
    view = new Uint8Array(value.buffer); // the same memory, handed back by the stream
  }
  buffers.push(view.buffer);
  return length;
}

/**
 * The node:http handler of the baselines (`writeHead` + `end`, the same bytes as the rt
 * servers; Node adds `Connection: keep-alive` and `Keep-Alive: timeout=…`):
 *   GET/HEAD /   200 "Hello, World!" (text/plain)
 *   GET /json    200 the 4 KiB JSON document (application/json)
 *   POST /upload-buffer  reads the whole body into one buffer, as `arrayBuffer()` does for rt's
 *                        handler: a Buffer sized by Content-Length (`Buffer.allocUnsafe`), each
 *                        'data' chunk copied in as it comes (a body without Content-Length:
 *                        `Buffer.concat` of the chunks), answers its length
 *   POST …               counts the 'data' chunks Node hands it and drops them, answers the
 *                        length (what rt's handler does with the body stream)
 * A POST is answered `Content-Type: text/plain`, `Content-Length`, the length as decimal text.
 */
export function nodeListener() {
  const hello = Buffer.from('Hello, World!');
  const jsonBytes = Buffer.from(json);
  return (request, response) => {
    if (request.method === 'POST') {
      let length = 0;
      const whole = request.url.endsWith('/upload-buffer');
      const declared = whole && request.headers['content-length'] !== undefined ? Number(request.headers['content-length']) : -1;
      const into = declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
      const chunks = whole && into === undefined ? [] : undefined;
      request.on('data', (chunk) => {
        if (into !== undefined) chunk.copy(into, length);
        else chunks?.push(chunk);
        length += chunk.length;
      });
      request.on('end', () => {
        if (chunks !== undefined) Buffer.concat(chunks, length);
        const body = String(length);
        response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
        response.end(body);
      });
    } else if (request.url === '/json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': jsonBytes.length });
      response.end(jsonBytes);
    } else {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': hello.length });
      response.end(request.method === 'HEAD' ? undefined : hello);
    }
  };
}
