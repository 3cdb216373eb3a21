/** The string forms accepted wherever a {@link Stdio} is. */
export type StdioKind = 'piped' | 'inherit' | 'null';

/**
 * What a child's stdin, stdout or stderr is connected to: a new pipe (`piped`), the
 * parent's own stream (`inherit`) or `/dev/null` (`null`), as Tokio's `Stdio`.
 *
 * `Command.stdin/stdout/stderr` also accept the strings `'piped'`, `'inherit'`, `'null'`.
 *
 * **Cancellation:** not applicable (a plain value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const child = new Command('cat').stdin(Stdio.piped()).stdout(Stdio.null()).spawn();
 * ```
 */
export class Stdio {
  /** Which kind of connection. */
  readonly kind: StdioKind;

  private constructor(kind: StdioKind) {
    this.kind = kind;
  }

  /** A new pipe between parent and child: the `Child` gets the parent's end. */
  static piped(): Stdio {
    return PIPED;
  }

  /** The child uses the parent's corresponding stream. */
  static inherit(): Stdio {
    return INHERIT;
  }

  /** The stream is connected to `/dev/null`. */
  static null(): Stdio {
    return NULL;
  }

  /** @internal Parses a Stdio or its string form; `what` names the argument in errors. */
  static from(value: Stdio | StdioKind, what: string): Stdio {
    if (value instanceof Stdio) return value;
    if (value === 'piped') return PIPED;
    if (value === 'inherit') return INHERIT;
    if (value === 'null') return NULL;
    throw new TypeError(`${what}: expected Stdio.piped(), Stdio.inherit(), Stdio.null() or 'piped' | 'inherit' | 'null', got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
}

const PIPED = new (Stdio as unknown as new (kind: StdioKind) => Stdio)('piped');
const INHERIT = new (Stdio as unknown as new (kind: StdioKind) => Stdio)('inherit');
const NULL = new (Stdio as unknown as new (kind: StdioKind) => Stdio)('null');
