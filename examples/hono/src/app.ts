// A small Hono app: routing with parameters, JSON in and out, a streamed body, and middleware.
// Nothing here knows about rt: `app.fetch` is the Fetch handler that @hono/node-server, Deno,
// Bun and Workers serve, and @rt/http serves it the same way (see main.ts).
import { Hono } from 'hono';
import { stream } from 'hono/streaming';

/** Builds the app (one per server, so tests get fresh state). */
export function createApp(): Hono {
  const app = new Hono();
  let requests = 0;

  // Middleware: count requests and time each one.
  app.use('*', async (c, next) => {
    const started = performance.now();
    requests++;
    await next();
    c.header('x-response-time', `${(performance.now() - started).toFixed(2)}ms`);
  });

  app.get('/', (c) => c.text('Hello from Hono on rt!'));
  app.get('/users/:id', (c) => c.json({ id: Number(c.req.param('id')), name: `user ${c.req.param('id')}` }));
  app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }, 201));
  app.get('/stream', (c) =>
    stream(c, async (out) => {
      for (let i = 0; i < 3; i++) {
        await out.write(`chunk ${i}\n`);
        await out.sleep(5);
      }
    }),
  );
  app.get('/stats', (c) => c.json({ requests }));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
