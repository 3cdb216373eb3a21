// The Hono app served by @rt/http, driven by Node's fetch and by raw pipelined requests.
import { connect } from 'node:net';
import { serve, type HttpServer } from '@rt/http';
import { createApp } from '../src/app.js';

let server: HttpServer;
let base: string;
beforeEach(async () => {
  server = await serve({}, createApp().fetch);
  base = `http://${server.addr.toString()}`;
});
afterEach(() => server.shutdown({ timeout: 1000 }));

describe('a Hono app on @rt/http', () => {
  it('routes, with parameters, and runs the middleware', async () => {
    const home = await fetch(`${base}/`);
    expect(await home.text()).toBe('Hello from Hono on rt!');
    expect(home.headers.get('x-response-time')).toMatch(/ms$/);
    expect(await (await fetch(`${base}/users/42`)).json()).toEqual({ id: 42, name: 'user 42' });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for GET /nope' });
    expect(await (await fetch(`${base}/stats`)).json()).toEqual({ requests: 4 });
  });

  it('reads a JSON body and answers 201', async () => {
    const response = await fetch(`${base}/echo`, { method: 'POST', body: JSON.stringify({ a: [1, 2] }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: { a: [1, 2] } });
  });

  it('streams a body chunk by chunk (Transfer-Encoding: chunked)', async () => {
    const response = await fetch(`${base}/stream`);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(await response.text()).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });

  it('answers pipelined requests in order', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.addr.port, '127.0.0.1');
      let seen = '';
      socket.on('data', (chunk) => (seen += chunk.toString()));
      socket.on('end', () => resolve(seen));
      socket.on('error', reject);
      socket.write('GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /users/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    expect(text.indexOf('"id":1')).toBeGreaterThan(0);
    expect(text.indexOf('"id":2')).toBeGreaterThan(text.indexOf('"id":1'));
  });
});

describe('the same app.fetch on @hono/node-server', () => {
  it('answers every route as it does on @rt/http: status, content type and body', async () => {
    const { serve: nodeServe } = await import('@hono/node-server');
    const nodeServer = await new Promise<ReturnType<typeof nodeServe>>((resolve) => {
      const started = nodeServe({ fetch: createApp().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    try {
      const address = nodeServer.address();
      if (address === null || typeof address === 'string') throw new Error('@hono/node-server gave no port');
      const nodeBase = `http://127.0.0.1:${address.port}`;
      const requests: [string, RequestInit?][] = [
        ['/'],
        ['/users/42'],
        ['/nope'],
        ['/echo', { method: 'POST', body: JSON.stringify({ a: [1, 2] }), headers: { 'content-type': 'application/json' } }],
        ['/stream'],
      ];
      for (const [path, init] of requests) {
        const [onRt, onNode] = await Promise.all([fetch(`${base}${path}`, init), fetch(`${nodeBase}${path}`, init)]);
        const rtType = onRt.headers.get('content-type');
        const nodeType = onNode.headers.get('content-type');
        if (path === '/stream') {
          // Hono's stream() answers without a Content-Type: @rt/http sends the Response's headers
          // as they are; @hono/node-server adds its default to a stream body.
          expect(rtType).toBeNull();
          expect(nodeType).toBe('text/plain; charset=UTF-8');
        } else {
          expect([path, rtType]).toEqual([path, nodeType]);
        }
        expect([path, onRt.status, await onRt.text()]).toEqual([path, onNode.status, await onNode.text()]);
      }
    } finally {
      await new Promise((resolve) => nodeServer.close(resolve));
    }
  });
});
