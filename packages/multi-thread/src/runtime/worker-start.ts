/**
 * What a multi-thread runtime's entry export receives as its first argument, in every worker:
 * `entry({ index, count, signal }, ...args)`.
 *
 * `index` is the worker's index (0 … count-1; a replacement worker gets the index of the one
 * it replaces), `count` the number of workers, `signal` an AbortSignal that aborts when the
 * runtime shuts down (its reason is a `RuntimeShutdown`) — hand it to non-rt awaits; rt await
 * points inside the entry are aborted by the worker's runtime anyway.
 *
 * **Cancellation:** `signal` is the cancellation.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * // server.js, run by every worker
 * export async function main({ index, signal }) {
 *   await using listener = await TcpListener.bind('127.0.0.1:8080', { reusePort: true });
 *   for await (const stream of listener) spawn(() => serve(stream, index));
 * }
 * ```
 */
export interface WorkerStart {
  /** This worker's index, 0 … count-1. */
  readonly index: number;
  /** How many workers the runtime has. */
  readonly count: number;
  /** Aborts when the runtime shuts down. */
  readonly signal: AbortSignal;
}
