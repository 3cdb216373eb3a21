import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDirAll } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('removeDirAll', () => {
  it('removes a tree without following symbolic links out of it', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'keep');
    const root = join(dir, 'tree');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'f'), 'x');
    symlinkSync(outside, join(root, 'a', 'link'));
    await removeDirAll(root);
    expect(existsSync(root)).toBe(false);
    expect(existsSync(join(outside, 'keep'))).toBe(true);
  });

  it('removes an empty directory and fails with ENOENT for a missing one', async () => {
    mkdirSync(join(dir, 'empty'));
    await removeDirAll(join(dir, 'empty'));
    expect(existsSync(join(dir, 'empty'))).toBe(false);
    await expect(removeDirAll(join(dir, 'empty'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT' });
  });
});
