import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('removeDir', () => {
  it('removes an empty directory and refuses a non-empty one with ENOTEMPTY', async () => {
    mkdirSync(join(dir, 'empty'));
    await removeDir(join(dir, 'empty'));
    expect(existsSync(join(dir, 'empty'))).toBe(false);
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'f'), '');
    await expect(removeDir(join(dir, 'full'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOTEMPTY', kind: 'DirectoryNotEmpty' });
  });
});
