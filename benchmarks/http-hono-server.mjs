// The Hono rows of http.bench.mjs: one Hono app (GET / "Hello, World!", GET /json the 4 KiB
// document of baselines/http-routes.mjs), served by @rt/http (default) or, with `--node`, by
// @hono/node-server (its defaults, which include its lightweight global Response). On @rt/http
// the same is asked for explicitly: `overrideGlobalResponse()` makes Hono's `new Response`
// a FastResponse.
//
// Usage: node benchmarks/http-hono-server.mjs [port] [--node]   (prints "listening on <port>")
import { Hono } from 'hono';
import { json } from './baselines/http-routes.mjs';

const port = Number(process.argv[2] ?? 0);
const app = new Hono();
app.get('/', (c) => c.text('Hello, World!'));
app.get('/json', (c) => c.body(json, 200, { 'content-type': 'application/json' }));

if (process.argv.includes('--node')) {
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => console.log(`listening on ${info.port}`));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close(() => process.exit(0)));
} else {
  const { overrideGlobalResponse, serve } = await import('../packages/http/dist/index.js');
  overrideGlobalResponse();
  const { main } = await import('../packages/macros/dist/index.js');
  await main(async () => {
    const server = await serve({ port }, app.fetch);
    console.log(`listening on ${server.addr.port}`);
    await new Promise((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, resolve);
    });
    await server.shutdown({ timeout: 1000 });
  });
}
