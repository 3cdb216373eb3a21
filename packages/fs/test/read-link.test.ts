import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLink } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('readLink', () => {
  it('returns the stored target, and EINVAL for a file that is not a link', async () => {
    symlinkSync('some/where', join(dir, 'link'));
    expect(await readLink(join(dir, 'link'))).toBe('some/where');
    writeFileSync(join(dir, 'plain'), '');
    await expect(readLink(join(dir, 'plain'))).rejects.toMatchObject({ name: 'FsError', code: 'EINVAL', syscall: 'readlink' });
  });
});
