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
// The GET routes answer synchronously (see the handler); `--async-handler` makes every route
// go through one async function. With `--fast`, the handler answers with `FastResponse` (no Web Response built) instead; with
// `--global`, it answers with `new Response` after `overrideGlobalResponse()` (which makes that
// a FastResponse, as @hono/node-server does by default).
//
// Usage: node benchmarks/http-rt-server.mjs [port] [--fast | --global] [--async-handler]   (prints "listening on <port>")
import { main } from '../packages/macros/dist/index.js';
import { countByob, json } from './baselines/http-routes.mjs';

// RT_HTTP_DIST: another build of @rt/http to serve with (an absolute path to its index.js, e.g. a
// copy of packages/http/dist made before a change, kept inside packages/http so its imports
// resolve): for before/after rounds in one run.
const { FastResponse, overrideGlobalResponse, serve } = await import(process.env['RT_HTTP_DIST'] ?? '../packages/http/dist/index.js');

const port = Number(process.argv[2] ?? 0);
if (process.argv.includes('--global')) overrideGlobalResponse();
const Reply = process.argv.includes('--fast') ? FastResponse : globalThis.Response;
const text = { 'content-type': 'text/plain' };
const typed = { 'content-type': 'application/json' };
/** Free 64 KiB buffers for BYOB body reads (countByob): one per upload in flight, reused. */
const buffers = [];

/** The POST routes: read the body (BYOB, iterated, or whole), answer its length. */
async function upload(request) {
  const url = request.url;
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

await main(async () => {
  // A plain handler, as node:http's: the GET routes answer synchronously (a Fetch handler may
  // return a Response or its promise), only the uploads are async. `--async-handler`: every
  // route through one async function (what this server did before: one promise and one
  // reaction more per request, for the http-cost.mjs ladder).
  const handler = process.argv.includes('--async-handler')
    ? async (request) => (request.method === 'POST' ? upload(request) : request.url.endsWith('/json') ? new Reply(json, { headers: typed }) : new Reply('Hello, World!', { headers: text }))
    : (request) => {
      if (request.method === 'POST') return upload(request);
      if (request.url.endsWith('/json')) return new Reply(json, { headers: typed });
      return new Reply('Hello, World!', { headers: text });
    };
  // RT_HTTP_IDLE_MS: the keep-alive and header timeouts (http-cost.mjs under callgrind, 50×
  // slower, must not see idle connections closed); the defaults otherwise.
  const idle = Number(process.env['RT_HTTP_IDLE_MS'] ?? 0);
  const server = await serve({ port, limits: idle > 0 ? { keepAliveTimeout: idle, headerTimeout: idle } : undefined }, handler);
  console.log(`listening on ${server.addr.port}`);
  await new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, resolve);
  });
  await server.shutdown({ timeout: 1000 });
});
