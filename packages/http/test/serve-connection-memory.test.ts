// What a connection keeps alive between requests: nothing of the last request once its answer is
// out. (A suspended async frame keeps every register it has: the connection's loop kept its last
// request, body reader, task and Response until the next head came, see server.ts.)
import { FastResponse, serve, type HttpServer } from '@rt/http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { open, readUntil } from './support/raw.js';

// A full collection on demand: --expose-gc set at run time, read from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

/** The WeakRefs still alive after collections in jobs of their own (a deref keeps its target to the end of the job). */
async function survivors(refs: Map<string, WeakRef<object>>): Promise<string[]> {
  const tick = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 10));
  const alive = (): string[] => [...refs].filter(([, ref]) => ref.deref() !== undefined).map(([name]) => name);
  for (let round = 0; round < 10 && alive().length > 0; round++) {
    await tick();
    gc();
    await tick();
  }
  return alive();
}

describe('a connection idle on keep-alive', () => {
  it.each([
    ['arrayBuffer()', '/buffer'],
    ['for await over the body', '/stream'],
  ])('keeps nothing of its last request (body read with %s): request, ctx, body bytes and Response are collectable; the next request on it is served', async (_how, path) => {
    const refs = new Map<string, WeakRef<object>>();
    let served = 0;
    server = await serve({}, async (request, ctx) => {
      served++;
      if (served > 1) return new FastResponse('second');
      refs.set('request', new WeakRef(request));
      refs.set('ctx', new WeakRef(ctx));
      refs.set('signal', new WeakRef(ctx.signal));
      let length = 0;
      if (request.url.endsWith('/buffer')) {
        const bytes = await request.arrayBuffer();
        refs.set('body bytes', new WeakRef(bytes));
        length = bytes.byteLength;
      } else {
        for await (const chunk of request.body!) {
          refs.set('body chunk', new WeakRef(chunk));
          length += chunk.length;
        }
      }
      const response = new FastResponse(String(length));
      refs.set('response', new WeakRef(response));
      return response;
    });
    const socket = await open(server.addr.port);
    try {
      const body = 'b'.repeat(100_000);
      const first = readUntil(socket, (text) => text.endsWith('\r\n\r\n100000'));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      expect(await first).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(refs.size).toBe(5);
      // The connection now waits for its next head: nothing of the first request is held.
      expect(await survivors(refs)).toEqual([]); // before: request, ctx, signal and response
      expect(server.connections).toBe(1);
      const second = readUntil(socket, (text) => text.endsWith('\r\n\r\nsecond'));
      socket.write('GET /again HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(await second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(served).toBe(2);
    } finally {
      socket.destroy();
    }
  });
});
