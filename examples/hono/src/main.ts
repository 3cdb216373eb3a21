// `node dist/main.js [port]`: the Hono app of app.ts served by @rt/http under `main()` from
// @rt/macros (SIGINT/SIGTERM shut it down gracefully).
import { serve } from '@rt/http';
import { main } from '@rt/macros';
import { createApp } from './app.js';

const port = Number(process.argv[2] ?? 8080);
void main(async () => {
  const app = createApp();
  await using server = await serve({ port }, app.fetch);
  console.log(`hono on rt: http://${server.addr.toString()}/`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
}, { name: 'hono' });
