import { fromNodeReadable, type NodeReadableReader } from './node-readable.js';
import { fromNodeWritable, type NodeWritableWriter } from './node-writable.js';

let stdinReader: NodeReadableReader | undefined;
let stdoutWriter: NodeWritableWriter | undefined;
let stderrWriter: NodeWritableWriter | undefined;

/**
 * The process's standard input as an rt reader (Tokio's `io::stdin`), over
 * `process.stdin`. Every call returns the same reader, so bytes are never split between
 * two readers. Wrap it in a `BufReader` to read lines.
 *
 * Once read from, stdin stays open (and keeps Node's event loop alive) until it reaches
 * end of file, as with any `'readable'` listener on `process.stdin`.
 *
 * **Cancellation:** `read` is cancel safe (see `NodeReadableReader`).
 *
 * **Errors:** errors of `process.stdin`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * for await (const line of new BufReader(stdin()).lines()) console.log(line.toUpperCase());
 * ```
 */
export function stdin(): NodeReadableReader {
  stdinReader ??= fromNodeReadable(process.stdin);
  return stdinReader;
}

/**
 * The process's standard output as an rt writer (Tokio's `io::stdout`), over
 * `process.stdout`, with its backpressure. Every call returns the same writer.
 * `shutdown()` only flushes: stdout stays open for the rest of the process.
 *
 * **Cancellation:** `write` is cancel safe (see `NodeWritableWriter`).
 *
 * **Errors:** errors of `process.stdout` (e.g. `EPIPE` when the reader of a pipe has
 * gone); `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeAll(stdout(), new TextEncoder().encode('hello\n'));
 * ```
 */
export function stdout(): NodeWritableWriter {
  stdoutWriter ??= fromNodeWritable(process.stdout, { end: false });
  return stdoutWriter;
}

/**
 * The process's standard error as an rt writer (Tokio's `io::stderr`), over
 * `process.stderr`. Every call returns the same writer; `shutdown()` only flushes.
 *
 * **Cancellation:** `write` is cancel safe (see `NodeWritableWriter`).
 *
 * **Errors:** errors of `process.stderr`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeAll(stderr(), new TextEncoder().encode('warning\n'));
 * ```
 */
export function stderr(): NodeWritableWriter {
  stderrWriter ??= fromNodeWritable(process.stderr, { end: false });
  return stderrWriter;
}
