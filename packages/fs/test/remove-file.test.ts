import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeFile } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('removeFile', () => {
  it('removes a file, and fails with ENOENT and EISDIR', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, '');
    await removeFile(path);
    expect(existsSync(path)).toBe(false);
    await expect(removeFile(path)).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', syscall: 'unlink', path });
    mkdirSync(join(dir, 'd'));
    await expect(removeFile(join(dir, 'd'))).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
