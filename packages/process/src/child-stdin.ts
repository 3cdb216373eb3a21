import type { AsyncWrite } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { PipeWriter } from './internal/pipe.js';

/**
 * The parent's writing end of a child's stdin (`Child.stdin` when it was
 * `Stdio.piped()`): an `AsyncWrite` as Tokio's `ChildStdin`.
 *
 * Where the native addon is available the pipe is a non-blocking socket driven by the
 * runtime's reactor (`driver` is `'native'`): `write` copies from the caller's buffer
 * straight into the kernel, nothing is buffered in user space and `flush` has nothing to
 * do. Elsewhere it is Node's pipe behind `fromNodeWritable` (`'node'`). `shutdown()`
 * closes the pipe: the child reads end of file. `Child.wait()` does that first, as in Tokio,
 * so a child waiting for its input to end cannot deadlock the wait.
 *
 * **Cancellation:** `write` is cancel safe: aborted before it completes, it rejects with
 * `Cancelled` and no byte was written. `flush` and `shutdown` never wait on the native
 * driver.
 *
 * **Errors:** `BrokenPipe` with `code` `'EPIPE'` (as Node's) when the child closed its
 * stdin (or exited); `StreamClosed` after `close()`/`shutdown()`; an `IoError` whose
 * `code` is the errno name for other OS failures.
 *
 * **Example**
 * ```ts
 * const child = new Command('cat').stdin('piped').stdout('piped').spawn();
 * await writeAll(child.stdin!, Buffer.from('hello'));
 * await child.stdin!.shutdown();
 * await readToString(child.stdout!); // 'hello'
 * ```
 */
export class ChildStdin implements AsyncWrite {
  readonly #pipe: PipeWriter;

  /** @internal Created by `Command.spawn()`. */
  constructor(pipe: PipeWriter) {
    this.#pipe = pipe;
  }

  /** `'native'` (reactor + raw fd) or `'node'` (Node's pipe stream). */
  get driver(): 'native' | 'node' {
    return this.#pipe.driver;
  }

  /** Writes up to `buf.length` bytes; resolves with how many were accepted (at least 1). */
  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#pipe.write(buf, options);
  }

  /** Resolves once written bytes have left user space. */
  flush(options?: WaitOptions): Promise<void> {
    return this.#pipe.flush(options);
  }

  /** Closes the pipe after what was written: the child reads end of file. */
  shutdown(options?: WaitOptions): Promise<void> {
    return this.#pipe.shutdown(options);
  }

  /** Closes the pipe: the child reads end of file after the bytes already accepted; idempotent. */
  close(): void {
    this.#pipe.close();
  }

  [Symbol.dispose](): void {
    this.#pipe.close();
  }
}
