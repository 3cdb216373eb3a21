// `ctrlC()`: wait for the next SIGINT (Tokio's `tokio::signal::ctrl_c`).
import type { WaitOptions } from '@rt/scheduler';
import { Signal } from './signal.js';

/**
 * Resolves on the next SIGINT (Ctrl-C in a terminal) delivered after the call.
 *
 * It listens to SIGINT only while it waits: while it is pending, Ctrl-C resolves it instead
 * of ending the process; once it has settled (and no other `Signal` of kind `'interrupt'` is
 * open), SIGINT's default action is back, so a second Ctrl-C ends the process. To handle
 * every Ctrl-C, keep a stream open instead: `for await (const _ of signal('interrupt'))`.
 * A pending `ctrlC()` keeps the process alive; the task waiting in it shows in `dump()` as
 * waiting on `'signal.recv'`.
 *
 * **Cancellation:** cancel safe: aborting it (task abort or `options.signal`) stops the
 * listening and loses nothing, since deliveries before the next call are never seen anyway.
 *
 * **Errors:** rejects with `Cancelled` when aborted, TypeError for malformed `options`;
 * `SignalUnavailable` in a worker thread.
 *
 * **Example**
 * ```ts
 * const server = spawn(serve);
 * await ctrlC();
 * server.abort();
 * ```
 */
export async function ctrlC(options?: WaitOptions): Promise<void> {
  const interrupt = new Signal('interrupt');
  try {
    await interrupt.recv(options);
  } finally {
    interrupt.close();
  }
}
