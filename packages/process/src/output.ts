import type { ExitStatus } from './exit-status.js';

/**
 * What `Command.output()` collected: the exit status and everything the child wrote to
 * stdout and stderr (empty Buffers for streams that were not piped), as Tokio's `Output`.
 *
 * **Cancellation:** not applicable (a plain value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { status, stdout, stderr } = await new Command('ls').output();
 * ```
 */
export interface Output {
  readonly status: ExitStatus;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}
