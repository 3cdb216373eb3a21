import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hardLink } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('hardLink', () => {
  it('links a second name to the same inode and refuses an existing name', async () => {
    writeFileSync(join(dir, 'a'), 'x');
    await hardLink(join(dir, 'a'), join(dir, 'b'));
    expect(statSync(join(dir, 'b')).ino).toBe(statSync(join(dir, 'a')).ino);
    expect(statSync(join(dir, 'a')).nlink).toBe(2);
    await expect(hardLink(join(dir, 'a'), join(dir, 'b'))).rejects.toMatchObject({ name: 'FsError', code: 'EEXIST', syscall: 'link' });
  });
});
