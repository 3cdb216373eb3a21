import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('canonicalize', () => {
  it('resolves links, . and ..', async () => {
    mkdirSync(join(dir, 'real', 'sub'), { recursive: true });
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    expect(await canonicalize(join(dir, 'alias', 'sub', '..', '.', 'sub'))).toBe(join(realpathSync(dir), 'real', 'sub'));
  });

  it('reports a missing component as ENOENT and a link loop as ELOOP', async () => {
    await expect(canonicalize(join(dir, 'nope'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT' });
    symlinkSync('loop', join(dir, 'loop'));
    await expect(canonicalize(join(dir, 'loop'))).rejects.toMatchObject({ code: 'ELOOP', kind: 'FilesystemLoop' });
  });
});
