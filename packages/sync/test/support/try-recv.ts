// Helpers of the specs of pass rc31 (oneshot `tryRecv` while a `timeout`'s receive holds the value,
// the give-backs), shared by @rt/sync's and @rt/multi-thread's receivers.
import type { TryRecvError } from '@rt/sync';

/** What `tryRecv` says: 'value <v>', or the TryRecvError's kind ('Empty', 'Disconnected'). */
export function tryRecvOf(rx: { tryRecv(): unknown }): string {
  try {
    return `value ${String(rx.tryRecv())}`;
  } catch (error) {
    return (error as TryRecvError).kind;
  }
}

/** What a wait came to, as a string (never rejects): 'value <v>' or 'error <name>'. */
export function outcomeOf(wait: PromiseLike<unknown>): Promise<string> {
  return Promise.resolve(wait).then(
    (v) => `value ${String(v)}`,
    (e: unknown) => `error ${(e as Error).name}`,
  );
}
