import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copy } from '@rt/fs';
import { randomBytes, sha256, tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('copy', () => {
  it('copies contents and permission bits and returns the length', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    writeFileSync(join(dir, 'src'), data, { mode: 0o640 });
    expect(await copy(join(dir, 'src'), join(dir, 'dst'))).toBe(data.length);
    expect(sha256(readFileSync(join(dir, 'dst')))).toBe(sha256(data));
    expect(statSync(join(dir, 'dst')).mode & 0o777).toBe(0o640);
  });

  it('reports a missing source as ENOENT and a directory source as a typed error', async () => {
    await expect(copy(join(dir, 'missing'), join(dir, 'x'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT' });
    await expect(copy(dir, join(dir, 'y'))).rejects.toMatchObject({ name: 'FsError' });
  });
});
