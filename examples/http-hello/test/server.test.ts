// http-hello driven by Node's own HTTP clients (http.request with a keep-alive Agent, and
// fetch) and by raw sockets for what a well-behaved client never sends.
import http from 'node:http';
import net from 'node:net';
import { HttpServer } from '../src/server.js';

let server: HttpServer;
let serving: Promise<void>;

beforeEach(async () => {
  server = await HttpServer.bind({ port: 0, limits: { maxHeaderSize: 1024, maxBodySize: 4096 } });
  serving = server.run();
});

afterEach(async () => {
  await server.shutdown();
  await serving;
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: net.Socket;
}

function request(options: http.RequestOptions, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, ...options }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, socket: res.socket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes and resolves with everything received until the server closes. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let seen = '';
    socket.on('data', (chunk) => (seen += chunk.toString('latin1')));
    socket.on('end', () => resolve(seen));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('http-hello', () => {
  it('answers GET with Hello, World! and the headers a client needs', async () => {
    const reply = await request({ path: '/' });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('Hello, World!');
    expect(reply.headers['content-length']).toBe('13');
    expect(reply.headers['content-type']).toBe('text/plain');
    expect(new Date(reply.headers.date!).getTime()).not.toBeNaN();
  });

  it('answers HEAD with the headers and no body', async () => {
    const reply = await request({ method: 'HEAD', path: '/anything' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('13');
    expect(reply.body).toBe('');
  });

  it('keeps the connection alive across requests with a keep-alive Agent', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<net.Socket>();
      for (let i = 0; i < 20; i++) {
        const reply = await request({ path: `/${i}`, agent });
        expect(reply.body).toBe('Hello, World!');
        sockets.add(reply.socket);
      }
      expect(sockets.size).toBe(1);
      expect(server.connections).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('echoes a Content-Length body on POST /echo, binary safe', async () => {
    const body = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(i % 256)).join('');
    const reply = await request({ method: 'POST', path: '/echo', headers: { 'content-length': Buffer.byteLength(body, 'latin1') } }, Buffer.from(body, 'latin1'));
    expect(reply.status).toBe(200);
    expect(Buffer.from(reply.body, 'latin1')).toEqual(Buffer.from(body, 'latin1'));
  });

  it('echoes a chunked body (curl -T - style)', async () => {
    const seen = await raw('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    expect(seen).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 5\r\n[\s\S]*\r\n\r\nabcde$/);
  });

  it('works with fetch', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/hello`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Hello, World!');
    const echoed = await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: 'ping' });
    expect(await echoed.text()).toBe('ping');
  });

  it('answers pipelined requests in order on one connection', async () => {
    const requests = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const seen = await raw(requests);
    const statuses = seen.match(/HTTP\/1\.1 \d+/g);
    expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(seen.split('Hello, World!').length - 1).toBe(2); // GET /a and GET /c, not HEAD
    expect(seen).toMatch(/content-length: 5\r\n[\s\S]*hello/);
    expect(seen.endsWith('connection: close\r\n\r\nHello, World!')).toBe(true);
  });

  it('closes after a response to Connection: close, and after HTTP/1.0 without keep-alive', async () => {
    const closed = await raw('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(closed).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n\r\nHello, World!$/);
    const old = await raw('GET / HTTP/1.0\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*Hello, World!$/);
  });

  it('keeps an HTTP/1.0 connection alive when asked', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    let seen = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1');
        if (seen.split('Hello, World!').length === 3) resolve();
      });
      socket.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      socket.write('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
    });
    expect(seen).toContain('connection: keep-alive\r\n');
    socket.destroy();
  });

  it.each([
    ['a bare LF', 400, 'GET / HTTP/1.1\nHost: x\n\n'],
    ['no Host on HTTP/1.1', 400, 'GET / HTTP/1.1\r\n\r\n'],
    ['two Host headers', 400, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['whitespace before the colon', 400, 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['obsolete line folding', 400, 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n'],
    ['a malformed method', 400, 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a malformed version', 400, 'GET / HTTP/x.1\r\nHost: x\r\n\r\n'],
    ['Transfer-Encoding with Content-Length', 400, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['conflicting Content-Length', 400, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['a signed Content-Length', 400, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na'],
    ['a control character in a value', 400, 'GET / HTTP/1.1\r\nHost: x\u0001\r\n\r\n'],
    ['HTTP/2.0', 505, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'],
    ['a body above the limit', 413, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4097\r\n\r\n'],
    ['a head above the limit', 431, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`],
  ])('answers %s with %d and closes', async (_what, status, bytes) => {
    const seen = await raw(bytes);
    expect(seen).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [A-Za-z ]+\\r\\n[\\s\\S]*connection: close\\r\\n`, 'i'));
  });

  it('answers 405 for other methods and 404 for POST elsewhere, keeping the connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const deleted = await request({ method: 'DELETE', path: '/', agent });
      expect(deleted.status).toBe(405);
      expect(deleted.headers.allow).toBe('GET, HEAD, POST, PUT');
      const posted = await request({ method: 'POST', path: '/nowhere', agent, headers: { 'content-length': 2 } }, 'hi');
      expect(posted.status).toBe(404);
      expect(posted.socket).toBe(deleted.socket);
    } finally {
      agent.destroy();
    }
  });

  it('shuts down gracefully: idle keep-alive connections close, new ones are refused', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      await request({ path: '/', agent });
      expect(server.connections).toBe(1);
      await server.shutdown();
      await serving;
      expect(server.connections).toBe(0);
      await expect(request({ path: '/', agent: false })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });

  it('rejects bad options at once', async () => {
    await expect(HttpServer.bind({ port: -1 })).rejects.toThrow(/port must be an integer in 0–65535, got -1/);
    await expect(HttpServer.bind({ port: 0, limits: { maxBodySize: 0 } })).rejects.toThrow(RangeError);
  });
});
