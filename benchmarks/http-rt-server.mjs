// The server side of http.bench.mjs on @rt/http (packages/http/dist): the same routes and
// bytes as baselines/http-node-server.mjs.
//   GET /        200 "Hello, World!" (text/plain)
//   GET /json    200 a 4 KiB JSON document (application/json), built once
//   POST /upload         reads the body with a BYOB reader into a reused 64 KiB buffer (one
//                        from a free list per request in flight), answers its length
//   POST /upload-stream  iterates the body stream (default reader: a new chunk per read) and
//                        drops the chunks, answers the length
//   POST /upload-buffer  reads the whole body with arrayBuffer(), answers its length
//
// With `--fast`, the handler answers with `FastResponse` (no Web Response built) instead; with
// `--global`, it answers with `new Response` after `overrideGlobalResponse()` (which makes that
// a FastResponse, as @hono/node-server does by default).
//
// Usage: node benchmarks/http-rt-server.mjs [port] [--fast | --global]   (prints "listening on <port>")
import { FastResponse, overrideGlobalResponse, serve } from '../packages/http/dist/index.js';
import { main } from '../packages/macros/dist/index.js';
import { countByob, json } from './baselines/http-routes.mjs';

const port = Number(process.argv[2] ?? 0);
if (process.argv.includes('--global')) overrideGlobalResponse();
const Reply = process.argv.includes('--fast') ? FastResponse : globalThis.Response;
const text = { 'content-type': 'text/plain' };
const typed = { 'content-type': 'application/json' };
/** Free 64 KiB buffers for BYOB body reads (countByob): one per upload in flight, reused. */
const buffers = [];

await main(async () => {
  const server = await serve({ port }, async (request) => {
    const url = request.url;
    if (request.method === 'POST') {
      let length = 0;
      if (url.endsWith('/upload-buffer')) {
        length = (await request.arrayBuffer()).byteLength;
      } else if (url.endsWith('/upload-stream')) {
        for await (const chunk of request.body) length += chunk.length;
      } else {
        length = await countByob(request.body, buffers);
      }
      return new Reply(String(length), { headers: text });
    }
    if (url.endsWith('/json')) return new Reply(json, { headers: typed });
    return new Reply('Hello, World!', { headers: text });
  });
  console.log(`listening on ${server.addr.port}`);
  await new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, resolve);
  });
  await server.shutdown({ timeout: 1000 });
});
