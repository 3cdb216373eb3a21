import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metadata, setPermissions } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('setPermissions', () => {
  it('sets the permission bits', async () => {
    const path = join(dir, 'script');
    writeFileSync(path, '');
    await setPermissions(path, 0o750);
    expect(statSync(path).mode & 0o7777).toBe(0o750);
    expect((await metadata(path)).permissions).toBe(0o750);
  });

  it('fails with ENOENT for a missing path and RangeError for a bad mode', async () => {
    await expect(setPermissions(join(dir, 'missing'), 0o644)).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', syscall: 'chmod' });
    await expect(setPermissions(join(dir, 'missing'), 0o20000)).rejects.toBeInstanceOf(RangeError);
  });
});
