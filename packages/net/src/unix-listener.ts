import type { WaitOptions } from '@rt/scheduler';
import { NetError, SocketClosed } from './errors.js';
import type { ListenerHandle } from './internal/driver.js';
import { driverFor } from './internal/select-driver.js';
import { listenOptions } from './tcp-listener.js';
import type { BindOptions } from './tcp-listener.js';
import { describe } from './socket-addr.js';
import { UnixStream, checkPath, toUnixAddr } from './unix-stream.js';
import type { UnixSocketAddr } from './unix-stream.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { chmodSync, unlinkSync } = process.getBuiltinModule('node:fs');

/**
 * Options of {@link UnixListener.bind}: those of `TcpListener.bind` plus the socket file's
 * permission bits.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `RangeError` for a `mode` that is not an integer in 0 … 0o777.
 *
 * **Example**
 * ```ts
 * await UnixListener.bind('/run/app/app.sock', { mode: 0o660 }); // owner and group may connect
 * ```
 */
export interface UnixBindOptions extends BindOptions {
  /**
   * Permission bits of the socket file (connecting needs write permission on it), set with
   * `chmod` right after the listener is created (as Node's `listen({ readableAll,
   * writableAll })` does): until then the file has the process's umask. Default: left as
   * the umask makes it.
   */
  mode?: number;
}

/**
 * A Unix domain socket listening at a filesystem path (Tokio's `UnixListener`).
 *
 * `accept()` resolves with the next {@link UnixStream}; `for await` accepts until closed.
 * `close()` removes the socket file it created.
 *
 * **Cancellation:** `accept` is cancel safe: an abort never loses a connection.
 *
 * **Errors:** `bind` rejects with {@link NetError} `EADDRINUSE` when the path
 * exists, `TypeError`/`RangeError` for a bad path; `accept` with {@link SocketClosed} once
 * closed, `Cancelled` on abort.
 *
 * **Example**
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
   * Creates a socket file at `path` and listens on it; `options.mode` sets the file's
   * permission bits.
   *
   * **Cancellation:** not cancellable (binding does not wait).
   *
   * **Errors:** see {@link UnixListener}; `RangeError` for a bad `mode`; when `chmod` fails the
   * listener is closed (its file removed) and the error is a {@link NetError} with the errno.
   *
   * **Example**
   * ```ts
   * const listener = await UnixListener.bind('/tmp/rt-example.sock', { mode: 0o600 });
   * ```
   */
  static async bind(path: string, options?: UnixBindOptions): Promise<UnixListener> {
    checkPath(path, 'UnixListener.bind');
    const listen = listenOptions(options, 'UnixListener.bind');
    const mode = options?.mode;
    if (mode !== undefined && (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
      throw new RangeError(`UnixListener.bind: mode must be an integer in 0 \u2026 0o777, got ${describe(mode)}`);
    }
    const driver = driverFor(options?.driver);
    const listener = new UnixListener(await driver.listenUnix(path, listen), path);
    if (mode !== undefined) {
      try {
        chmodSync(path, mode);
      } catch (error) {
        listener.close();
        const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
        throw new NetError(errno, 'chmod', `UnixListener.bind: could not set mode ${mode.toString(8)} on ${path}: ${errno}`, { cause: error });
      }
    }
    return listener;
  }

  /**
   * Waits for the next incoming connection and resolves with its stream (FIFO among concurrent callers).
   *
   * **Cancellation:** cancel safe: an abort never loses a connection (it stays queued for the next `accept`).
   *
   * **Errors:** {@link SocketClosed} once the listener is closed; {@link NetError} for a listener-level failure; `Cancelled`.
   *
   * **Example**
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
