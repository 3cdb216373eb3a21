import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cancelled } from '@rt/scheduler';
import { StreamClosed } from '@rt/io';
import { DirEntry, FsError, readDir } from '@rt/fs';
import { eventually, fdsOn, tempDir } from './support/temp.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

let counter = 0;
function tree(): string {
  const root = join(dir, `tree-${++counter}`);
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  writeFileSync(join(root, 'top.txt'), 'top');
  writeFileSync(join(root, 'a', 'one.txt'), '1');
  writeFileSync(join(root, 'a', 'b', 'two.txt'), '22');
  writeFileSync(join(root, 'a', 'b', 'c', 'three.txt'), '333');
  symlinkSync('top.txt', join(root, 'link'));
  return root;
}

async function walk(path: string, out: string[]): Promise<void> {
  for await (const entry of await readDir(path)) {
    const type = await entry.fileType();
    out.push(`${type.isDir() ? 'd' : type.isSymlink() ? 'l' : 'f'} ${entry.path}`);
    if (type.isDir()) await walk(entry.path, out);
  }
}

describe('readDir', () => {
  it('lists every entry with name, path and type, and walks a tree recursively', async () => {
    const root = tree();
    const seen: string[] = [];
    await walk(root, seen);
    expect(seen.sort()).toEqual(
      [
        `d ${join(root, 'a')}`,
        `d ${join(root, 'a', 'b')}`,
        `d ${join(root, 'a', 'b', 'c')}`,
        `f ${join(root, 'a', 'b', 'c', 'three.txt')}`,
        `f ${join(root, 'a', 'b', 'two.txt')}`,
        `f ${join(root, 'a', 'one.txt')}`,
        `l ${join(root, 'link')}`,
        `f ${join(root, 'top.txt')}`,
      ].sort(),
    );
  });

  it('lists a large directory completely with nextEntry and then resolves null', async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 1000; i++) writeFileSync(join(big, `f${i}`), '');
    const listing = await readDir(big);
    const names = new Set<string>();
    for (let entry; (entry = await listing.nextEntry()) !== null; ) {
      expect(entry).toBeInstanceOf(DirEntry);
      names.add(entry.name);
    }
    expect(names.size).toBe(1000);
    expect(await listing.nextEntry()).toBeNull();
  });

  it('hands each of many concurrent nextEntry calls a different entry', async () => {
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 300; i++) writeFileSync(join(many, `f${i}`), '');
    const listing = await readDir(many);
    const results = await Promise.all(Array.from({ length: 310 }, () => listing.nextEntry()));
    const names = results.filter((entry) => entry !== null).map((entry) => entry.name);
    expect(names.length).toBe(300);
    expect(new Set(names).size).toBe(300);
    expect(results.filter((entry) => entry === null).length).toBe(10);
  });

  it('gives entry metadata without following links', async () => {
    const root = tree();
    for await (const entry of await readDir(root)) {
      if (entry.name === 'link') expect((await entry.metadata()).isSymlink()).toBe(true);
      if (entry.name === 'top.txt') expect((await entry.metadata()).len).toBe(3);
    }
  });

  it('reports a missing directory as ENOENT and a file as ENOTDIR', async () => {
    const root = tree();
    await expect(readDir(join(root, 'nope'))).rejects.toMatchObject({ name: 'FsError', code: 'ENOENT', syscall: 'opendir' });
    const error = await readDir(join(root, 'top.txt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FsError);
    expect(error).toMatchObject({ code: 'ENOTDIR', kind: 'NotADirectory' });
    await expect(readDir(17 as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('closes the handle when a for-await loop breaks early, and fails nextEntry after close', async () => {
    const root = tree();
    const listing = await readDir(root);
    expect(fdsOn(root)).toBe(1);
    for await (const _entry of listing) break;
    expect(fdsOn(root)).toBe(0);
    await expect(listing.nextEntry()).rejects.toBeInstanceOf(StreamClosed);
  });

  it('loses no entry when nextEntry is aborted', async () => {
    const root = tree();
    const listing = await readDir(root);
    const controller = new AbortController();
    const first = listing.nextEntry({ signal: controller.signal });
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(Cancelled);
    const names: string[] = [];
    for await (const entry of listing) names.push(entry.name);
    expect(names.sort()).toEqual(['a', 'link', 'top.txt']);
  });

  it('closes a directory opened after its readDir was aborted', async () => {
    const root = tree();
    const controller = new AbortController();
    const opening = readDir(root, { signal: controller.signal });
    controller.abort();
    await expect(opening).rejects.toBeInstanceOf(Cancelled);
    // A later listing of the same directory, queued behind the abandoned one.
    for await (const _entry of await readDir(root));
    await eventually(() => fdsOn(root) === 0);
  });
});
