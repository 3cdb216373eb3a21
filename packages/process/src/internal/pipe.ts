// The parent's end of one child pipe, whichever driver carries it (see native-pipe.ts and
// node-pipe.ts). ChildStdin/ChildStdout/ChildStderr are thin public wrappers over these.
import type { WaitOptions } from '@rt/scheduler';

export interface PipeReader {
  readonly driver: 'native' | 'node';
  read(buf: Uint8Array, options: WaitOptions | undefined): Promise<number>;
  close(): void;
}

export interface PipeWriter {
  readonly driver: 'native' | 'node';
  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number>;
  flush(options: WaitOptions | undefined): Promise<void>;
  shutdown(options: WaitOptions | undefined): Promise<void>;
  close(): void;
}
