import { writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDirAll } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('createDirAll', () => {
  it('creates every missing parent and succeeds when the directory exists', async () => {
    const deep = join(dir, 'a', 'b', 'c', 'd');
    await createDirAll(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await createDirAll(deep);
  });

  it('fails when a file is in the way', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(createDirAll(join(dir, 'file', 'sub'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOTDIR' });
    await expect(createDirAll(join(dir, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
