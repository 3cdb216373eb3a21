// What ChildStdout and ChildStderr share: an AsyncRead over the parent's reading end of a
// child's pipe. The two public classes stay distinct (Tokio's ChildStdout / ChildStderr).
import type { AsyncRead } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { PipeReader } from './pipe.js';

export class ChildPipeReader implements AsyncRead {
  readonly #pipe: PipeReader;

  /** @internal Created by `Command.spawn()`. */
  constructor(pipe: PipeReader) {
    this.#pipe = pipe;
  }

  /** `'native'` (reactor + raw fd) or `'node'` (Node's pipe stream). */
  get driver(): 'native' | 'node' {
    return this.#pipe.driver;
  }

  /** Reads up to `buf.length` bytes into `buf`; resolves with the count, 0 at end of file. */
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#pipe.read(buf, options);
  }

  /** Closes the pipe (the child gets EPIPE/SIGPIPE if it writes more); idempotent. */
  close(): void {
    this.#pipe.close();
  }

  [Symbol.dispose](): void {
    this.#pipe.close();
  }
}
