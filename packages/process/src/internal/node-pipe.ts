// The fallback for child pipes where @rt/mio-native is not available: Node's own pipes
// (`stdio: 'pipe'`), pulled through @rt/io's `fromNodeReadable`/`fromNodeWritable`
// (high-water-mark buffering, pause/resume for backpressure, cancel-safe reads and writes).
// Errors are mapped to the native driver's: StreamClosed after close(), BrokenPipe with code
// 'EPIPE' (as the native driver reports it) when the child closed its end.
import type { Readable, Writable } from 'node:stream';
import { errno, systemErrorFields } from '@rt/mio-native';
import { BrokenPipe, StreamClosed, fromNodeReadable, fromNodeWritable } from '@rt/io';
import type { NodeReadableReader, NodeWritableWriter } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { PipeReader, PipeWriter } from './pipe.js';

function mapError(label: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED') {
    return new BrokenPipe(`${label}: the child closed its end of the pipe`, { cause: error, ...systemErrorFields(errno.EPIPE), syscall: 'write' });
  }
  return error;
}

export class NodePipeReader implements PipeReader {
  readonly driver = 'node' as const;
  readonly #stream: Readable;
  readonly #reader: NodeReadableReader;
  readonly #label: string;
  #closed = false;

  constructor(stream: Readable, label: string) {
    this.#stream = stream;
    this.#label = label;
    // Node resumes (drains and discards) a child's stdio stream that nobody listens to when
    // the child exits: listening for 'readable' from the start keeps the bytes for read().
    stream.on('readable', () => {});
    this.#reader = fromNodeReadable(stream);
  }

  read(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new StreamClosed(`${this.#label}: the pipe is closed`));
    return this.#reader.read(buf, options).then(
      (n) => n,
      (error: unknown) => {
        throw this.#closed ? new StreamClosed(`${this.#label}: the pipe is closed`) : error;
      },
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.destroy();
  }
}

export class NodePipeWriter implements PipeWriter {
  readonly driver = 'node' as const;
  readonly #stream: Writable;
  readonly #writer: NodeWritableWriter;
  readonly #label: string;
  #closed = false;

  constructor(stream: Writable, label: string) {
    this.#stream = stream;
    this.#label = label;
    // A child that exits without reading its stdin makes the pipe fail with EPIPE: the
    // writer reports it; this listener only keeps it from being an uncaught 'error'.
    stream.on('error', () => {});
    this.#writer = fromNodeWritable(stream);
  }

  #check(): Promise<never> | null {
    return this.#closed ? Promise.reject(new StreamClosed(`${this.#label}: the pipe is closed`)) : null;
  }

  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#check() ?? this.#writer.write(buf, options).catch((error: unknown) => Promise.reject(mapError(this.#label, error)));
  }

  flush(options: WaitOptions | undefined): Promise<void> {
    return this.#check() ?? this.#writer.flush(options).catch((error: unknown) => Promise.reject(mapError(this.#label, error)));
  }

  shutdown(options: WaitOptions | undefined): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#writer.shutdown(options).catch((error: unknown) => Promise.reject(mapError(this.#label, error)));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Bytes a write already accepted sit in Node's stream buffer: end() still delivers them
    // (on the native driver they are already in the kernel), then closes the pipe.
    if (!this.#stream.destroyed) this.#stream.end();
  }
}
