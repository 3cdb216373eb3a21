import { RtError } from '@rt/scheduler';

/**
 * What an {@link IoError} says beyond its message: Tokio's `kind`, and for an error the
 * operating system reported (a child pipe's `EPIPE`, …) the errno name as `code`, the
 * negative `errno` and the `syscall`, as Node's system errors carry them.
 */
export interface IoErrorOptions extends ErrorOptions {
  /** The errno name of an OS error (`'EPIPE'`); it becomes `code` instead of the class's `ERR_RT_…` code. */
  readonly code?: string;
  /** The negative errno of an OS error, e.g. `-32`. */
  readonly errno?: number | undefined;
  /** The call that failed, e.g. `'write'`. */
  readonly syscall?: string;
  /** Tokio's `io::ErrorKind` name; each subclass has its own default. */
  readonly kind?: string;
}

/**
 * Base class of every error `@rt/io` raises itself (errors of the underlying stream pass
 * through unchanged).
 *
 * Each subclass has a stable `code` (`ERR_RT_…`), a `name` equal to its class name and
 * Tokio's `kind` (`'UnexpectedEof'`, `'WriteZero'`, `'BrokenPipe'`, `'InvalidData'`,
 * `'ResourceBusy'`, `'Other'`), so code can branch on `error.code` or `error.kind` without
 * importing the classes. When the operating system reported the condition (a write to a
 * child's closed pipe), `code` is the errno name instead (`'EPIPE'`), with `errno` and
 * `syscall` as in Node.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await readExact(reader, header); }
 * catch (error) { if (error instanceof IoError) console.log(error.code); else throw error; }
 * ```
 */
export class IoError extends RtError {
  /** Tokio's grouping: `'UnexpectedEof'`, `'BrokenPipe'`, …, `'Other'`. */
  readonly kind: string;
  /** The negative errno when the operating system reported this error, else undefined. */
  readonly errno?: number | undefined;
  /** The call that failed when the operating system reported this error. */
  readonly syscall?: string;

  constructor(code: string, message: string, options?: IoErrorOptions) {
    super(options?.code ?? code, message, options);
    this.name = new.target.name;
    this.kind = options?.kind ?? 'Other';
    if (options?.errno !== undefined) this.errno = options.errno;
    if (options?.syscall !== undefined) this.syscall = options.syscall;
  }
}

/**
 * The stream ended (`read` returned 0) before the operation had all the bytes it needs:
 * `readExact` and the typed reads (`readU32`, …). Tokio's `ErrorKind::UnexpectedEof`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const [a, b] = duplex(64);
 * await writeAll(a, Uint8Array.of(1, 2)); await a.shutdown();
 * await readExact(b, new Uint8Array(4)); // rejects with UnexpectedEof (code ERR_RT_UNEXPECTED_EOF)
 * ```
 */
export class UnexpectedEof extends IoError {
  constructor(message = 'early end of stream', options?: IoErrorOptions) {
    super('ERR_RT_UNEXPECTED_EOF', message, { kind: 'UnexpectedEof', ...options });
  }
}

/**
 * A writer accepted 0 bytes of a non-empty buffer, so `writeAll` (or `copy`) cannot make
 * progress. Tokio's `ErrorKind::WriteZero`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const stuck = { write: async () => 0, flush: async () => {}, shutdown: async () => {} };
 * await writeAll(stuck, Uint8Array.of(1)); // rejects with WriteZero (code ERR_RT_WRITE_ZERO)
 * ```
 */
export class WriteZero extends IoError {
  constructor(message = 'failed to write whole buffer', options?: IoErrorOptions) {
    super('ERR_RT_WRITE_ZERO', message, { kind: 'WriteZero', ...options });
  }
}

/**
 * A write to a stream whose writing side was shut down, or whose reader is gone (closed).
 * Tokio's `ErrorKind::BrokenPipe`; the OS calls it `EPIPE`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const [a, b] = duplex(64);
 * b.close();
 * await a.write(Uint8Array.of(1)); // rejects with BrokenPipe (code ERR_RT_BROKEN_PIPE)
 * ```
 */
export class BrokenPipe extends IoError {
  constructor(message = 'broken pipe', options?: IoErrorOptions) {
    super('ERR_RT_BROKEN_PIPE', message, { kind: 'BrokenPipe', ...options });
  }
}

/**
 * An operation on a stream that was closed by its own owner (`close()` or
 * `Symbol.dispose`).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const [a] = duplex(64);
 * a.close();
 * await a.read(new Uint8Array(8)); // rejects with StreamClosed (code ERR_RT_STREAM_CLOSED)
 * ```
 */
export class StreamClosed extends IoError {
  constructor(message = 'stream is closed', options?: IoErrorOptions) {
    super('ERR_RT_STREAM_CLOSED', message, options);
  }
}

/**
 * The data is not valid for the operation: `readToString` / `readLine` / `lines()` met
 * bytes that are not UTF-8. Tokio's `ErrorKind::InvalidData`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const [a, b] = duplex(64);
 * await writeAll(a, Uint8Array.of(0xff)); await a.shutdown();
 * await readToString(b); // rejects with InvalidData (code ERR_RT_INVALID_DATA)
 * ```
 */
export class InvalidData extends IoError {
  constructor(message = 'stream did not contain valid UTF-8', options?: IoErrorOptions) {
    super('ERR_RT_INVALID_DATA', message, { kind: 'InvalidData', ...options });
  }
}

/**
 * A line (or a `readUntil` segment) grew past the reader's `maxLineLength` before its
 * delimiter arrived; the reader refuses to buffer it without bound.
 *
 * `length` is how many bytes of the segment had been seen when the limit was crossed,
 * `maxLineLength` the limit.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const reader = new BufReader(stream, { maxLineLength: 1024 });
 * try { await reader.readLine(); }
 * catch (error) { if (error instanceof LineTooLong) console.log(error.length); }
 * ```
 */
export class LineTooLong extends IoError {
  readonly length: number;
  readonly maxLineLength: number;
  constructor(length: number, maxLineLength: number) {
    super('ERR_RT_LINE_TOO_LONG', `line of at least ${length} bytes is longer than maxLineLength ${maxLineLength}`, { kind: 'InvalidData' });
    this.length = length;
    this.maxLineLength = maxLineLength;
  }
}

/**
 * A second operation was started on a `BufReader` / `BufWriter` while one was still in
 * progress. Their buffer belongs to one operation at a time (Tokio enforces this with
 * `&mut self`); use `split` or a lock to share a stream.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const reader = new BufReader(stream);
 * const first = reader.readLine();
 * await reader.readLine(); // rejects with ResourceBusy (code ERR_RT_RESOURCE_BUSY)
 * ```
 */
export class ResourceBusy extends IoError {
  constructor(message = 'another operation is in progress on this stream', options?: IoErrorOptions) {
    super('ERR_RT_RESOURCE_BUSY', message, { kind: 'ResourceBusy', ...options });
  }
}
