import { createServer, type Server } from 'node:http';
import { ConsoleClient } from './client.js';
import { PAGE } from './page.js';
import { isLoopback, parseAddr } from './protocol.js';

/**
 * The local web UI of rt-console: serves the live task page and `/api/snapshot` (the last
 * snapshot of the program at `target`, as JSON), reconnecting to the program when the
 * connection drops.
 *
 * **Cancellation:** not applicable; `close()` stops it.
 *
 * **Errors:** see {@link serveWebUi}.
 *
 * **Example**
 * ```ts
 * const ui = await serveWebUi('127.0.0.1:6669', { addr: '127.0.0.1:0' });
 * console.log(ui.url);
 * ```
 */
export class WebUi {
  /** @internal */
  constructor(
    readonly url: string,
    readonly close: () => void,
  ) {}
}

/**
 * Starts the rt-console web UI for the program whose console server is at `target`, on
 * `options.addr` (default `127.0.0.1:6670`; loopback only).
 *
 * **Cancellation:** not cancellable; close the returned {@link WebUi}.
 *
 * **Errors:** `TypeError` for a bad or non-loopback address; rejects with the listen error.
 *
 * **Example**
 * ```ts
 * const ui = await serveWebUi('127.0.0.1:6669');
 * ```
 */
export async function serveWebUi(target: string, options: { addr?: string } = {}): Promise<WebUi> {
  parseAddr(target, 'serveWebUi');
  const { host, port } = parseAddr(options.addr ?? '127.0.0.1:6670', 'serveWebUi');
  if (!isLoopback(host)) throw new TypeError(`serveWebUi: ${host} is not a loopback address`);
  let client: Promise<ConsoleClient> | undefined;
  const snapshot = async (): Promise<unknown> => {
    client ??= ConsoleClient.connect(target, { timeout: 2000 });
    try {
      return await (await client).snapshot();
    } catch (error) {
      const stale = client;
      client = undefined;
      void stale.then((c) => c.close(), () => {});
      throw error;
    }
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/' || request.url === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    } else if (request.url === '/api/snapshot') {
      snapshot().then(
        (value) => response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value)),
        (error: unknown) => response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) })),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return new WebUi(`http://${shown}:${bound}/`, () => {
    server.close();
    server.closeAllConnections();
    void client?.then((c) => c.close(), () => {});
  });
}
