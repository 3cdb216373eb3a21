// The fallback for child pipes where @rt/mio-native is not available: Node's own pipes
// (`stdio: 'pipe'`), pulled through @rt/io's `fromNodeReadable`/`fromNodeWritable`
// (high-water-mark buffering, pause/resume for backpressure, cancel-safe reads and writes).
import type { Readable, Writable } from 'node:stream';
import { fromNodeReadable, fromNodeWritable } from '@rt/io';
import type { NodeReadableReader, NodeWritableWriter } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { PipeReader, PipeWriter } from './pipe.js';

export class NodePipeReader implements PipeReader {
  readonly driver = 'node' as const;
  readonly #stream: Readable;
  readonly #reader: NodeReadableReader;

  constructor(stream: Readable) {
    this.#stream = stream;
    this.#reader = fromNodeReadable(stream);
  }

  read(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#reader.read(buf, options);
  }

  close(): void {
    this.#stream.destroy();
  }
}

export class NodePipeWriter implements PipeWriter {
  readonly driver = 'node' as const;
  readonly #stream: Writable;
  readonly #writer: NodeWritableWriter;

  constructor(stream: Writable) {
    this.#stream = stream;
    // A child that exits without reading its stdin makes the pipe fail with EPIPE.
    stream.on('error', () => {});
    this.#writer = fromNodeWritable(stream);
  }

  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    return this.#writer.write(buf, options);
  }

  flush(options: WaitOptions | undefined): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options: WaitOptions | undefined): Promise<void> {
    return this.#writer.shutdown(options);
  }

  close(): void {
    this.#stream.destroy();
  }
}
