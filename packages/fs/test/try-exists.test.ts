import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tryExists } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('tryExists', () => {
  it('tells present from missing, with a broken link counting as missing', async () => {
    writeFileSync(join(dir, 'f'), '');
    symlinkSync('nowhere', join(dir, 'broken'));
    expect(await tryExists(join(dir, 'f'))).toBe(true);
    expect(await tryExists(dir)).toBe(true);
    expect(await tryExists(join(dir, 'missing'))).toBe(false);
    expect(await tryExists(join(dir, 'broken'))).toBe(false);
  });

  it('rejects when the answer is unknown', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(tryExists(join(dir, 'file', 'child'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOTDIR' });
    await expect(tryExists(undefined as never)).rejects.toBeInstanceOf(TypeError);
  });
});
