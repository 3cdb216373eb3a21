import type { WaitOptions } from '@rt/scheduler';
import type { AsyncBufRead } from './async-read.js';
import { InvalidData, ResourceBusy } from './io-error.js';
import { readSegment, Segment } from './internal/read-segment.js';
import { checkReader, checkSize } from './internal/validate.js';

/**
 * Options of `Lines` (and `BufReader.lines()`).
 *
 * **Cancellation:** `signal` aborts the `for await` loop; `nextLine` stays cancel safe.
 *
 * **Errors:** `RangeError` from the constructor for a negative `maxLineLength`.
 *
 * **Example**
 * ```ts
 * for await (const line of reader.lines({ signal })) console.log(line);
 * ```
 */
export interface LinesOptions {
  /** Longest line in bytes, `\r` included, `\n` excluded (default: the reader's, else unlimited). */
  maxLineLength?: number;
  /** Aborts the `for await` iteration (each `nextLine` can also take its own). */
  signal?: AbortSignal;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The lines of a buffered reader, one at a time (Tokio's `Lines`): `nextLine()` resolves
 * with the next line without its `\n` or `\r\n`, or `null` at end of stream; a last line
 * without a terminator is returned too. Also an async iterable (`for await`).
 *
 * The partial line being gathered lives in this object, so an aborted `nextLine` loses
 * nothing and the next call continues the same line.
 *
 * **Cancellation:** `nextLine` is cancel safe. Breaking out of `for await` stops reading;
 * the reader keeps any bytes not yet returned.
 *
 * **Errors:** `LineTooLong` when a line outgrows `maxLineLength`: that line is dropped (the
 * rest of it is skipped) and the next call returns the following line, so a server can
 * report the error and carry on; `InvalidData` for a line that is not UTF-8 (the line is
 * consumed); errors of the reader; `ResourceBusy` for overlapping calls; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * const lines = new BufReader(socket, { maxLineLength: 1024 }).lines();
 * for await (const line of lines) await handle(line);
 * ```
 */
export class Lines implements AsyncIterable<string> {
  readonly #reader: AsyncBufRead;
  readonly #max: number;
  readonly #signal: AbortSignal | undefined;
  readonly #segment = new Segment();
  #busy = false;

  constructor(reader: AsyncBufRead, options?: LinesOptions) {
    checkReader(reader, 'Lines: reader');
    const max = options?.maxLineLength ?? Number.MAX_SAFE_INTEGER;
    checkSize(max, 'Lines: options.maxLineLength', 0);
    this.#reader = reader;
    this.#max = max;
    this.#signal = options?.signal;
  }

  /** The bytes of the partial line gathered so far (kept across aborted calls). */
  get pendingLength(): number {
    return this.#segment.length;
  }

  /**
   * Resolves with the next line without its `\n` or `\r\n`, or `null` at end of stream.
   *
   * **Cancellation:** cancel safe: the partial line stays here for the next call.
   *
   * **Errors:** `LineTooLong` (the line is skipped), `InvalidData`, `ResourceBusy`, errors of
   * the reader, `Cancelled`.
   */
  async nextLine(options?: WaitOptions): Promise<string | null> {
    if (this.#busy) throw new ResourceBusy('Lines.nextLine: another call is in progress');
    this.#busy = true;
    try {
      const segment = this.#segment;
      const found = await readSegment(this.#reader, 0x0a, this.#max, segment, options);
      if (!found && segment.length === 0) return null;
      const bytes = segment.drain();
      let end = bytes.length;
      if (found) {
        end--;
        if (end > 0 && bytes[end - 1] === 0x0d) end--;
      }
      try {
        return utf8.decode(bytes.subarray(0, end));
      } catch (error) {
        throw new InvalidData('Lines.nextLine: line is not valid UTF-8', { cause: error });
      }
    } finally {
      this.#busy = false;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    const options: WaitOptions | undefined = this.#signal === undefined ? undefined : { signal: this.#signal };
    return {
      next: async (): Promise<IteratorResult<string>> => {
        const line = await this.nextLine(options);
        return line === null ? { done: true, value: undefined } : { done: false, value: line };
      },
      return: (): Promise<IteratorResult<string>> => Promise.resolve({ done: true, value: undefined }),
    };
  }
}
