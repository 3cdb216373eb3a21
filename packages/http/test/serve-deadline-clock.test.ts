// The server's timeouts on rt's paused clock: a deadline counts from the moment it is set, not
// from the sweeper's last look at the clock. (Set from the clock as of the last sweep, a
// keep-alive deadline fell due early by the time since that sweep: a tick, more on a loaded
// machine, where timers run late.)
import { Builder, type Runtime } from '@rt/scheduler';
import { advance } from '@rt/time';
import { serve, type HttpServer } from '@rt/http';
import type { Socket } from 'node:net';
import { open, readUntil, statuses } from './support/raw.js';

let runtime: Runtime | undefined;
let server: HttpServer | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  socket = undefined;
  if (runtime !== undefined) {
    await runtime.run(async () => {
      await server?.shutdown({ timeout: 1000 });
    });
    await runtime.shutdown();
  }
  server = undefined;
  runtime = undefined;
});

/** Turns of the event loop until `done()` (the client socket's events arrive on Node's loop). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn === 10_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('serve: deadlines on the paused clock', () => {
  it('keeps an idle connection open for the whole keep-alive timeout counted from its last answer, then closes it', async () => {
    runtime = Builder.currentThread().enableAll().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      // keep-alive 200 ms: the sweeper looks every 50 ms.
      server = await serve({ limits: { keepAliveTimeout: 200, headerTimeout: 10_000 } }, () => new Response('ok'));
      const s = (socket = await open(server.addr.port));
      let closed = false;
      s.on('close', () => void (closed = true));
      s.on('error', () => undefined);
      // 45 ms after the sweeper's last look (the clock it saw is 45 ms old), a request.
      await advance(45);
      const answer = readUntil(s, (text) => text.includes('ok'));
      s.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => server!.connections === 1 && s.bytesRead > 0, 'the first answer');
      expect(statuses(await answer)).toEqual([200]);
      // The answer went out at 45 ms; its keep-alive deadline is 245 ms. At 200 ms (155 ms idle)
      // the connection is still open.
      await advance(5); // a sweep at 50
      await advance(150); // a sweep at 200
      await until(() => true, 'a turn');
      expect(closed).toBe(false);
      expect(server!.connections).toBe(1);
      // At 250 ms (205 ms idle) the sweep closes it.
      await advance(50);
      await until(() => closed, 'the close at the keep-alive timeout');
      expect(server!.connections).toBe(0);
    });
  });
});
