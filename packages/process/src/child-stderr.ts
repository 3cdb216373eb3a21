import { ChildPipeReader } from './internal/child-pipe-reader.js';

/**
 * The parent's reading end of a child's stderr (`Child.stderr` when it was `Stdio.piped()`): an
 * `AsyncRead` that reads straight into the caller's buffer, as Tokio's `ChildStderr`.
 *
 * Where the native addon is available the pipe is a non-blocking socket driven by the
 * runtime's reactor (`driver` is `'native'`); elsewhere it is Node's pipe behind
 * `fromNodeReadable` (`'node'`). `read` resolves with the bytes read, 0 at end of file
 * (the child closed its stderr, usually by exiting); at end of file the fd is closed at
 * once, and later reads resolve 0 again. Concurrent reads are served in FIFO order.
 *
 * **Cancellation:** `read` is cancel safe: aborted (its `signal`, or the task) before it
 * completes, it rejects with `Cancelled` and no byte is consumed; the next read gets them.
 *
 * **Errors:** `StreamClosed` (`ERR_RT_STREAM_CLOSED`) after `close()` (including reads
 * pending at that moment) or when the runtime shut down; an `IoError` whose `code` is the
 * errno name for other OS failures.
 *
 * **Example**
 * ```ts
 * const child = new Command('echo').arg('hi').stdout('piped').spawn();
 * const text = await readToString(child.stderr!); // 'hi\n'
 * await child.wait();
 * ```
 */
export class ChildStderr extends ChildPipeReader {}
