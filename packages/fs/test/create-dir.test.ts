import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDir } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('createDir', () => {
  it('creates one directory with the given mode', async () => {
    await createDir(join(dir, 'one'), { mode: 0o700 });
    expect(statSync(join(dir, 'one')).mode & 0o777).toBe(0o700);
  });

  it('fails with EEXIST for an existing path and ENOENT for a missing parent', async () => {
    await createDir(join(dir, 'two'));
    await expect(createDir(join(dir, 'two'))).rejects.toMatchObject({ name: 'FsError', code: 'EEXIST', kind: 'AlreadyExists' });
    await expect(createDir(join(dir, 'x', 'y'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(join(dir, 'x'))).toBe(false);
    await expect(createDir(join(dir, 'three'), { mode: 0o10000 })).rejects.toBeInstanceOf(RangeError);
  });
});
