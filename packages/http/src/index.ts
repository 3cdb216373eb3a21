// @rt/http: HTTP/1.1 on rt sockets, Hyper's place with the Web's handler shape.
//
// - `serve(options, handler)` runs a server whose handler takes a Fetch `Request` and returns
//   a `Response` (the shape of Deno.serve, Bun.serve and Cloudflare Workers, so `app.fetch`
//   of a framework such as Hono plugs in). Each request is an rt task; keep-alive,
//   pipelining, chunked bodies both ways with backpressure, `Expect: 100-continue`, limits
//   and timeouts with safe defaults, and a strict parser that refuses request smuggling.
// - Service layers wrap handlers, Tower's idea: `compose(timeout(1000), concurrencyLimit(64))(handler)`.
// - `HttpClient` is a keep-alive client whose `fetch` returns a standard `Response`.
//
// ```ts
// import { serve } from '@rt/http';
// await using server = await serve({ port: 8080 }, (request) => new Response(`Hello from ${new URL(request.url).pathname}`));
// ```
export { HttpError } from './errors.js';
export type { HttpErrorCode } from './errors.js';
export { serve, HttpServer } from './server.js';
export type { Handler, ServeContext, ServeOptions, ServerLimits, ShutdownOptions, TlsAcceptorLike } from './server.js';
export { compose, concurrencyLimit, loadShed, rateLimit, readiness, timeout } from './layers.js';
export type { Layer } from './layers.js';
export { HttpClient } from './client.js';
export type { HttpClientOptions, TlsConnectorLike } from './client.js';
export { FastResponse, overrideGlobalResponse } from './fast-response.js';
export { IncomingRequest } from './request.js';
export type { HttpStream } from './internal/body.js';
