import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builder, Cancelled } from '@rt/scheduler';
import { sleep } from '@rt/time';
import { FsError, readFile, readToString } from '@rt/fs';
import { eventually, fdsOn, randomBytes, sha256, tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('readFile', () => {
  it('reads a 32 MiB file whole with the same SHA-256', async () => {
    const data = randomBytes(32 * 1024 * 1024);
    const path = join(dir, 'big');
    writeFileSync(path, data);
    expect(sha256(await readFile(path))).toBe(sha256(data));
  });

  it('reports ENOENT and EISDIR as typed errors', async () => {
    await expect(readFile(join(dir, 'missing'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', kind: 'NotFound' });
    const error = await readFile(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FsError);
    expect(error).toMatchObject({ code: 'EISDIR', kind: 'IsADirectory' });
  });

  it('rejects with Cancelled on abort and leaks no descriptor', async () => {
    const path = join(dir, 'abort');
    writeFileSync(path, randomBytes(4 * 1024 * 1024));
    const controller = new AbortController();
    const reading = readFile(path, { signal: controller.signal });
    controller.abort();
    await expect(reading).rejects.toBeInstanceOf(Cancelled);
    await eventually(() => fdsOn(path) === 0);
  });
});

describe('readToString', () => {
  it('decodes UTF-8 and rejects invalid bytes', async () => {
    const path = join(dir, 'text');
    writeFileSync(path, 'héllo ✓');
    expect(await readToString(path)).toBe('héllo ✓');
    writeFileSync(path, Buffer.from([0xff, 0xfe]));
    await expect(readToString(path)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_ENCODING_INVALID_ENCODED_DATA' });
  });
});

describe('readFile under a paused clock', () => {
  it('counts as external work, so auto-advance waits for the threadpool instead of firing timers', async () => {
    const { dir, cleanup } = tempDir();
    const runtime = Builder.currentThread().enableAll().startPaused().build();
    try {
      const path = join(dir, 'big');
      writeFileSync(path, Buffer.alloc(4 * 1024 * 1024, 7));
      const winner = await runtime.run(() =>
        Promise.race([readFile(path).then(() => 'read'), sleep(60_000).then(() => 'slept')]),
      );
      expect(winner).toBe('read');
    } finally {
      await runtime.shutdown();
      cleanup();
    }
  });
});
