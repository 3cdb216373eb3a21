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
