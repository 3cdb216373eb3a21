import { connect, type Socket } from 'node:net';
import { LineSplitter, PROTOCOL_VERSION, parseAddr, type Hello, type Snapshot } from './protocol.js';

/** Longest line the client accepts from a server (a snapshot of many tasks is long). */
const MAX_REPLY = 64 * 1024 * 1024;

/**
 * The client side of the rt-console protocol: one connection to a program's console server.
 * Requests are answered in order; `snapshot()` calls may overlap.
 *
 * **Cancellation:** see {@link ConsoleClient.snapshot}.
 *
 * **Errors:** see {@link ConsoleClient.connect} and {@link ConsoleClient.snapshot}.
 *
 * **Example**
 * ```ts
 * await using client = await ConsoleClient.connect('127.0.0.1:6669');
 * console.log((await client.snapshot()).tasks.length);
 * ```
 */
export class ConsoleClient {
  readonly #socket: Socket;
  readonly #pending: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  #closed: Error | undefined;
  /** The server's first line. */
  readonly hello: Hello;

  private constructor(socket: Socket, hello: Hello, lines: LineSplitter) {
    this.#socket = socket;
    this.hello = hello;
    socket.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) this.#reply(line);
      if (lines.overflow) this.#fail(new Error(`rt-console: reply longer than ${MAX_REPLY} bytes`));
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('rt-console: the program closed the connection')));
  }

  /**
   * Connects to a console server and reads its hello line.
   *
   * **Cancellation:** aborting `options.signal` destroys the connection and rejects.
   *
   * **Errors:** `TypeError` for a bad address; rejects with the connect error (`ECONNREFUSED`),
   * an `Error` when the peer is not an rt-console server or speaks another protocol version,
   * or after `timeout` ms (default 5000).
   *
   * **Example**
   * ```ts
   * const client = await ConsoleClient.connect('127.0.0.1:6669', { timeout: 1000 });
   * ```
   */
  static connect(addr: string, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<ConsoleClient> {
    const { host, port } = parseAddr(addr, 'ConsoleClient.connect');
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setEncoding('utf8');
      const lines = new LineSplitter(MAX_REPLY);
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(new Error('rt-console: connect was aborted', { cause: options.signal?.reason }));
      const timer = setTimeout(() => fail(new Error(`rt-console: no hello from ${addr} within ${options.timeout ?? 5000} ms`)), options.timeout ?? 5000);
      const onData = (chunk: string): void => {
        const [first] = lines.push(chunk);
        if (first === undefined) return;
        let hello: Hello;
        try {
          hello = JSON.parse(first) as Hello;
        } catch {
          return fail(new Error(`rt-console: ${addr} is not an rt-console server`));
        }
        if (hello?.protocol !== 'rt-console') return fail(new Error(`rt-console: ${addr} is not an rt-console server`));
        if (hello.version !== PROTOCOL_VERSION) return fail(new Error(`rt-console: ${addr} speaks protocol version ${hello.version}, this client ${PROTOCOL_VERSION}`));
        cleanup();
        resolve(new ConsoleClient(socket, hello, lines));
      };
      const onError = (error: Error): void => fail(error);
      const onClose = (): void => fail(new Error(`rt-console: ${addr} closed the connection before its hello`));
      function cleanup(): void {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
      }
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort);
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  }

  #reply(line: string): void {
    const pending = this.#pending.shift();
    if (pending === undefined) return;
    let reply: { ok?: unknown; error?: unknown; snapshot?: unknown };
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      return pending.reject(new Error('rt-console: the program sent a reply that is not JSON'));
    }
    if (reply.ok === true) pending.resolve(reply.snapshot);
    else pending.reject(new Error(`rt-console: the program refused: ${String(reply.error)}`));
  }

  #fail(error: Error): void {
    if (this.#closed !== undefined) return;
    this.#closed = error;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }

  /**
   * Asks for one {@link Snapshot}.
   *
   * **Cancellation:** aborting `options.signal` rejects this call and closes the connection
   * (a late reply could not be matched to its request any more); other pending calls reject
   * with the same error.
   *
   * **Errors:** rejects when the connection is closed or fails, or the program refuses.
   *
   * **Example**
   * ```ts
   * const { tasks, warnings } = await client.snapshot();
   * ```
   */
  snapshot(options: { signal?: AbortSignal } = {}): Promise<Snapshot> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new Error('rt-console: snapshot was aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => this.#fail(new Error('rt-console: snapshot was aborted', { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push({
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value as Snapshot);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.#socket.write('{"op":"snapshot"}\n');
    });
  }

  /** Closes the connection; pending snapshots reject. */
  close(): void {
    this.#fail(new Error('rt-console: the client was closed'));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
