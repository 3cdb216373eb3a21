import { Duplex } from 'node:stream';
import { isCancelled } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { fromNodeReadable, type NodeReadableReader } from './node-readable.js';
import { fromNodeWritable, type NodeWritableWriter } from './node-writable.js';
import { join, type Join } from './split.js';
import { writeAll } from './write-all.js';
import { checkReader, checkSize, checkWriter, describe } from './internal/validate.js';

/**
 * Options of `toNodeDuplex`.
 *
 * **Cancellation:** not applicable (sizes only).
 *
 * **Errors:** `RangeError` for sizes that are not integers (`chunkSize` >= 1).
 *
 * **Example**
 * ```ts
 * toNodeDuplex(stream, { chunkSize: 16 * 1024 });
 * ```
 */
export interface ToNodeDuplexOptions {
  /** Bytes asked of the stream per read (default 64 KiB); each chunk pushed is a new Buffer. */
  chunkSize?: number;
  /** The Duplex's `readableHighWaterMark` in bytes (default Node's). */
  readableHighWaterMark?: number;
  /** The Duplex's `writableHighWaterMark` in bytes (default Node's). */
  writableHighWaterMark?: number;
}

/**
 * Wraps an rt stream that is both readable and writable (a socket, a `DuplexStream`) in a
 * Node `stream.Duplex`, for APIs that want a socket-like object: `tls.connect({ socket })`,
 * `http.request({ createConnection })`, `server.emit('connection', …)`, `pipeline`.
 *
 * The readable side pulls with `read` (only when Node wants data) and ends at end of
 * stream; the writable side writes each chunk with `writeAll`, and `end()` flushes and
 * shuts the rt stream down (a half-close: the readable side keeps going). Destroying the
 * Duplex aborts the operations in flight; it does not close the rt stream.
 *
 * **Cancellation:** destroying loses nothing that was not yet pushed on the readable side;
 * on the writable side an unknown prefix of the chunk in flight was written (`writeAll`).
 *
 * **Errors:** `TypeError`/`RangeError` for bad arguments (thrown at once); read and write
 * errors are emitted as the Duplex's `'error'`.
 *
 * **Example**
 * ```ts
 * const secure = tls.connect({ socket: toNodeDuplex(tcpStream), servername: 'example.com' });
 * ```
 */
export function toNodeDuplex(stream: AsyncRead & AsyncWrite, options?: ToNodeDuplexOptions): Duplex {
  checkReader(stream, 'toNodeDuplex: stream');
  checkWriter(stream, 'toNodeDuplex: stream');
  const chunkSize = options?.chunkSize ?? 64 * 1024;
  checkSize(chunkSize, 'toNodeDuplex: options.chunkSize', 1);
  if (options?.readableHighWaterMark !== undefined) checkSize(options.readableHighWaterMark, 'toNodeDuplex: options.readableHighWaterMark', 0);
  if (options?.writableHighWaterMark !== undefined) checkSize(options.writableHighWaterMark, 'toNodeDuplex: options.writableHighWaterMark', 0);
  const stop = new AbortController();
  const wait = { signal: stop.signal };
  const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(describe(error)));
  return new Duplex({
    allowHalfOpen: true,
    ...(options?.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: options.readableHighWaterMark }),
    ...(options?.writableHighWaterMark === undefined ? {} : { writableHighWaterMark: options.writableHighWaterMark }),
    read(this: Duplex): void {
      const chunk = Buffer.allocUnsafe(chunkSize);
      stream.read(chunk, wait).then(
        (n) => {
          if (!this.destroyed) this.push(n === 0 ? null : chunk.subarray(0, n));
        },
        (error: unknown) => {
          if (stop.signal.aborted && isCancelled(error)) return;
          this.destroy(asError(error));
        },
      );
    },
    write(chunk: Buffer, _encoding, callback): void {
      writeAll(stream, chunk, wait).then(
        () => callback(),
        (error: unknown) => {
          if (!(stop.signal.aborted && isCancelled(error))) callback(asError(error));
        },
      );
    },
    final(callback): void {
      stream.shutdown(wait).then(
        () => callback(),
        (error: unknown) => {
          if (!(stop.signal.aborted && isCancelled(error))) callback(asError(error));
        },
      );
    },
    destroy(error, callback): void {
      stop.abort(error ?? new Error('toNodeDuplex: the Duplex was destroyed'));
      callback(error);
    },
  });
}

/**
 * Wraps a Node `stream.Duplex` (a `net.Socket`, a `tls.TLSSocket`, …) in one rt stream:
 * `read` from its readable side (as `fromNodeReadable`), `write`/`flush` to its writable
 * side and `shutdown()` ending it, a half-close (as `fromNodeWritable`).
 *
 * **Cancellation:** `read` and `write` are cancel safe (see `NodeReadableReader`,
 * `NodeWritableWriter`).
 *
 * **Errors:** `TypeError` if `duplex` is not a Node Duplex; the stream's errors on the
 * operations.
 *
 * **Example**
 * ```ts
 * const stream = fromNodeDuplex(tls.connect({ host, port: 443, servername: host }));
 * await writeAll(stream, request);
 * ```
 */
export function fromNodeDuplex(duplex: Duplex): Join<NodeReadableReader, NodeWritableWriter> {
  return join(fromNodeReadable(duplex), fromNodeWritable(duplex));
}
