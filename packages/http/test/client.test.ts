import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient, HttpError, serve } from '@rt/http';
import { Cancelled } from '@rt/scheduler';

let node: Server | undefined;
let connections = 0;
afterEach(async () => {
  if (node !== undefined) {
    node.closeAllConnections();
    await new Promise((resolve) => node!.close(resolve));
    node = undefined;
  }
});

async function nodeServer(handler: Parameters<typeof createServer>[1], keepAliveTimeout = 5000): Promise<string> {
  connections = 0;
  node = createServer(handler);
  node.keepAliveTimeout = keepAliveTimeout;
  node.on('connection', () => connections++);
  await new Promise<void>((resolve) => node!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
}

/** A raw TCP server on loopback whose connections `answer` writes to; disposing it destroys them and closes it. */
async function rawServer(answer: (socket: Socket) => void): Promise<{ url: string; sockets: Socket[] } & AsyncDisposable> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    sockets,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const echo: Parameters<typeof createServer>[1] = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    res.setHeader('x-method', req.method!);
    res.setHeader('x-te', String(req.headers['transfer-encoding']));
    res.end(`${req.method} ${req.url} ${body}`);
  });
};

describe('HttpClient against node:http', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const base = await nodeServer(echo);
    await using client = new HttpClient();
    for (let i = 0; i < 10; i++) {
      const response = await client.fetch(`${base}/n${i}?q=1`);
      expect(await response.text()).toBe(`GET /n${i}?q=1 `);
    }
    expect(connections).toBe(1);
    expect(client.idleConnections).toBe(1);
  });

  it('closes a pooled connection once it has been idle for idleTimeout (without another fetch), and the next fetch opens a new one', async () => {
    const base = await nodeServer(echo);
    let closed = 0;
    node!.on('connection', (socket: Socket) => socket.on('close', () => closed++));
    // 1 s: the two fetches must come within idleTimeout of each other to share the connection;
    // at 100 ms a stall of this process at CI's load (Node 26 run) closed it in between.
    await using client = new HttpClient({ idleTimeout: 1000 });
    expect(await (await client.fetch(`${base}/a`)).text()).toBe('GET /a ');
    expect(await (await client.fetch(`${base}/b`)).text()).toBe('GET /b ');
    expect(connections).toBe(1);
    // Closed by the client, not the server (whose keep-alive timeout is 5 s): bounded wait.
    for (let waited = 0; closed === 0 && waited < 4500; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(1);
    expect(client.idleConnections).toBe(0);
    expect(await (await client.fetch(`${base}/c`)).text()).toBe('GET /c ');
    expect(connections).toBe(2);
  });

  it.each([2 ** 31, Number.MAX_SAFE_INTEGER])('an idleTimeout of %d ms (past what one Node timer can wait) keeps the idle connection, its timer not firing at once over and over', async (idleTimeout) => {
    const base = await nodeServer(echo);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    const armed = jest.spyOn(globalThis, 'setTimeout');
    try {
      await using client = new HttpClient({ idleTimeout });
      expect(await (await client.fetch(`${base}/a`)).text()).toBe('GET /a ');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const reaps = armed.mock.calls.filter(([, delay]) => typeof delay === 'number' && delay > 1000).length;
      expect(reaps).toBe(1); // armed once, for as long as a timer can wait (the reaper re-arms from there)
      expect(warnings).not.toContain('TimeoutOverflowWarning'); // Node's 1 ms for a delay it cannot take
      expect(client.idleConnections).toBe(1);
      expect(await (await client.fetch(`${base}/b`)).text()).toBe('GET /b ');
      expect(connections).toBe(1);
    } finally {
      armed.mockRestore();
      process.off('warning', onWarning);
    }
  });

  it('reads a large response body with a BYOB reader into one buffer, then reuses the connection (and after a cancel, does not)', async () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const base = await nodeServer((req, res) => {
      res.setHeader('content-length', big.length);
      res.end(big);
    });
    await using client = new HttpClient();
    for (let i = 0; i < 3; i++) {
      const response = await client.fetch(`${base}/big`);
      const reader = response.body!.getReader({ mode: 'byob' });
      const memory = new ArrayBuffer(16 * 1024);
      const parts: Buffer[] = [];
      for (let r = await reader.read(new Uint8Array(memory)); !r.done; r = await reader.read(new Uint8Array(memory))) {
        expect(r.value.buffer).toBe(memory); // read into the caller's memory
        parts.push(Buffer.from(r.value));
      }
      expect(Buffer.concat(parts).equals(big)).toBe(true);
    }
    expect(connections).toBe(1);
    expect(client.idleConnections).toBe(1);
    // Cancelled half-way through a BYOB read: the connection is not reused.
    const response = await client.fetch(`${base}/big`);
    const reader = response.body!.getReader({ mode: 'byob' });
    await reader.read(new Uint8Array(1000));
    await reader.cancel();
    expect(client.idleConnections).toBe(0);
    expect(await (await client.fetch(`${base}/small`)).arrayBuffer()).toHaveProperty('byteLength', big.length);
    expect(connections).toBe(2);
  });

  it('sends string, JSON and streamed (chunked) bodies and runs requests in parallel up to the pool size', async () => {
    const base = await nodeServer(echo);
    await using client = new HttpClient({ connectionsPerOrigin: 4 });
    expect(await (await client.fetch(base, { method: 'POST', body: 'abc' })).text()).toBe('POST / abc');
    const upload = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('x'));
        controller.enqueue(new TextEncoder().encode('yz'));
        controller.close();
      },
    });
    const init: RequestInit & { duplex: 'half' } = { method: 'PUT', body: upload, duplex: 'half' };
    const streamed = await client.fetch(`${base}/s`, init);
    expect(streamed.headers.get('x-te')).toBe('chunked');
    expect(await streamed.text()).toBe('PUT /s xyz');
    const texts = await Promise.all(Array.from({ length: 20 }, (_, i) => client.fetch(`${base}/${i}`).then((r) => r.text())));
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `GET /${i} `));
    expect(connections).toBeLessThanOrEqual(4);
  });

  it('streams a chunked response body as it arrives', async () => {
    let finish: () => void = () => undefined;
    const base = await nodeServer((_req, res) => {
      res.write('first;');
      finish = () => res.end('second');
    });
    await using client = new HttpClient();
    const response = await client.fetch(base);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first;');
    finish();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('second');
    expect((await reader.read()).done).toBe(true);
  });

  it('answers a small whole body with a Response readable every way, once', async () => {
    const base = await nodeServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-a', 'ü'.normalize()); // latin1 on the wire, as undici reads it
      res.end('{"n":1}');
    });
    await using client = new HttpClient();
    const json = await client.fetch(`${base}/j`);
    expect(json).toBeInstanceOf(Response);
    expect(json.url).toBe(`${base}/j`);
    expect(json.bodyUsed).toBe(false);
    expect(await json.json()).toEqual({ n: 1 });
    expect(json.bodyUsed).toBe(true);
    await expect(json.text()).rejects.toThrow(TypeError);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.body?.locked).toBe(true); // the real Response made after the read is used up too
    const bytes = await client.fetch(`${base}/b`);
    expect(new TextDecoder().decode(await bytes.arrayBuffer())).toBe('{"n":1}');
    const streamed = await client.fetch(`${base}/s`);
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamed.body!) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('{"n":1}');
    const cloned = (await client.fetch(`${base}/c`)).clone();
    expect(await cloned.text()).toBe('{"n":1}');
  });

  it('follows redirects as fetch does (303/302-after-POST become GET, 307 keeps the method), or not', async () => {
    const base = await nodeServer((req, res) => {
      if (req.url === '/302') res.writeHead(302, { location: '/target' }).end();
      else if (req.url === '/307') res.writeHead(307, { location: '/target' }).end();
      else echo(req, res);
    });
    await using client = new HttpClient();
    const followed = await client.fetch(`${base}/302`, { method: 'POST', body: 'b' });
    expect(await followed.text()).toBe('GET /target ');
    expect(followed.redirected).toBe(true);
    expect(followed.url).toBe(`${base}/target`);
    expect(await (await client.fetch(`${base}/307`, { method: 'POST', body: 'b' })).text()).toBe('POST /target b');
    const manual = await client.fetch(`${base}/302`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    await manual.body?.cancel();
    await expect(client.fetch(`${base}/302`, { redirect: 'error' })).rejects.toThrow(TypeError);
  });

  it('redirects as the Fetch standard says: 303 and 301/302-after-POST drop the body and its fields, 307/308 keep them, Authorization only within the origin, a loop ends at maxRedirects', async () => {
    const seen: string[] = [];
    const record: Parameters<typeof createServer>[1] = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.url} ${req.method} ${Buffer.concat(chunks).toString()} type=${req.headers['content-type'] ?? '-'} auth=${req.headers.authorization ?? '-'}`);
        res.end('done');
      });
    };
    // The other origin: the same host on another port.
    const other = createServer(record);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const base = await nodeServer((req, res) => {
        const [, code, where] = /^\/(\d{3})(\/away)?/.exec(req.url!) ?? [];
        if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
        if (code === undefined) return record(req, res);
        req.resume();
        res.writeHead(Number(code), { location: where === undefined ? '/target' : `${elsewhere}/target` }).end();
      });
      await using client = new HttpClient({ maxRedirects: 3 });
      const init = (method: string): RequestInit => ({ method, body: 'b', headers: { 'content-type': 'text/x', authorization: 'secret' } });
      for (const [path, method] of [['/303', 'PUT'], ['/301', 'POST'], ['/302', 'POST'], ['/307', 'POST'], ['/308', 'PUT'], ['/301', 'PUT'], ['/307/away', 'POST']] as const) {
        const response = await client.fetch(`${base}${path}`, init(method));
        expect(await response.text()).toBe('done');
        expect(response.redirected).toBe(true);
      }
      expect(seen).toEqual([
        '/target GET  type=- auth=secret',
        '/target GET  type=- auth=secret',
        '/target GET  type=- auth=secret',
        '/target POST b type=text/x auth=secret',
        '/target PUT b type=text/x auth=secret',
        '/target PUT b type=text/x auth=secret', // 301 changes only POST
        '/target POST b type=text/x auth=-', // another origin: no Authorization
      ]);
      await expect(client.fetch(`${base}/loop`)).rejects.toThrow(/more than 3 redirects/);
      const stream = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      const streamed: RequestInit & { duplex: 'half' } = { method: 'POST', body: stream, duplex: 'half' };
      await expect(client.fetch(`${base}/307`, streamed)).rejects.toThrow(TypeError);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('abort in the middle of a body errors the stream and closes (does not pool) the connection', async () => {
    const base = await nodeServer((_req, res) => {
      res.write('part');
    });
    await using client = new HttpClient();
    const controller = new AbortController();
    const response = await client.fetch(base, { signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('part');
    const pending = reader.read();
    controller.abort();
    await expect(pending).rejects.toBeDefined();
    expect(client.idleConnections).toBe(0);
    // The pool still works afterwards.
    node!.removeAllListeners('request');
    node!.on('request', echo);
    expect(await (await client.fetch(`${base}/after`)).text()).toBe('GET /after ');
  });

  it('abort while the answer has not come: the fetch rejects with Cancelled (its cause the reason), the connection is closed and its permit freed', async () => {
    let answer = false;
    await using server = await rawServer((socket) => {
      socket.on('data', () => {
        if (answer) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    const closed = new Promise<void>((resolve) => {
      const watch = (): void => void (server.sockets[0] === undefined ? setTimeout(watch, 5) : server.sockets[0].once('close', () => resolve()));
      watch();
    });
    await using client = new HttpClient({ connectionsPerOrigin: 1 });
    const controller = new AbortController();
    const pending = client.fetch(server.url, { signal: controller.signal });
    while (server.sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the request is written; no answer comes
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cancelled);
    expect((error as Cancelled).cause).toBe(reason);
    await closed; // the client closed its side
    expect(client.idleConnections).toBe(0);
    answer = true;
    expect(await (await client.fetch(server.url)).text()).toBe('ok'); // the one permit came back
    expect(server.sockets).toHaveLength(2);
  });

  it('a request aborted while it waits for a pooled connection takes no permit with it', async () => {
    let release: () => void = () => undefined;
    const base = await nodeServer((req, res) => {
      if (req.url === '/slow') release = () => res.end('slow');
      else res.end('fast');
    });
    await using client = new HttpClient({ connectionsPerOrigin: 1 });
    const slow = client.fetch(`${base}/slow`);
    while (connections === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const controller = new AbortController();
    const waiting = client.fetch(`${base}/fast`, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await (await slow).text()).toBe('slow');
    expect(await (await client.fetch(`${base}/fast`)).text()).toBe('fast'); // the one permit came back
    expect(connections).toBe(1);
  });

  it('retries once on a new connection when the server closed the idle one', async () => {
    let first = true;
    const base = await nodeServer((req, res) => {
      echo(req, res);
      if (first) res.on('finish', () => setTimeout(() => req.socket.destroy(), 20)); // closes the idle connection
      first = false;
    });
    await using client = new HttpClient();
    expect(await (await client.fetch(`${base}/1`)).text()).toBe('GET /1 ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await (await client.fetch(`${base}/2`)).text()).toBe('GET /2 ');
    expect(connections).toBe(2);
  });

  it('returns HEAD and 204 responses without a body', async () => {
    const base = await nodeServer((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    await using client = new HttpClient();
    const head = await client.fetch(base, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('5');
    expect(head.body).toBeNull();
    expect((await client.fetch(`${base}/204`)).status).toBe(204);
    expect(await (await client.fetch(base)).text()).toBe('hello');
    expect(connections).toBe(1);
  });

  it('answers a 205 Reset Content with a null body, reusing the connection only when the framed body is empty', async () => {
    const base = await nodeServer((req, res) => {
      res.statusCode = 205;
      res.end();
    });
    await using client = new HttpClient();
    for (let i = 0; i < 2; i++) {
      const response = await client.fetch(base);
      expect(response.status).toBe(205);
      expect(response.body).toBeNull();
      expect(await response.text()).toBe('');
    }
    expect(connections).toBe(1);

    // A server that frames content anyway (here: until close): not read, the connection dropped.
    await using server = await rawServer((socket) => socket.write('HTTP/1.1 205 Reset Content\r\nx-a: 1\r\n\r\nstray'));
    for (let i = 0; i < 2; i++) {
      const response = await client.fetch(server.url);
      expect(response.status).toBe(205);
      expect(response.headers.get('x-a')).toBe('1');
      expect(response.body).toBeNull();
    }
    expect(server.sockets).toHaveLength(2);
  });

  it('refuses a malformed response with HttpError 502', async () => {
    await using server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'));
    await using client = new HttpClient();
    const error: unknown = await client.fetch(server.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(502);
  });
});

describe('HttpClient against python3 -m http.server and against serve()', () => {
  let python: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(() => {
    python?.kill();
    python = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('downloads a file from python3 -m http.server (HTTP/1.0, close-delimited)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-http-'));
    const content = 'p'.repeat(200_000);
    writeFileSync(join(dir, 'file.txt'), content);
    python = spawnChild('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      };
      python!.stdout!.on('data', onData);
      python!.stderr!.on('data', onData);
      python!.once('exit', () => reject(new Error(`python exited: ${out}`)));
      const timer = setTimeout(() => reject(new Error(`python did not start: ${out}`)), 10_000);
      timer.unref();
    });
    await using client = new HttpClient();
    const response = await client.fetch(`http://127.0.0.1:${port}/file.txt`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(content);
    expect((await client.fetch(`http://127.0.0.1:${port}/missing`)).status).toBe(404);
  });

  it('talks to the rt server: keep-alive, JSON round trip', async () => {
    await using server = await serve({}, async (request) => Response.json({ method: request.method, body: await request.json() }));
    await using client = new HttpClient();
    for (let i = 0; i < 3; i++) {
      const response = await client.fetch(`http://${server.addr.toString()}/`, { method: 'POST', body: JSON.stringify({ i }) });
      expect(await response.json()).toEqual({ method: 'POST', body: { i } });
    }
    expect(server.connections).toBe(1);
  });
});
