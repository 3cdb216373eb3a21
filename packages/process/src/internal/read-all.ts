// Reads one child pipe to its end for Command.output(): 64 KiB chunks into buffers that
// double, one copy at the end only when more than one chunk was needed.
import type { WaitOptions } from '@rt/scheduler';
import type { ChildStderr } from '../child-stderr.js';
import type { ChildStdout } from '../child-stdout.js';

export async function readAll(reader: ChildStdout | ChildStderr | null, options: WaitOptions | undefined): Promise<Buffer> {
  if (reader === null) return Buffer.alloc(0);
  let buf = Buffer.allocUnsafe(64 * 1024);
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    const n = await reader.read(buf.subarray(length), options);
    if (n === 0) break;
    length += n;
  }
  reader.close();
  return buf.subarray(0, length);
}
