import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rename } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('rename', () => {
  it('moves a file, replacing the target', async () => {
    writeFileSync(join(dir, 'a'), 'new');
    writeFileSync(join(dir, 'b'), 'old');
    await rename(join(dir, 'a'), join(dir, 'b'));
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('new');
  });

  it('reports a missing source as ENOENT with both paths', async () => {
    const from = join(dir, 'missing');
    const to = join(dir, 'other');
    await expect(rename(from, to)).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', syscall: 'rename', path: from, dest: to });
  });
});
