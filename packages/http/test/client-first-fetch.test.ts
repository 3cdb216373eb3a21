// HttpClient's implementation (internal/client-core.ts) is imported by the first `fetch` of the
// process, not when @rt/http loads. This file's module registry is fresh (jest makes one per
// file), so its first fetch is the one that loads it: what a client sees before, during and
// after that load.
import { HttpClient, HttpError, serve } from '@rt/http';
import { Cancelled } from '@rt/scheduler';
import { createServer, type AddressInfo, type Socket } from 'node:net';

// Counts the loads of the implementation's module (the module itself, unchanged). The count is
// kept on globalThis: jest hoists this above the imports, so a load at import time counts too.
jest.mock('../src/internal/client-core.js', () => {
  const counts = globalThis as unknown as Record<symbol, number>;
  const key = Symbol.for('client-first-fetch.test: client-core loads');
  counts[key] = (counts[key] ?? 0) + 1;
  return jest.requireActual<object>('../src/internal/client-core.js');
});
const coreLoads = (): number => (globalThis as unknown as Record<symbol, number>)[Symbol.for('client-first-fetch.test: client-core loads')] ?? 0;

describe('HttpClient before and at its first fetch', () => {
  it('has refused bad options, counts no idle connection, closes, and refuses a fetch once closed, all without loading anything', async () => {
    expect(() => new HttpClient({ connectionsPerOrigin: -1 })).toThrow(RangeError);
    expect(() => new HttpClient({ tls: {} as never })).toThrow(TypeError);
    const client = new HttpClient();
    expect(client.idleConnections).toBe(0);
    await client.close();
    await expect(client.fetch('http://127.0.0.1:1/')).rejects.toThrow(TypeError);
    expect(coreLoads()).toBe(0);
  });

  it('loads the implementation at the first fetch: concurrent first fetches of two clients answer, errors keep their types', async () => {
    await using server = await serve({}, (request) => new Response(`${request.method} ${new URL(request.url).pathname}`));
    const base = `http://${server.addr.toString()}`;
    await using a = new HttpClient();
    await using b = new HttpClient();
    // All three wait for the same import; each answers.
    const responses = await Promise.all([a.fetch(`${base}/a1`), a.fetch(`${base}/a2`, { method: 'POST', body: 'x' }), b.fetch(`${base}/b`)]);
    expect(await Promise.all(responses.map((r) => r.text()))).toEqual(['GET /a1', 'POST /a2', 'GET /b']);
    expect(coreLoads()).toBe(1);
    expect(a.idleConnections).toBe(2);
    expect(b.idleConnections).toBe(1);
    // Bad input is a TypeError, as before the split: a bad URL, an unsupported scheme, https without tls.
    // (The platform's URL throws its own realm's TypeError, not jest's: matched by name.)
    await expect(a.fetch('not a url')).rejects.toMatchObject({ name: 'TypeError', message: 'Invalid URL' });
    await expect(new HttpClient().fetch('ftp://127.0.0.1/')).rejects.toThrow(TypeError);
    await expect(new HttpClient().fetch('https://127.0.0.1/')).rejects.toThrow(/tls option/);
  });

  it('a malformed answer to a new client is still HttpError 502', async () => {
    const sockets: Socket[] = [];
    const raw = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.end('HTTP/1.1 2x0 Nope\r\n\r\n'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      await using client = new HttpClient();
      const error: unknown = await client.fetch(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(502);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('an abort while a new client gets its implementation rejects with Cancelled, as an abort during the connect does; an abort before the call, with the reason', async () => {
    await using server = await serve({}, () => new Response('answered'));
    const url = `http://${server.addr.toString()}/`;
    const abortedAfterCall = async (client: HttpClient): Promise<unknown> => {
      const controller = new AbortController();
      const pending = client.fetch(url, { signal: controller.signal });
      controller.abort(new Error('stop'));
      return pending.catch((e: unknown) => e);
    };
    await using first = new HttpClient(); // the process's first fetch may have run: each new client makes its implementation at its first fetch
    expect(await abortedAfterCall(first)).toBeInstanceOf(Cancelled);
    expect(await abortedAfterCall(first)).toBeInstanceOf(Cancelled); // (its implementation made: the connect's Cancelled)
    await using second = new HttpClient();
    expect(await abortedAfterCall(second)).toBeInstanceOf(Cancelled);
    await using third = new HttpClient();
    const reason = new Error('before');
    await expect(third.fetch(url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await (await third.fetch(url)).text()).toBe('answered');
  });

  it('close() while a new client waits for its implementation: the request is answered, its connection is not pooled', async () => {
    await using server = await serve({}, () => new Response('answered'));
    const client = new HttpClient();
    const pending = client.fetch(`http://${server.addr.toString()}/`);
    const closed = client.close(); // before the client's implementation exists
    const response = await pending;
    expect(await response.text()).toBe('answered');
    await closed;
    expect(client.idleConnections).toBe(0);
    await expect(client.fetch(`http://${server.addr.toString()}/`)).rejects.toThrow(TypeError);
  });
});
