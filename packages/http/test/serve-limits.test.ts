import { serve, type HttpServer } from '@rt/http';
import { exchange, open, readUntil, runnableNow, statuses } from './support/raw.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.shutdown({ timeout: 1000 });
  server = undefined;
});

const hello = (): Response => new Response('hello');

describe('serve: limits and smuggling', () => {
  it.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['duplicate Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na', 400],
    ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1a\r\n\r\na', 400],
    ['an invalid chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n', 400],
    ['an invalid chunk extension', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;\x00\r\na\r\n0\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n', 400],
    ['a NUL in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\0\r\n\r\n', 400],
    ['a bare CR in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n', 400],
    ['an invalid method', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['an invalid target', 'GET nope HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['an unsupported version', 'GET / HTTP/3.0\r\nHost: x\r\n\r\n', 505],
  ])('answers %s with its status, closes, and never reads the pipelined request after it', async (_name, text, status) => {
    let calls = 0;
    server = await serve({}, async (request) => {
      calls++;
      await request.text();
      return hello();
    });
    const reply = await exchange(server.addr.port, `${text}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statuses(reply)).toEqual([status]);
    expect(reply).toContain('connection: close');
    expect(calls).toBeLessThanOrEqual(1); // the chunked ones reach the handler, which sees the error
  });

  it('answers 414, 431 (size and count) and 413 (Content-Length and chunked)', async () => {
    server = await serve({ limits: { maxRequestLine: 100, maxHeaderSize: 1000, maxHeaders: 10, maxBodySize: 1000 } }, async (request) => {
      await request.arrayBuffer();
      return hello();
    });
    const port = server.addr.port;
    expect(statuses(await exchange(port, `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`))).toEqual([414]);
    expect(statuses(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(2000)}\r\n\r\n`))).toEqual([431]);
    const many = Array.from({ length: 11 }, (_, i) => `X-${i}: 1\r\n`).join('');
    expect(statuses(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`))).toEqual([431]);
    expect(statuses(await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n'))).toEqual([413]);
    const chunks = `${'3e8\r\n' + 'a'.repeat(1000)}\r\n`.repeat(2);
    expect(statuses(await exchange(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`))).toEqual([413]);
  });

  it('answers 408 to a head that arrives too slowly (slowloris) and closes an idle keep-alive connection', async () => {
    server = await serve({ limits: { headerTimeout: 300, keepAliveTimeout: 200 } }, hello);
    const slow = await open(server.addr.port);
    // The 408's time is counted only while this thread (the server's and the client's) could
    // run (runnableNow): at load ~20 a jest worker gets about a tenth of a core and can wait
    // seconds for one. A header deadline renewed by each byte never answers 408 (readUntil's
    // 10 s of wall time run out); one that fires late on a thread that could run fails the bound.
    const started = runnableNow();
    const reply = readUntil(slow, () => false, 10_000);
    const drip = setInterval(() => slow.write('X'), 50); // never finishes a head
    slow.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const text = await reply;
    clearInterval(drip);
    slow.destroy();
    expect(statuses(text)).toEqual([408]);
    expect(runnableNow() - started).toBeLessThan(2000);

    const idle = await open(server.addr.port);
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const idleText = await readUntil(idle, () => false, 3000); // resolves on close
    expect(statuses(idleText)).toEqual([200]);
    idle.destroy();
  });

  it('answers 408 and closes when a body trickles in (each read progressing, so ioTimeout never fires) past bodyTimeout', async () => {
    const failures: unknown[] = [];
    const reported: unknown[] = [];
    server = await serve({ limits: { ioTimeout: 5000, bodyTimeout: 300 }, onError: (error) => reported.push(error) }, async (request) => {
      try {
        return new Response(`${(await request.text()).length}`);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    });
    const slow = await open(server.addr.port);
    slow.on('error', () => undefined);
    const reply = readUntil(slow, () => false, 10_000);
    const started = runnableNow(); // (as in the slowloris case above)
    slow.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const drip = setInterval(() => slow.write('a'), 50); // a byte at a time, well within ioTimeout
    let text: string;
    try {
      text = await reply; // resolves on the close
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
    expect(statuses(text)).toEqual([408]);
    expect(runnableNow() - started).toBeLessThan(4000); // well before the 50 s the body would take
    expect(failures).toHaveLength(1); // the handler's read failed with the connection
    expect(failures[0]).toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
    expect(reported).toEqual([]); // the server's own timeout (answered 408), not a handler fault for onError
    expect(server.connections).toBe(0);

    // A body sent at once is answered (the deadline is for the whole body, not per request).
    expect(statuses(await exchange(server.addr.port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`))).toEqual([200]);
  });

  it('takes bodyTimeout: Infinity as no limit on the body: a trickled body is read whole', async () => {
    server = await serve({ limits: { ioTimeout: 5000, bodyTimeout: Infinity } }, async (request) => new Response(`${(await request.text()).length}`));
    expect(server.limits.bodyTimeout).toBe(Infinity);
    const slow = await open(server.addr.port);
    const reply = readUntil(slow, (text) => text.endsWith('\r\n\r\n10'), 5000);
    slow.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n');
    let sent = 0;
    const drip = setInterval(() => sent < 10 && (slow.write('a'), sent++), 30);
    let text: string;
    try {
      text = await reply;
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
    expect(statuses(text)).toEqual([200]);
  });

  it('closes after maxRequestsPerConnection with Connection: close on the last response', async () => {
    server = await serve({ limits: { maxRequestsPerConnection: 2 } }, hello);
    const request = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await exchange(server.addr.port, request.repeat(3));
    expect(statuses(text)).toEqual([200, 200]);
    expect(text.match(/connection: close/g)).toHaveLength(1);
  });

  it('answers 503 to a connection beyond maxConnections', async () => {
    server = await serve({ limits: { maxConnections: 1 } }, hello);
    const first = await open(server.addr.port);
    first.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await readUntil(first, (t) => t.includes('hello'));
    expect(statuses(await exchange(server.addr.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toEqual([503]);
    first.destroy();
  });

  it('holds bounded memory for a client that never reads, and drops it on the write timeout', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let produced = 0;
    server = await serve({ limits: { ioTimeout: 300 } }, () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            produced += chunk.length;
            controller.enqueue(chunk);
          },
        }, { highWaterMark: 0 }),
      ),
    );
    const socket = await open(server.addr.port);
    socket.pause(); // never reads
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    // The write stalls once the socket buffers are full, and the write timeout drops the
    // connection. Waited for (up to 10 s of time this thread could run), not a fixed 600 ms: a
    // starved thread may still be filling the buffers then, and the pulls after it were taken for
    // a stream pulled past them.
    for (const deadline = runnableNow() + 10_000; server.connections > 0 && runnableNow() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(server.connections).toBe(0);
    // Only what fits the socket buffers was produced: the stream was pulled no further.
    expect(produced).toBeLessThan(16 * 1024 * 1024);
    const before = produced;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(produced).toBe(before); // nothing pulled after the drop
    socket.resume();
    await closed;
  });

  it('keeps the write timeout when a read of a cancelled body ends while the answer is stalled', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let answered!: () => void;
    const handlerAnswered = new Promise<void>((resolve) => (answered = resolve));
    // The timeout is long enough that a loaded machine cannot reach it before the check below:
    // the steps up to it are this thread's own (a 100 ms timer), and a stall of this process as
    // long as the timeout is a legitimate expiry. 3 s (was 1.5 s) as in serve-answer-timeouts:
    // a jest worker at load ~20 on 2 cores gets a tenth of a core.
    server = await serve({ limits: { ioTimeout: 3000 } }, async (request) => {
      // A BYOB read whose socket read outlives the cancel that settled it: the connection then
      // answers without draining, and that read ends only when the client sends the body,
      // while the answer below is stuck on a client that never reads.
      const reader = request.body!.getReader({ mode: 'byob' });
      const stale = reader.read(new Uint8Array(16));
      stale.catch(() => undefined);
      await reader.cancel();
      answered();
      return new Response(new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(chunk) }, { highWaterMark: 0 }));
    });
    const socket = await open(server.addr.port);
    socket.pause(); // never reads (so it does not see the close either: the server's count does)
    socket.on('error', () => undefined);
    try {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
      await handlerAnswered;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.connections).toBe(1); // the answer is stalled
      socket.write('hello'); // the stale read ends now, during the stalled write
      // Dropped on the write timeout (3 s, swept every 250 ms): well within 10 s.
      for (let waited = 0; server.connections > 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.connections).toBe(0);
    } finally {
      socket.destroy();
    }
  });
});
