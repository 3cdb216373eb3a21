import { constants } from 'node:os';

/**
 * How a child process ended: its exit `code`, or the `signal` that terminated it (as
 * Tokio's `ExitStatus` with `ExitStatusExt::signal`).
 *
 * Exactly one of `code` and `signal` is non-null. `success` is true for code 0.
 *
 * **Cancellation:** not applicable (a plain value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const status = await new Command('sh').args(['-c', 'exit 3']).status();
 * status.success; // false
 * status.code; // 3
 * String(status); // 'exit status: 3'
 * ```
 */
export class ExitStatus {
  /** The exit code, or null when a signal terminated the process. */
  readonly code: number | null;
  /** The terminating signal (`'SIGKILL'`, …), or null when the process exited. */
  readonly signal: NodeJS.Signals | null;

  constructor(code: number | null, signal: NodeJS.Signals | null) {
    this.code = code;
    this.signal = signal;
  }

  /** True when the process exited with code 0. */
  get success(): boolean {
    return this.code === 0;
  }

  /** The signal's number (9 for SIGKILL), or null. */
  get signalNumber(): number | null {
    return this.signal === null ? null : (constants.signals[this.signal] ?? null);
  }

  toString(): string {
    return this.signal !== null ? `signal: ${this.signalNumber ?? '?'} (${this.signal})` : `exit status: ${this.code ?? '?'}`;
  }
}
