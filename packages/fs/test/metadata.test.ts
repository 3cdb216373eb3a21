import { symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, metadata, symlinkMetadata } from '@rt/fs';
import { tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('metadata', () => {
  it('describes files and directories, following links', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'hello');
    chmodSync(file, 0o444);
    symlinkSync('file', join(dir, 'link'));
    const meta = await metadata(file);
    expect(meta).toBeInstanceOf(Metadata);
    expect(meta.isFile()).toBe(true);
    expect(meta.isDir()).toBe(false);
    expect(meta.len).toBe(5);
    expect(meta.permissions).toBe(0o444);
    expect(meta.readonly).toBe(true);
    expect(Math.abs(meta.modified.getTime() - meta.stats.mtimeMs)).toBeLessThan(1);
    expect(meta.fileType().isFile()).toBe(true);
    expect((await metadata(join(dir, 'link'))).isFile()).toBe(true);
    expect((await metadata(dir)).isDir()).toBe(true);
    expect((await metadata(dir)).fileType().isDir()).toBe(true);
  });

  it('reports a missing path as ENOENT', async () => {
    await expect(metadata(join(dir, 'missing'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', syscall: 'stat' });
  });
});

describe('symlinkMetadata', () => {
  it('describes the link itself', async () => {
    writeFileSync(join(dir, 'target2'), '');
    symlinkSync('target2', join(dir, 'link2'));
    const meta = await symlinkMetadata(join(dir, 'link2'));
    expect(meta.isSymlink()).toBe(true);
    expect(meta.fileType().isSymlink()).toBe(true);
    symlinkSync('nowhere', join(dir, 'broken'));
    expect((await symlinkMetadata(join(dir, 'broken'))).isSymlink()).toBe(true);
    await expect(metadata(join(dir, 'broken'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
