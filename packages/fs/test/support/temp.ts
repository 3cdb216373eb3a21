import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomFillSync } from 'node:crypto';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rt-fs-test-'));
  // Retries: a write cancelled by a test may still land on the threadpool (documented), racing the rm.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }) };
}

/** How many descriptors of this process refer to `path` (a file or a directory). */
export function fdsOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // closed meanwhile (e.g. the descriptor readdirSync itself used)
    }
  }
  return count;
}

/**
 * Waits until `check()` is true: for work that finishes in the background with no hook to
 * await (an abandoned threadpool request closing its descriptor). Polls on event-loop turns,
 * then on 1 ms timers on a loaded machine; gives up (throws) after about 10 s.
 */
export async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('condition not reached');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomBytes(length: number): Buffer {
  return randomFillSync(Buffer.allocUnsafe(length));
}
