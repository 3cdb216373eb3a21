// The signal kinds rt can listen to, and their Unix names.
import { UnknownSignalKind } from './errors.js';

/**
 * A Unix signal a program can listen to with `signal(kind)`, named as Tokio's `SignalKind`
 * constructors (in camelCase):
 *
 * | kind | signal | default action when nobody listens |
 * |---|---|---|
 * | `'interrupt'` | SIGINT (Ctrl-C) | terminate |
 * | `'terminate'` | SIGTERM | terminate |
 * | `'hangup'` | SIGHUP | terminate |
 * | `'quit'` | SIGQUIT | terminate with a core dump |
 * | `'user1'` | SIGUSR1 (Node uses it to start the inspector) | terminate |
 * | `'user2'` | SIGUSR2 | terminate |
 * | `'windowChange'` | SIGWINCH | ignore |
 * | `'child'` | SIGCHLD | ignore |
 *
 * SIGKILL and SIGSTOP are not kinds: no process can catch them.
 *
 * **Cancellation:** not applicable (a type).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const kinds: SignalKind[] = ['interrupt', 'terminate'];
 * ```
 */
export type SignalKind = 'interrupt' | 'terminate' | 'hangup' | 'quit' | 'user1' | 'user2' | 'windowChange' | 'child';

/** Kind → the Unix signal name Node's `process.on` takes. */
const NAMES: Readonly<Record<SignalKind, NodeJS.Signals>> = {
  interrupt: 'SIGINT',
  terminate: 'SIGTERM',
  hangup: 'SIGHUP',
  quit: 'SIGQUIT',
  user1: 'SIGUSR1',
  user2: 'SIGUSR2',
  windowChange: 'SIGWINCH',
  child: 'SIGCHLD',
};

const KINDS = Object.keys(NAMES) as SignalKind[];

/**
 * Returns the Unix name (`'SIGTERM'`) of a signal kind (`'terminate'`).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `UnknownSignalKind` for a value that is not a {@link SignalKind}.
 *
 * **Example**
 * ```ts
 * signalName('windowChange'); // 'SIGWINCH'
 * ```
 */
export function signalName(kind: SignalKind): NodeJS.Signals {
  if (typeof kind === 'string' && Object.prototype.hasOwnProperty.call(NAMES, kind)) return NAMES[kind];
  throw unknownKind(kind);
}

function unknownKind(kind: unknown): UnknownSignalKind {
  const shown = typeof kind === 'string' ? `'${kind}'` : typeof kind === 'symbol' ? kind.toString() : String(kind);
  let message = `unknown signal kind ${shown}: expected one of ${KINDS.map((k) => `'${k}'`).join(', ')}`;
  if (typeof kind === 'string') {
    const upper = kind.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (name === 'SIGKILL' || name === 'SIGSTOP') {
      message += ` (${name} cannot be caught, blocked or ignored by any process)`;
    } else {
      const match = KINDS.find((k) => NAMES[k] === name || k.toLowerCase() === kind.toLowerCase());
      if (match !== undefined) message += ` (did you mean '${match}'?)`;
    }
  }
  return new UnknownSignalKind(kind, message);
}
