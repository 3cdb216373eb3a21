import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Cancelled, Handle } from '@rt/scheduler';
import { writeFile } from '@rt/fs';
import { eventually, fdsOn, randomBytes, sha256, tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('writeFile', () => {
  it('writes bytes and strings, replacing the contents', async () => {
    const path = join(dir, 'a');
    const data = randomBytes(5 * 1024 * 1024);
    await writeFile(path, data);
    expect(sha256(readFileSync(path))).toBe(sha256(data));
    await writeFile(path, 'short');
    expect(readFileSync(path, 'utf8')).toBe('short');
  });

  it('appends, creates only new files and applies the mode', async () => {
    const path = join(dir, 'b');
    await writeFile(path, 'one', { createNew: true, mode: 0o640 });
    expect(statSync(path).mode & 0o777).toBe(0o640);
    await writeFile(path, 'two', { append: true });
    expect(readFileSync(path, 'utf8')).toBe('onetwo');
    await expect(writeFile(path, 'x', { createNew: true })).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('reports a missing parent as ENOENT and a directory as EISDIR', async () => {
    await expect(writeFile(join(dir, 'no', 'such'), 'x')).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT' });
    await expect(writeFile(dir, 'x')).rejects.toMatchObject({ name: 'FsError', code: 'EISDIR' });
  });

  it('rejects bad arguments at once', async () => {
    await expect(writeFile(join(dir, 'c'), 42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(writeFile(join(dir, 'c'), 'x', { mode: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(writeFile(join(dir, 'c'), 'x', { append: 1 as never })).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects with Cancelled on abort, leaves the file empty, partial or complete, and leaks nothing', async () => {
    const path = join(dir, 'd');
    const data = Buffer.alloc(8 * 1024 * 1024, 0x41);
    const controller = new AbortController();
    const writing = writeFile(path, data, { signal: controller.signal });
    controller.abort();
    await expect(writing).rejects.toBeInstanceOf(Cancelled);
    // The request finishes on the threadpool after the rejection: wait for it, then look.
    await eventually(() => Handle.current().pendingExternalWork === 0);
    expect(fdsOn(path)).toBe(0);
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0; // the abort came before open
    }
    expect(size).toBeLessThanOrEqual(data.length);
  });
});
