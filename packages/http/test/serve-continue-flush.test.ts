// One writer at a time on a connection: a handler that starts reading an `Expect: 100-continue`
// body writes the interim answer (and the pipelined answers before it) from its own task, while
// the connection's loop goes on to answer the request once the handler returns. The two must
// not both write the output buffer: every byte goes out once, in order, and the 100 Continue
// never follows the final answer. The stream below takes at most 1,000 bytes per non-blocking
// write and finishes the rest 20 ms later, so the interim flush is still writing when the
// handler returns (what a slow reader does to a real socket, without depending on buffer sizes).
import { type TcpStream } from '@rt/net';
import { serve, type HttpStream } from '@rt/http';
import { exchange, open, readUntil } from './support/raw.js';

/** What a slow socket looks like to the server: short non-blocking writes, late blocking ones. */
function slowWriter(): { accept(stream: TcpStream): Promise<HttpStream> } {
  return {
    accept(stream: TcpStream): Promise<HttpStream> {
      return Promise.resolve({
        read: (buf: Uint8Array, options?: { signal?: AbortSignal }) => stream.read(buf, options),
        tryWrite: (buf: Uint8Array) => stream.tryWrite(buf.subarray(0, Math.min(buf.length, 1000))),
        writeAll: async (buf: Uint8Array, options?: { signal?: AbortSignal }) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await stream.writeAll(buf, options);
        },
        shutdown: () => stream.shutdown(),
        close: () => stream.close(),
      });
    },
  };
}

const BIG = 'a'.repeat(20_000);

describe('a 100-continue body read started by a handler that answers at once', () => {
  it('sends the pipelined answer before it once, then 100 Continue, then the answer, in order', async () => {
    const reads: Promise<string>[] = [];
    await using server = await serve({ tls: slowWriter() }, (request) => {
      if (new URL(request.url).pathname === '/a') return new Response(BIG);
      // Starts the body read (the 100 Continue goes out) and answers without awaiting it.
      const text = request.text();
      text.catch(() => undefined);
      reads.push(text);
      return new Response('c');
    });
    // Both heads in one write: /a's answer waits in the output buffer (a head is buffered behind
    // it) when /c's handler starts its body read.
    const received = await exchange(
      server.addr.port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n',
    );
    // Runs of the big body shown by their length: a byte sent twice or lost shows as a wrong count.
    const shown = received.replace(/a{100,}/g, (run) => `<a x ${run.length}>`);
    expect(shown).toMatch(
      new RegExp(
        '^HTTP/1\\.1 200 OK\r\n(?:[^\r]*\r\n)*content-length: 20000\r\n(?:[^\r]*\r\n)*\r\n<a x 20000>' +
          // 100 Continue once, before the answer to the request that owes it …
          'HTTP/1\\.1 100 Continue\r\n\r\n' +
          // … whose body read is in flight: the connection cannot be drained, so the answer closes it.
          'HTTP/1\\.1 200 OK\r\n(?:[^\r]*\r\n)*connection: close\r\n(?:[^\r]*\r\n)*\r\nc$',
      ),
    );
    expect(reads).toHaveLength(1);
  });

  it('sends no 100 Continue once the answer has begun: a body the answer reads later is read without one', async () => {
    // The answer's body stream reads the request body only after a pause: its head (chunked)
    // goes out first, and then the read must not put an interim answer into the final one.
    await using server = await serve({}, (request) => {
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          controller.enqueue(new TextEncoder().encode(`got ${await request.text()}`));
          controller.close();
        },
      });
      return new Response(body);
    });
    const socket = await open(server.addr.port);
    try {
      socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
      const head = await readUntil(socket, (text) => text.includes('\r\n\r\n'));
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n(?:[^\r]*\r\n)*transfer-encoding: chunked\r\n/);
      // The client's expect timeout: it sends the body without a 100 Continue.
      socket.write('hello');
      const rest = await readUntil(socket, (text) => text.endsWith('0\r\n\r\n'));
      const all = head + rest;
      expect(all).not.toContain('100 Continue');
      expect(all.slice(all.indexOf('\r\n\r\n') + 4)).toBe('9\r\ngot hello\r\n0\r\n\r\n');
    } finally {
      socket.destroy();
    }
  });
});
