// The cut head read after a large body, attacked: a pipelined mix of large, small, chunked,
// Expect: 100-continue uploads, GETs and HEADs, sent over loopback in pieces split at random
// points (with pauses so the server's reads end anywhere, its cut head read included), read by
// every kind of reader (BYOB views carved out of a guarded buffer and reused, `for await`,
// `arrayBuffer()`, a BYOB read then `cancel()`); and the limits (431, 414, 408, the keep-alive
// timeout, request smuggling) with the head split across the cut read.
import fc from 'fast-check';
import { serve, type HttpServer } from '@rt/http';
import { onCpu } from '../../scheduler/test/support/on-cpu.js';
import { open, pattern, readUntil, runnableNow, statuses } from './support/raw.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const GUARD = 0xa5;
const GUARD_BYTES = 32;

type Kind = 'large' | 'mid' | 'small' | 'chunked' | 'get' | 'head' | 'expect';
type How = 'byob' | 'iterate' | 'buffer' | 'cancel';

/** The body bytes the handler is expected to see, by request target. */
const bodies = new Map<string, Buffer>();

/** Steps the handlers have taken (each body read, each answer): how a waiting test tells a server at work from a stalled one. */
let progress = 0;

/**
 * Reads the body as `x-how` says and checks it against `bodies` byte for byte (a prefix for
 * 'cancel'); BYOB views are carved out of one buffer with guard bytes on both sides (a write
 * past a view's end shows), reused from read to read. Answers `x-r: <target> ok` or the fault.
 */
async function check(request: Request): Promise<Response> {
  const target = new URL(request.url).pathname;
  const expected = bodies.get(target) ?? Buffer.alloc(0);
  const how = (request.headers.get('x-how') ?? 'byob') as How;
  const viewSize = Number(request.headers.get('x-view') ?? 65536);
  let fault = '';
  let got: Buffer;
  progress++;
  if (request.body === null) {
    got = Buffer.alloc(0);
  } else if (how === 'buffer') {
    got = Buffer.from(await request.arrayBuffer());
  } else if (how === 'iterate') {
    const parts: Buffer[] = [];
    for await (const chunk of request.body) {
      parts.push(Buffer.from(chunk));
      progress++;
    }
    got = Buffer.concat(parts);
  } else {
    const memory = new Uint8Array(viewSize + 2 * GUARD_BYTES).fill(GUARD);
    const view = memory.subarray(GUARD_BYTES, GUARD_BYTES + viewSize);
    const reader = request.body.getReader({ mode: 'byob' });
    const parts: Buffer[] = [];
    for (;;) {
      view.fill(0);
      const { done, value } = await reader.read(view);
      progress++;
      for (let i = 0; i < GUARD_BYTES; i++) {
        if (memory[i] !== GUARD || memory[memory.length - 1 - i] !== GUARD) fault ||= 'a read wrote outside its view';
      }
      if (done) break;
      if (value.buffer !== memory.buffer || value.byteOffset !== view.byteOffset || value.byteLength > viewSize || value.byteLength === 0) fault ||= 'a result outside the view';
      parts.push(Buffer.from(value));
      if (how === 'cancel') {
        await reader.cancel();
        break;
      }
    }
    got = Buffer.concat(parts);
  }
  if (how === 'cancel' && request.body !== null) {
    if (!got.equals(expected.subarray(0, got.length)) || (got.length === 0 && expected.length > 0)) fault ||= `not a prefix (${got.length} of ${expected.length})`;
  } else if (!got.equals(expected)) {
    fault ||= `${got.length} bytes, not the ${expected.length} sent`;
  }
  progress++;
  return new Response(`[${target}]`, { headers: { 'x-r': `${target} ${fault === '' ? 'ok' : fault.replace(/[^ -~]/g, '?')}` } });
}

describe('the cut head read, attacked', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.shutdown({ timeout: 1000 });
    server = undefined;
    bodies.clear();
  });

  it('fuzz: a pipelined mix of uploads (large, small, chunked, 100-continue), GETs and HEADs cut anywhere: every answer in order, every body byte for byte, no view written past its end', async () => {
    server = await serve({}, check);
    const port = server.addr.port;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom<Kind>('large', 'large', 'mid', 'small', 'chunked', 'get', 'head', 'expect'),
            size: fc.nat(),
            pad: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
            how: fc.constantFrom<How>('byob', 'byob', 'iterate', 'buffer', 'cancel'),
            view: fc.constantFrom(1, 7, 1000, 4096, 65536, 100_000),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        // Where the wire is cut: anywhere (a fraction of it), and near the start of a request's head
        // (where the cut head read and the head's end meet); each piece is followed by a pause or
        // a turn of the event loop.
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), wait: fc.boolean() }), { maxLength: 30 }),
        fc.array(fc.record({ request: fc.nat(), offset: fc.integer({ min: 0, max: 1500 }), wait: fc.boolean() }), { maxLength: 12 }),
        async (requests, anywhere, nearHeads) => {
          run++;
          const wire: Buffer[] = [];
          const expected: string[] = [];
          const heads: number[] = [];
          requests.forEach(({ kind, size, pad, how: asked, view }, i) => {
            heads.push(wire.reduce((sum, b) => sum + b.length, 0));
            // 'cancel' leaves the rest of the body unread: only for bodies the server drains (at most 64 KiB, no 100-continue owed).
            const how = asked === 'cancel' && kind !== 'mid' ? 'byob' : asked;
            const target = `/${run}-${i}`;
            const extra = `${pad > 0 ? `X-Pad: ${'x'.repeat(pad)}\r\n` : ''}X-How: ${how}\r\nX-View: ${view}\r\n`;
            expected.push(`${target} ok`);
            if (kind === 'get' || kind === 'head') {
              wire.push(Buffer.from(`${kind === 'get' ? 'GET' : 'HEAD'} ${target} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`));
              return;
            }
            const length = kind === 'small' ? size % 2000 : kind === 'mid' ? 16_385 + (size % 40_000) : 16_385 + (size % 150_000);
            const body = pattern(length + i).subarray(i);
            bodies.set(target, body);
            if (kind === 'chunked') {
              const chunks: Buffer[] = [];
              for (let at = 0, step = 1 + (size % 9000); at < body.length; at += step) {
                const piece = body.subarray(at, at + step);
                chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
              }
              // (Pushed one by one: a body of ~166k one-byte chunks is ~500k buffers, too many to spread as arguments.)
              wire.push(Buffer.from(`POST ${target} HTTP/1.1\r\nHost: a\r\n${extra}Transfer-Encoding: chunked\r\n\r\n`));
              for (const chunk of chunks) wire.push(chunk);
              wire.push(Buffer.from('0\r\n\r\n'));
            } else {
              const expect = kind === 'expect' ? 'Expect: 100-continue\r\n' : '';
              wire.push(Buffer.from(`POST ${target} HTTP/1.1\r\nHost: a\r\n${extra}${expect}Content-Length: ${body.length}\r\n\r\n`), body);
            }
          });
          const answered = requests.length; // every request is answered (no body left undrainable)
          const all = Buffer.concat(wire);
          const cuts = new Map<number, boolean>();
          for (const { at, wait } of anywhere) cuts.set(Math.floor(at * all.length), wait);
          for (const { request, offset, wait } of nearHeads) cuts.set(Math.min(all.length, heads[request % heads.length]! + offset), wait);
          cuts.set(all.length, false);
          const points = [...cuts.keys()].sort((a, b) => a - b);
          const socket = await open(port);
          try {
            let text = '';
            socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
            socket.on('error', () => undefined);
            let from = 0;
            for (const to of points) {
              if (to <= from || socket.destroyed) continue;
              socket.write(all.subarray(from, to));
              from = to;
              if (cuts.get(to) === true) await pause(3);
              else await new Promise((resolve) => setImmediate(resolve));
            }
            const results = (): string[] => [...text.matchAll(/\r\nx-r: ([^\r]*)\r\n/gi)].map((m) => m[1]!);
            // Wait while the server is at work: until every answer is in, or nothing moved (no body
            // read, no answer, no byte sent back) for 10 s in which this thread (the server's and
            // the client's) could run: time spent waiting for a CPU is not counted. A bound on the
            // whole wait was wrong: the work per case varies (a 100 KB body read through 1-byte
            // views is 100,000 reads: at load ~10 one case took 9.7 s, and a fixed 10 s failed
            // with the answer still coming), and at load 12-15 with this thread getting a tenth of
            // a core, 10 s of wall time without a counted step failed as well. A stalled server
            // sits idle, not waiting for a CPU, so its 10 s pass at the speed of the clock.
            let seen = '';
            for (let still = runnableNow(); results().length < answered && runnableNow() - still < 10_000; ) {
              await pause(2);
              const now = `${progress} ${text.length}`;
              if (now !== seen) {
                seen = now;
                still = runnableNow();
              }
            }
            expect(results()).toEqual(expected.slice(0, answered));
            expect(statuses(text).filter((s) => s !== 100)).toEqual(expected.slice(0, answered).map(() => 200));
          } finally {
            socket.destroy();
          }
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
    // A bound on the work, not a speed claim: the 60 cases (random each run) are 10-16 s of CPU
    // here, so a thread that gets a tenth of a core (load ~20 on 2 cores) needs 100-160 s; one
    // round at load 12-15 with valgrind beside it took 163 s of the 180 s this had. A stalled
    // server fails its case within 10 s of runnable time (above), far inside this limit.
  }, 400_000);

  /** Sends a large upload, waits for its answer (so the next head read is the cut one), then `next` in pieces. */
  async function afterLargeUpload(port: number, next: Buffer, piece: number, until: (text: string) => boolean, ms = 5000): Promise<{ text: string; closed: boolean }> {
    const socket = await open(port);
    try {
      const body = pattern(100_000);
      bodies.set('/big', body);
      const first = readUntil(socket, (text) => text.includes('[/big]'));
      socket.write(Buffer.concat([Buffer.from(`POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      await first;
      let text = '';
      let closed = false;
      socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
      socket.on('end', () => void (closed = true));
      socket.on('close', () => void (closed = true));
      socket.on('error', () => undefined);
      await pause(20);
      for (let at = 0; at < next.length && !closed; at += piece) {
        socket.write(next.subarray(at, at + piece));
        await pause(2);
      }
      // (Both waits count only time this thread could run: see runnableNow. The server runs on
      // it too, so a thread held off the CPU is no late answer; a server that never answers or
      // never closes still runs out both.)
      for (const deadline = runnableNow() + ms; !until(text) && !closed && runnableNow() < deadline; ) await pause(2);
      for (const deadline = runnableNow() + 1000; !closed && runnableNow() < deadline; ) await pause(2);
      return { text, closed };
    } finally {
      socket.destroy();
    }
  }

  it('a head over the header limit after a large upload (split across the cut read) is answered 431 and the connection closed', async () => {
    server = await serve({}, check);
    const head = Buffer.from(`GET /h HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 40 }, (_, i) => `X-F${i}: ${'v'.repeat(500)}\r\n`).join('')}\r\n`);
    const { text, closed } = await afterLargeUpload(server.addr.port, head, 700, (t) => /HTTP\/1\.1 4\d\d/.test(t));
    expect(statuses(text)).toEqual([431]);
    expect(closed).toBe(true);
  });

  it('a request line over its limit after a large upload is answered 414 and the connection closed', async () => {
    server = await serve({}, check);
    const { text, closed } = await afterLargeUpload(server.addr.port, Buffer.from(`GET /${'u'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`), 600, (t) => /HTTP\/1\.1 4\d\d/.test(t));
    expect(statuses(text)).toEqual([414]);
    expect(closed).toBe(true);
  });

  it('Content-Length and Transfer-Encoding together after a large upload, the conflict past the cut read: 400, closed, the smuggled request never answered', async () => {
    server = await serve({}, check);
    const wire = Buffer.from(
      `POST /s HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(1100)}\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n`,
    );
    const { text, closed } = await afterLargeUpload(server.addr.port, wire, 1024, (t) => /HTTP\/1\.1 4\d\d/.test(t));
    expect(statuses(text)).toEqual([400]);
    expect(text).not.toContain('smuggled');
    expect(closed).toBe(true);
  });

  it('a head that stalls after the cut read is answered 408 at the header timeout', async () => {
    server = await serve({ limits: { headerTimeout: 300 } }, check);
    // 1.5 KiB of a head, never finished: more than the cut read (1 KiB) takes.
    const { text, closed } = await afterLargeUpload(server.addr.port, Buffer.from(`GET /slow HTTP/1.1\r\nHost: a\r\nX-Pad: ${'s'.repeat(1500)}\r\n`), 2000, (t) => /HTTP\/1\.1 408/.test(t), 3000);
    expect(statuses(text)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it('an idle connection after a large upload is closed at the keep-alive timeout, and one that sends in time is answered', async () => {
    // 1 s: the busy connection's next head starts ~20 ms after its answer, in pieces 2 ms apart;
    // at 200 ms a loaded CI machine (load ~10, the client's timers in the same process) let the
    // deadline pass first (no answer).
    server = await serve({ limits: { keepAliveTimeout: 1000 } }, check);
    const idle = await afterLargeUpload(server.addr.port, Buffer.alloc(0), 1, () => false, 4000);
    expect(idle.text).toBe('');
    expect(idle.closed).toBe(true);
    // The busy connection's steps between its answer and its next head are this thread's own
    // (~20 ms of timers): a stall of this thread as long as the keep-alive (1 s; possible for a
    // jest worker getting a tenth of a core at load ~20) is a legitimate expiry, so the exchange
    // runs again when this thread waited for a CPU for more than 500 ms during it (onCpu, at
    // most 5 runs). A deadline that closes a connection whose head came in time fails each run.
    const busy = await onCpu(
      () => afterLargeUpload(server!.addr.port, Buffer.from('GET /next HTTP/1.1\r\nHost: a\r\n\r\n'), 5, (t) => t.includes('[/next]')),
      { slackMs: 500 },
    );
    expect(statuses(busy.text)).toEqual([200]);
    expect(busy.text).toContain('x-r: /next ok');
  });
});

describe('a body behind a large one that the client ends early', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.shutdown({ timeout: 1000 });
    server = undefined;
  });

  it.each([
    ['20 KB more, then the FIN', 20_000],
    ['the FIN at once (the read that takes the buffered bytes finds the end of stream)', 0],
  ])('a FIN inside the body after the cut head read took some of it (%s): the handler gets exactly the bytes sent, in order, then ERR_RT_HTTP_INCOMPLETE; the connection is freed', async (_, more) => {
    const outcomes: { got: Buffer; error: string }[] = [];
    server = await serve({}, async (request) => {
      const reader = request.body!.getReader({ mode: 'byob' });
      const parts: Buffer[] = [];
      const memory = new Uint8Array(64 * 1024);
      try {
        for (let r = await reader.read(memory); !r.done; r = await reader.read(memory)) parts.push(Buffer.from(r.value));
        outcomes.push({ got: Buffer.concat(parts), error: '' });
      } catch (error) {
        outcomes.push({ got: Buffer.concat(parts), error: (error as { code?: string }).code ?? String(error) });
      }
      return new Response(String(Buffer.concat(parts).length));
    });
    const socket = await open(server.addr.port);
    socket.on('error', () => undefined);
    const large = pattern(100_000);
    const first = readUntil(socket, (text) => text.endsWith('100000'));
    socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${large.length}\r\n\r\n`), large]));
    await first;
    await pause(20);
    // The head and 700 body bytes in one piece (the cut read takes them with it), `more` bytes, then FIN.
    socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${large.length}\r\n\r\n`), large.subarray(0, 700)]));
    if (more > 0) {
      await pause(20);
      socket.write(large.subarray(700, 700 + more));
      await pause(20);
    }
    socket.end();
    for (const deadline = runnableNow() + 5000; outcomes.length < 2 && runnableNow() < deadline; ) await pause(5);
    expect(outcomes[0]!.got.equals(large)).toBe(true);
    expect(outcomes[1]!.error).toBe('ERR_RT_HTTP_INCOMPLETE');
    expect(outcomes[1]!.got.equals(large.subarray(0, 700 + more))).toBe(true);
    for (const deadline = runnableNow() + 5000; server.connections > 0 && runnableNow() < deadline; ) await pause(5);
    expect(server.connections).toBe(0);
    socket.destroy();
  });
});
