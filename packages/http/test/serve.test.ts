import { Builder, tryCurrentTask } from '@rt/scheduler';
import { FastResponse, serve, type HttpServer } from '@rt/http';
import { exchange, postThenGet, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

const base = (s: HttpServer): string => `http://${s.addr.toString()}`;

describe('serve', () => {
  it('answers Node fetch with a string body, Date and Content-Length', async () => {
    server = await serve({}, (request) => new Response(`hello ${new URL(request.url).pathname}`));
    const response = await fetch(`${base(server)}/x`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello /x');
    expect(response.headers.get('content-length')).toBe('8');
    expect(response.headers.get('date')).toMatch(/GMT$/);
  });

  it('echoes a JSON body and a streamed body', async () => {
    server = await serve({}, async (request) => {
      if (request.method === 'POST') return Response.json({ got: await request.json() });
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('a'));
          controller.enqueue(new TextEncoder().encode('b'));
          controller.close();
        },
      });
      return new Response(stream);
    });
    const posted = await fetch(`${base(server)}/`, { method: 'POST', body: JSON.stringify({ n: 1 }) });
    expect(await posted.json()).toEqual({ got: { n: 1 } });
    const streamed = await fetch(`${base(server)}/`);
    expect(streamed.headers.get('transfer-encoding')).toBe('chunked');
    expect(await streamed.text()).toBe('ab');
  });

  it('answers pipelined requests in order on one connection', async () => {
    server = await serve({}, (request) => new Response(new URL(request.url).pathname));
    const text = await exchange(server.addr.port, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statuses(text)).toEqual([200, 200, 200]);
    expect(text.indexOf('\r\n\r\n/1')).toBeLessThan(text.indexOf('\r\n\r\n/2'));
    expect(text.indexOf('\r\n\r\n/2')).toBeLessThan(text.indexOf('\r\n\r\n/3'));
  });

  it('answers a pipelined mix of synchronous, asynchronous, throwing and thenable handlers in order, each its own task', async () => {
    const errors: unknown[] = [];
    const ids: number[] = [];
    const running: (number | undefined)[] = [];
    server = await serve({ onError: (error) => errors.push(error) }, (request, ctx) => {
      ids.push(ctx.taskId);
      // The handler runs as the request's own task, whose id ctx has from the start.
      running.push(tryCurrentTask()?.id);
      const path = new URL(request.url).pathname;
      switch (path) {
        case '/async':
          return (async () => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return new Response('async');
          })();
        case '/throw':
          throw new Error('sync failure');
        case '/reject':
          return Promise.reject(new Error('async failure'));
        case '/thenable':
          // Not a native promise: the task adopts it (the server joins the task).
          return { then: (resolve: (value: Response) => void) => resolve(new Response('thenable')) } as unknown as Promise<Response>;
        case '/fast':
          return new FastResponse('fast');
        default:
          return new Response('sync');
      }
    });
    const order = ['/sync', '/async', '/sync', '/throw', '/fast', '/thenable', '/sync', '/reject', '/async', '/async', '/fast', '/sync'];
    const text = await exchange(
      server.addr.port,
      order.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: a\r\n${i === order.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''),
    );
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    const expected = order.map((path) => (path === '/throw' || path === '/reject' ? 'Internal Server Error' : path.slice(1)));
    expect(answers.map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4).trim())).toEqual(expected);
    expect(statuses(text)).toEqual(order.map((path) => (path === '/throw' || path === '/reject' ? 500 : 200)));
    expect(errors.map((error) => (error as Error).message)).toEqual(['sync failure', 'async failure']);
    expect(new Set(ids).size).toBe(order.length);
    expect(running).toEqual(ids);
  });

  it('starts each request task with its own request when the run queue queues it (the turn\'s event interval used up)', async () => {
    // eventInterval(1): after the first start of a turn, startNow queues the request task as
    // spawn would; it starts later, from the run queue, while the connection waits for it.
    const runtime = Builder.currentThread().name('http-interval').eventInterval(1).build();
    const seen: { url: string; taskId: number; running: number | undefined }[] = [];
    const order = ['/a', '/b', '/a', '/c', '/d', '/a', '/a', '/e'];
    const text = await runtime.run(async () => {
      const small = await serve({}, (request, ctx) => {
        seen.push({ url: request.url, taskId: ctx.taskId, running: tryCurrentTask()?.id });
        return new FastResponse(new URL(request.url).pathname);
      });
      try {
        return await exchange(
          small.addr.port,
          order.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: a\r\n${i === order.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''),
        );
      } finally {
        await small.shutdown({ timeout: 1000 });
      }
    });
    await runtime.shutdown();
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(order);
    expect(seen.map(({ url }) => new URL(url).pathname)).toEqual(order);
    expect(seen.map(({ running }) => running)).toEqual(seen.map(({ taskId }) => taskId));
    expect(new Set(seen.map(({ taskId }) => taskId)).size).toBe(order.length);
  });

  it('gives each request its own URL when requests alike follow each other (the last-URL memo)', async () => {
    server = await serve({}, (request) => new Response(`${request.url}\n`));
    const local = server.addr.toString();
    const requests: [string, string][] = [
      ['GET /a HTTP/1.1\r\nHost: h1\r\n\r\n', 'http://h1/a'],
      ['GET /a HTTP/1.1\r\nHost: h1\r\n\r\n', 'http://h1/a'],
      ['GET /a HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/a'],
      ['GET /b HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/b'],
      ['GET /bb HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/bb'],
      ['GET /bb HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', `http://${local}/bb`],
      ['GET /bb HTTP/1.1\r\nHost:\r\n\r\n', `http://${local}/bb`],
      ['GET /bb HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/bb'],
      ['OPTIONS * HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/'],
      ['CONNECT h3:443 HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h2/'],
      ['GET http://h4/x HTTP/1.1\r\nHost: h2\r\n\r\n', 'http://h4/x'],
      ['GET http://h4/x HTTP/1.1\r\nHost: h2\r\nConnection: close\r\n\r\n', 'http://h4/x'],
    ];
    const text = await exchange(server.addr.port, requests.map(([request]) => request).join(''));
    const urls = text.split(/(?=HTTP\/1\.[01] )/).map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4, -1));
    expect(urls).toEqual(requests.map(([, url]) => url));
  });

  it('reads a large Content-Length body straight into its buffer without eating the next pipelined request', async () => {
    server = await serve({}, async (request) => {
      if (request.method !== 'POST') return new Response(`next ${new URL(request.url).pathname}`);
      const bytes = new Uint8Array(await request.arrayBuffer());
      return new Response(`${bytes.length} ${bytes[0]} ${bytes[bytes.length - 1]}`);
    });
    const body = Buffer.alloc(300_000, 7);
    body[body.length - 1] = 9;
    const text = await postThenGet(server.addr.port, '/big', body);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('\r\n\r\n300000 7 9');
    expect(text.endsWith('next /after')).toBe(true);
  });

  it('shuts down when options.signal aborts, and takes a bound listener', async () => {
    const { TcpListener } = await import('@rt/net');
    const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const own = await serve({ listener, signal: controller.signal }, () => new Response('via listener'));
    expect(own.addr.port).toBe(listener.localAddr().port);
    expect(await (await fetch(`${base(own)}/`)).text()).toBe('via listener');
    controller.abort();
    await own.shutdown(); // the same shutdown the abort started
    await expect(fetch(`${base(own)}/`)).rejects.toThrow();
  });

  it('binds hostname + port: 127.0.0.1 by default, another address when given, a given port', async () => {
    const byDefault = await serve({}, () => new Response('default'));
    const other = await serve({ hostname: '127.0.0.2', port: 0 }, () => new Response('other'));
    try {
      expect(byDefault.addr.ip).toBe('127.0.0.1');
      expect(other.addr.ip).toBe('127.0.0.2');
      // (Connection: close: Node's fetch would otherwise reuse this connection after the shutdown below.)
      expect(await (await fetch(`http://127.0.0.2:${other.addr.port}/`, { headers: { connection: 'close' } })).text()).toBe('other');
      // That port on another address is not ours.
      await expect(fetch(`http://127.0.0.3:${other.addr.port}/`)).rejects.toThrow();
      const port = other.addr.port;
      await other.shutdown({ timeout: 1000 });
      const again = await serve({ hostname: '127.0.0.2', port }, () => new Response('again'));
      try {
        expect(again.addr.port).toBe(port);
        expect(await (await fetch(`http://127.0.0.2:${port}/`)).text()).toBe('again');
      } finally {
        await again.shutdown({ timeout: 1000 });
      }
    } finally {
      await byDefault.shutdown({ timeout: 1000 });
      await other.shutdown({ timeout: 1000 });
    }
  });

  it('refuses bad options at once', async () => {
    await expect(serve({ port: -1 }, () => new Response(''))).rejects.toThrow(RangeError);
    await expect(serve({ limits: { maxHeaders: 0 } }, () => new Response(''))).rejects.toThrow(RangeError);
    await expect(serve({ limits: { nope: 1 } as never }, () => new Response(''))).rejects.toThrow(TypeError);
    await expect(serve({}, 'x' as never)).rejects.toThrow(TypeError);
  });
});
