import { unlinkSync } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { SocketClosed } from './errors.js';
import type { ListenerHandle } from './internal/driver.js';
import { driverFor } from './internal/select-driver.js';
import { listenOptions } from './tcp-listener.js';
import type { BindOptions } from './tcp-listener.js';
import { UnixStream, checkPath, toUnixAddr } from './unix-stream.js';
import type { UnixSocketAddr } from './unix-stream.js';

/**
 * A Unix domain socket listening at a filesystem path (Tokio's `UnixListener`).
 *
 * `accept()` resolves with the next {@link UnixStream}; `for await` accepts until closed.
 * `close()` removes the socket file it created.
 *
 * **Cancellation:** `accept` is cancel safe: an abort never loses a connection.
 *
 * **Errors:** `bind` rejects with {@link NetError} `ERR_RT_ADDRESS_IN_USE` when the path
 * exists, `TypeError`/`RangeError` for a bad path; `accept` with {@link SocketClosed} once
 * closed, `Cancelled` on abort.
 *
 * **Example:**
 * ```ts
 * await using listener = await UnixListener.bind(join(tmpdir(), 'app.sock'));
 * const stream = await listener.accept();
 * ```
 */
export class UnixListener implements AsyncIterable<UnixStream> {
  readonly #handle: ListenerHandle;
  readonly #path: string;
  #unlinked = false;

  /** @internal Use {@link UnixListener.bind}. */
  constructor(handle: ListenerHandle, path: string) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { accept?: unknown }).accept !== 'function') {
      throw new TypeError('UnixListener cannot be constructed directly: use UnixListener.bind()');
    }
    this.#handle = handle;
    this.#path = path;
  }

  /**
   * Creates a socket file at `path` and listens on it.
   *
   * **Cancellation:** not cancellable (binding does not wait).
   *
   * **Errors:** see {@link UnixListener}.
   *
   * **Example:**
   * ```ts
   * const listener = await UnixListener.bind('/tmp/rt-example.sock');
   * ```
   */
  static async bind(path: string, options?: BindOptions): Promise<UnixListener> {
    checkPath(path, 'UnixListener.bind');
    const listen = listenOptions(options, 'UnixListener.bind');
    const driver = driverFor(options?.driver);
    return new UnixListener(await driver.listenUnix(path, listen), path);
  }

  /**
   * Waits for the next incoming connection and resolves with its stream (FIFO among concurrent callers).
   *
   * **Cancellation:** cancel safe: an abort never loses a connection (it stays queued for the next `accept`).
   *
   * **Errors:** {@link SocketClosed} once the listener is closed; {@link NetError} for a listener-level failure; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * const stream = await listener.accept({ signal });
   * ```
   */
  async accept(options?: WaitOptions): Promise<UnixStream> {
    return new UnixStream(await this.#handle.accept(options));
  }

  /** Accepts a queued connection without waiting; throws WouldBlock when none. */
  tryAccept(): UnixStream {
    return new UnixStream(this.#handle.tryAccept());
  }

  /** The path this listener is bound to. */
  localAddr(): UnixSocketAddr {
    return toUnixAddr(this.#handle.localAddress());
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#handle.closed;
  }

  /** Stops listening, closes queued connections and removes the socket file. Idempotent. */
  close(): void {
    this.#handle.close();
    if (!this.#unlinked) {
      this.#unlinked = true;
      try {
        unlinkSync(this.#path);
      } catch {
        // Already removed (Node's server removes it itself).
      }
    }
  }

  /** `await using listener = await UnixListener.bind(path)`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Accepts in a loop until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<UnixStream> {
    for (;;) {
      let stream: UnixStream;
      try {
        stream = await this.accept();
      } catch (error) {
        if (error instanceof SocketClosed && this.#handle.closed) return;
        throw error;
      }
      yield stream;
    }
  }
}
