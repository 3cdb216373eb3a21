import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { symlink, symlinkMetadata } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('symlink', () => {
  it('creates a link to a relative target and refuses an existing name', async () => {
    writeFileSync(join(dir, 'target'), 'through the link');
    await symlink('target', join(dir, 'link'));
    expect((await symlinkMetadata(join(dir, 'link'))).isSymlink()).toBe(true);
    expect(readFileSync(join(dir, 'link'), 'utf8')).toBe('through the link');
    await expect(symlink('target', join(dir, 'link'))).rejects.toMatchObject({ name: 'FsError', code: 'EEXIST', syscall: 'symlink' });
  });
});
