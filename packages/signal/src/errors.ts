// The typed errors of @rt/signal. Both extend the scheduler's `RtError` and have a stable
// `code`.
import { RtError } from '@rt/scheduler';

/**
 * `signal(kind)` was given a kind rt does not know; `kind` holds the value as given.
 *
 * The known kinds are listed in {@link SignalKind}. SIGKILL and SIGSTOP are not among them
 * because no process can catch them: the kernel acts on them without asking.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_UNKNOWN_SIGNAL_KIND`.
 *
 * **Example**
 * ```ts
 * try { signal('SIGTERM' as SignalKind); } catch (error) {
 *   if (error instanceof UnknownSignalKind) console.log(error.message); // …did you mean 'terminate'?
 * }
 * ```
 */
export class UnknownSignalKind extends RtError {
  override readonly name = 'UnknownSignalKind';
  /** The value that was passed as the kind. */
  readonly kind: unknown;

  constructor(kind: unknown, message: string) {
    super('ERR_RT_UNKNOWN_SIGNAL_KIND', message);
    this.kind = kind;
  }
}

/**
 * Signals cannot be received here: Node delivers `process.on('SIG…')` events only to the
 * main thread, so a `Signal` created in a worker thread would never fire.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_SIGNAL_UNAVAILABLE`.
 *
 * **Example**
 * ```ts
 * try { signal('hangup'); } catch (error) {
 *   if (error instanceof SignalUnavailable) reloadOnMessageInstead();
 * }
 * ```
 */
export class SignalUnavailable extends RtError {
  override readonly name = 'SignalUnavailable';

  constructor(message: string) {
    super('ERR_RT_SIGNAL_UNAVAILABLE', message);
  }
}
