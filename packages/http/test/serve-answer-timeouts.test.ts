// I/O deadlines while the answer is being written: a body read that times out once the
// answer has begun must not put a 408 answer into the middle of the one already going out,
// and a body read that ends while the answer is stalled on a client that never reads must
// not take the write's deadline away.
import { serve, type HttpServer } from '@rt/http';
import { open, readUntil, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

describe('serve: I/O deadlines during the answer', () => {
  it('closes without a 408 when an echoed body stops arriving after the answer began', async () => {
    server = await serve({ limits: { ioTimeout: 300 } }, (request) =>
      // The answer is the request's body (framed by the client's length): its head and first
      // bytes go out, then the read of the rest times out.
      new Response(request.body, { headers: { 'content-length': request.headers.get('content-length')! } }),
    );
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    try {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
      // Everything until the server closes (the read's timeout): the 200 and 'hello', nothing more.
      const all = await readUntil(socket, () => false, 5000).catch((error: unknown) => String(error));
      expect(all).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(all.slice(all.indexOf('\r\n\r\n') + 4)).toBe('hello');
    } finally {
      socket.destroy();
    }
  });

  it('keeps the write timeout when a body read started during the stalled answer ends', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let reads = 0;
    server = await serve({ limits: { ioTimeout: 3000 } }, (request) => {
      // The handler reads the body on its own while the answer streams to a client that never
      // reads: the answer's write stalls, and the second read starts and ends during it.
      const reader = request.body!.getReader();
      void (async () => {
        try {
          while (!(await reader.read()).done) reads++;
        } catch {
          // the connection was dropped
        }
      })();
      return new Response(new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(chunk) }, { highWaterMark: 0 }));
    });
    const socket = await open(server.addr.port);
    socket.pause(); // never reads
    socket.on('error', () => undefined);
    try {
      // The deadline (3 s) leaves the steps below time on a loaded CI machine: they are this
      // thread's own work and timers (~170 ms of waits), and a stall of this process as long as
      // the deadline is a legitimate expiry (at 300 ms a late timer let it drop the connection
      // before 'hello' arrived, reads 0; 1 s left ~0.8 s for a stall, which a jest worker getting
      // a tenth of a core at load ~20 can reach). A read whose end cleared the write's deadline
      // still leaves the connection open past the wait below: the case fails.
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(server.connections).toBe(1); // the answer is stalled
      socket.write('hello'); // the first read (started before the write stalled) ends
      for (let waited = 0; reads < 1 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.write('world'); // the second read (started during the stalled write) ends
      for (let waited = 0; reads < 2 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reads).toBe(2);
      // Dropped on the write timeout (3 s, swept every 250 ms): well within 10 s.
      for (let waited = 0; server.connections > 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.connections).toBe(0);
    } finally {
      socket.destroy();
    }
  });
});
describe('serve: a timeout behind a pipelined answer', () => {
  it.each([
    ['a length', 'Content-Length: 10\r\n\r\nabc'],
    ['chunks', 'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'],
  ])('sends the answer to a pipelined request before the 408 of the next one, whose body (framed by %s) stopped arriving', async (_framing, rest) => {
    server = await serve({ limits: { ioTimeout: 300 } }, async (request) => {
      if (request.method === 'GET') return new Response('first');
      return new Response(await request.text());
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    try {
      // One write: a whole GET, then a POST whose body stops after 3 bytes (of 10, or before its next chunk).
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\n${rest}`);
      // The GET's answer is owed at once (its request was whole), not held behind the POST's body.
      const first = await readUntil(socket, (text) => text.endsWith('first'), 2000);
      expect(statuses(first)).toEqual([200]);
      // Then the POST's read times out: its 408 follows the GET's answer, and the connection closes.
      const all = await readUntil(socket, () => false, 5000).catch((error: unknown) => String(error));
      expect(statuses(first + all)).toEqual([200, 408]);
    } finally {
      socket.destroy();
    }
  });

  it('sends it first as well when the unread body of the next request is drained after its handler returned', async () => {
    // The POST's handler answers without reading its body: the server drains the body before
    // the answer (to keep the connection), and that drain's read is the one that times out.
    server = await serve({ limits: { ioTimeout: 300 } }, (request) => new Response(request.method === 'GET' ? 'first' : 'second'));
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    try {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
      const all = await readUntil(socket, () => false, 5000).catch((error: unknown) => String(error));
      expect(statuses(all)[0]).toBe(200);
      expect(all).toContain('\r\n\r\nfirst');
    } finally {
      socket.destroy();
    }
  });

  it('a 100 Continue owed to the next request goes out after the pipelined answer (review rv)', async () => {
    server = await serve({}, async (request) => {
      if (request.method === 'GET') return new Response('first');
      return new Response(await request.text());
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    try {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
      const first = await readUntil(socket, (t) => t.includes('100 Continue'), 3000);
      expect(first.indexOf('first')).toBeGreaterThan(0);
      expect(first.indexOf('first')).toBeLessThan(first.indexOf('100 Continue'));
      socket.write('xyz');
      const rest = await readUntil(socket, (t) => t.endsWith('xyz'), 3000);
      expect(statuses(first + rest)).toEqual([200, 100, 200]);
    } finally {
      socket.destroy();
    }
  });
});
