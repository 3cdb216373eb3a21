import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { File, OpenOptions } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('OpenOptions', () => {
  it('opens for read and write without truncating, and truncates on request', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'abcdef');
    const rw = await new OpenOptions().read(true).write(true).open(path);
    await rw.write(Buffer.from('X'));
    await rw.close();
    expect(readFileSync(path, 'utf8')).toBe('Xbcdef');
    const truncated = await new OpenOptions().write(true).truncate(true).open(path);
    await truncated.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('creates a missing file only with create or createNew', async () => {
    const path = join(dir, 'g');
    await expect(new OpenOptions().write(true).open(path)).rejects.toMatchObject({ code: 'ENOENT' });
    const created = await new OpenOptions().write(true).create(true).open(path);
    await created.close();
    await expect(new OpenOptions().write(true).createNew(true).open(path)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('is what File.options() returns', () => {
    expect(File.options()).toBeInstanceOf(OpenOptions);
  });
});
