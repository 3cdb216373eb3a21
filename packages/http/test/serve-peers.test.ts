// Real clients on loopback against the rt server: curl, Python's http.client, Node's fetch.
// Each is spawned asynchronously (the server runs in this process).
import { execFile } from 'node:child_process';
import { serve, type HttpServer, type ServeContext } from '@rt/http';
import { Handle } from '@rt/scheduler';
import { sleep } from '@rt/time';
import { exchange, open, readUntil, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

function run(file: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 15_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** An echo server: the method, the body length, and the body back. */
async function echoServer(): Promise<HttpServer> {
  return serve({}, async (request) => {
    const body = await request.text();
    return new Response(`${request.method} ${body.length} ${body}`);
  });
}

describe('serve with real peers', () => {
  it('curl: a chunked upload from stdin', async () => {
    server = await echoServer();
    const { stdout } = await run('curl', ['-sS', '-T', '-', '-H', 'Transfer-Encoding: chunked', `http://${server.addr.toString()}/up`], 'x'.repeat(100_000));
    expect(stdout).toBe(`PUT 100000 ${'x'.repeat(100_000)}`);
  });

  it('curl: Expect: 100-continue is answered before the body is sent (a long --expect100-timeout)', async () => {
    server = await echoServer();
    const { stdout, stderr } = await run('curl', ['-sS', '-v', '--expect100-timeout', '10', '-H', 'Expect: 100-continue', '--data-binary', 'y'.repeat(2000), `http://${server.addr.toString()}/`]);
    expect(stdout).toBe(`POST 2000 ${'y'.repeat(2000)}`);
    expect(stderr).toContain('HTTP/1.1 100 Continue');
    // curl sent the body on the 100, not at the end of its wait: it says so when the wait runs
    // out (checked against a server that never answers 100: "* Done waiting for 100-continue").
    // (This was a bound on the whole exchange, < 5 s, which a loaded machine can pass without
    // any wait: starting curl alone can take seconds at load 20.)
    expect(stderr).not.toContain('Done waiting for 100-continue');
  });

  it('curl: several URLs reuse one keep-alive connection', async () => {
    server = await echoServer();
    const url = `http://${server.addr.toString()}/`;
    const { stderr } = await run('curl', ['-sS', '-v', url, url, url]);
    expect(stderr.match(/Re-using existing connection|Reusing existing connection/g)?.length).toBe(2);
  });

  it('curl: HEAD gets the headers (Content-Length of the GET) and no body', async () => {
    server = await serve({}, () => new Response('twelve bytes'));
    const { stdout } = await run('curl', ['-sS', '-I', `http://${server.addr.toString()}/`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(stdout).toMatch(/content-length: 12\r\n/i);
    expect(stdout.endsWith('\r\n\r\n')).toBe(true);
  });

  it('python http.client: pipelined requests on one socket get in-order answers', async () => {
    server = await serve({}, async (request) => new Response(`${new URL(request.url).pathname}:${await request.text()}`));
    const script = `
import http.client, socket
s = socket.create_connection(('127.0.0.1', ${server.addr.port}))
s.sendall(b''.join(b'POST /p%d HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\n\\r\\n%d' % (i, i) for i in range(5)))
f = s.makefile('rb')
class Keep:
    def __getattr__(self, name): return getattr(f, name)
    def close(self): pass
class One:
    def makefile(self, *args, **kwargs): return Keep()
out = []
for i in range(5):
    r = http.client.HTTPResponse(One(), method='POST')
    r.begin()
    out.append(r.read().decode())
print(','.join(out))
`;
    const { stdout } = await run('python3', ['-c', script]);
    expect(stdout.trim()).toBe('/p0:0,/p1:1,/p2:2,/p3:3,/p4:4');
  });

  it('Node fetch: 50 requests over keep-alive, a streamed upload, HTTP/1.0', async () => {
    server = await echoServer();
    const url = `http://${server.addr.toString()}/`;
    const texts = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(url, { method: 'POST', body: String(i) }).then((r) => r.text())));
    expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => `POST ${String(i).length} ${i}`));
    const upload = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(1000).fill(97));
        controller.close();
      },
    });
    const init: RequestInit & { duplex: 'half' } = { method: 'PUT', body: upload, duplex: 'half' };
    expect(await (await fetch(url, init)).text()).toBe(`PUT 10000 ${'a'.repeat(10_000)}`);
    const old = await exchange(server.addr.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).toContain('connection: close');
    expect(old.endsWith('GET 0 ')).toBe(true);
  });
});

describe('serve: handler contract', () => {
  it('answers 500 when the handler throws or returns a non-Response, and keeps the connection', async () => {
    const errors: unknown[] = [];
    server = await serve({ onError: (error) => errors.push(error) }, (request) => {
      if (request.url.endsWith('/throw')) throw new Error('boom');
      if (request.url.endsWith('/bad')) return 'nope' as unknown as Response;
      return new Response('ok');
    });
    const text = await exchange(server.addr.port, 'GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses(text)).toEqual([500, 500, 200]);
    expect(errors).toHaveLength(2);
  });

  it('gives 204/304 no body and HEAD of a stream no body (with the length a GET would send)', async () => {
    server = await serve({}, (request) => {
      if (request.url.endsWith('/204')) return new Response(null, { status: 204 });
      return new Response(new ReadableStream({ start: (c) => { c.enqueue(new Uint8Array([1, 2])); c.close(); } }));
    });
    const text = await exchange(server.addr.port, 'GET /204 HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses(text)).toEqual([204, 200]);
    const [noContent, headOfStream] = text.split(/(?=HTTP\/1\.1 200)/);
    expect(noContent).not.toContain('content-length');
    // The stream had its two bytes at once: HEAD names the length a GET would send, no body.
    expect(headOfStream).toContain('content-length: 2\r\n');
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('aborts ctx.signal and the request task when the client goes away; the task is visible with its id', async () => {
    let seen: ServeContext | undefined;
    let aborted: () => void = () => undefined;
    const abortedPromise = new Promise<void>((resolve) => (aborted = resolve));
    server = await serve({}, (_request, ctx) => {
      seen = ctx;
      ctx.signal.addEventListener('abort', () => aborted());
      return new Promise<Response>(() => undefined); // never answers
    });
    const socket = await open(server.addr.port);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen.taskId).toBeGreaterThan(0);
    // The request is a named task of the runtime, visible in dump() with the id ctx gave.
    const tasks = Handle.current().dump().tasks;
    expect(tasks.find((t) => t.id === seen!.taskId)?.name).toBe('http request');
    expect(tasks.some((t) => t.name === 'http connection')).toBe(true);
    expect(seen.remoteAddr.port).toBe(socket.localPort);
    socket.end();
    await abortedPromise;
    expect(seen.signal.aborted).toBe(true);
    // The request task is aborted with its connection: gone from dump(), or (its handler's
    // promise never settles) still there and marked aborted; the connection is released.
    const task = Handle.current().dump().tasks.find((t) => t.id === seen!.taskId);
    expect(task === undefined || task.cancelRequested).toBe(true);
    while (server.connections > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.destroy();
  });

  it('aborts the request task and frees the connection when the client goes away, also when the handler never asks for ctx.signal', async () => {
    let taskId = 0;
    let signal: (() => AbortSignal) | undefined;
    server = await serve({}, async (_request, ctx) => {
      taskId = ctx.taskId;
      signal = () => ctx.signal;
      await sleep(60_000); // an rt await point: the abort ends it
      return new Response('late');
    });
    const socket = await open(server.addr.port);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (taskId === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.end();
    // Found within a sweep or two of the server's timers (250 ms apart by default): bounded wait.
    for (let waited = 0; server.connections > 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.connections).toBe(0);
    const task = Handle.current().dump().tasks.find((t) => t.id === taskId);
    expect(task === undefined || task.cancelRequested).toBe(true);
    expect(signal!().aborted).toBe(true); // made after the client left: aborted already
    socket.destroy();
  });

  it('a slow handler watched for the client leaving still answers, and a request pipelined meanwhile is answered after it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server = await serve({}, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/slow') await gate;
      return new Response(path);
    });
    const socket = await open(server.addr.port);
    const replies = readUntil(socket, (text) => text.endsWith('/next'));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    // Long enough for the sweeper to start the close watch (two sweeps, 250 ms apart).
    for (let waited = 0; !Handle.current().dump().tasks.some((t) => t.name === 'http close watch') && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(Handle.current().dump().tasks.find((t) => t.name === 'http close watch')?.waitingOn).toContain('TcpStream.read');
    socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'); // taken by the watch's read
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const text = await replies;
    expect(statuses(text)).toEqual([200, 200]);
    expect(text.indexOf('\r\n\r\n/slow')).toBeLessThan(text.indexOf('\r\n\r\n/next'));
    expect(server.connections).toBe(1);
    socket.destroy();
  });

  it.each([['never asks for ctx.signal', false], ['asks for ctx.signal then', true]])('a slow handler that cancelled its body with a read in flight and %s: the close watch waits for that read (no second read into the same buffer), the pipelined request after it is answered', async (_name, asks) => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let cancelled = false;
    server = await serve({}, async (request, ctx) => {
      const path = new URL(request.url).pathname;
      if (path === '/up') {
        const reader = request.body!.getReader();
        await reader.read(); // the first chunk
        const pending = reader.read(); // the client stalls: a socket read stays in flight
        await new Promise((resolve) => setTimeout(resolve, 20));
        await reader.cancel('enough');
        if (asks) expect(ctx.signal.aborted).toBe(false);
        await pending;
        cancelled = true;
        await gate; // slow: the sweeper finds it running, body finished (cancelled)
      }
      return new Response(path);
    });
    const socket = await open(server.addr.port);
    const replies = readUntil(socket, (text) => text.endsWith('/next'));
    socket.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    while (!cancelled) await new Promise((resolve) => setTimeout(resolve, 5));
    // Four sweeps (250 ms apart): a watch the sweeper would start is started by now.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    socket.write('5\r\nworld\r\n0\r\n\r\n'); // the cancelled read takes these
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'); // the watch's read (if any) takes this
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const text = await replies;
    expect(statuses(text)).toEqual([200, 200]);
    expect(text.indexOf('\r\n\r\n/up')).toBeLessThan(text.indexOf('\r\n\r\n/next'));
    socket.destroy();
  });

  // 2^31 and Infinity are past what one Node timer can wait (Node takes such a delay as 1 ms).
  it.each([5000, 2 ** 31, Infinity])('shutdown with a timeout of %d ms lets an in-flight request finish with Connection: close, then resolves', async (timeout) => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    server = await serve({}, async () => {
      started = true;
      await gate;
      return new Response('late');
    });
    const socket = await open(server.addr.port);
    const reply = readUntil(socket, () => false);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // In flight means its handler runs (a fixed sleep was too short on a loaded machine: the
    // shutdown then found an idle connection and closed it without an answer).
    while (!started) await new Promise((resolve) => setTimeout(resolve, 5));
    const done = server.shutdown({ timeout });
    await new Promise((resolve) => setTimeout(resolve, 50)); // (a 1 ms timer would have aborted it by now)
    release();
    await done;
    const text = await reply;
    expect(statuses(text)).toEqual([200]);
    expect(text).toContain('connection: close');
    expect(text.endsWith('late')).toBe(true);
    server = undefined;
  });

  it('shutdown aborts a request that outlives the timeout', async () => {
    let signal: AbortSignal | undefined;
    server = await serve({}, (_request, ctx) => {
      signal = ctx.signal;
      return new Promise<Response>(() => undefined);
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (signal === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.shutdown({ timeout: 100 });
    expect(signal.aborted).toBe(true);
    expect(server.connections).toBe(0);
    socket.destroy();
    server = undefined;
  });

  it('a body read aborted by the client leaving mid-body rejects in the handler, and the connection is released', async () => {
    let failure: unknown;
    let failed: () => void = () => undefined;
    const gotFailure = new Promise<void>((resolve) => (failed = resolve));
    let entered = false;
    server = await serve({}, async (request) => {
      entered = true;
      try {
        await request.text();
      } catch (error) {
        failure = error;
        failed();
      }
      return new Response('unused');
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab');
    // Reset once the handler runs (a reset before the head is read would leave no handler to fail).
    while (!entered) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resetAndDestroy();
    await gotFailure;
    expect(failure).toBeDefined();
    while (server.connections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // The server still answers.
    expect(statuses(await exchange(server.addr.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toEqual([200]);
  });
});
