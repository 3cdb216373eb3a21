import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufReader, writeAll } from '@rt/io';
import * as fs from '@rt/fs';
import { tempDir } from './support/temp.js';

describe('@rt/fs', () => {
  it('exports the documented API', () => {
    for (const name of [
      'File', 'OpenOptions', 'FsError', 'FileType', 'Metadata', 'DirEntry', 'ReadDir', 'readFile', 'readToString',
      'writeFile', 'readDir', 'metadata', 'symlinkMetadata', 'createDir', 'createDirAll', 'removeFile', 'removeDir',
      'removeDirAll', 'rename', 'copy', 'hardLink', 'canonicalize', 'tryExists', 'symlink', 'readLink', 'setPermissions',
    ]) {
      expect(typeof (fs as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('runs the README examples', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const hello = join(dir, 'hello.txt');
      await fs.writeFile(hello, 'hello\nworld\n');
      expect(await fs.readToString(hello)).toBe('hello\nworld\n');
      const lines: string[] = [];
      {
        await using file = await fs.File.open(hello);
        for await (const line of new BufReader(file).lines()) lines.push(line);
      }
      expect(lines).toEqual(['hello', 'world']);
      const logPath = join(dir, 'app.log');
      {
        await using log = await new fs.OpenOptions().append(true).create(true).open(logPath);
        await writeAll(log, Buffer.from('started\n'));
        await log.flush();
      }
      expect(readFileSync(logPath, 'utf8')).toBe('started\n');

      const out = join(dir, 'out');
      await fs.createDirAll(join(out, 'assets', 'img'));
      const seen: string[] = [];
      const walk = async (path: string): Promise<void> => {
        for await (const entry of await fs.readDir(path)) {
          const type = await entry.fileType();
          seen.push(`${type.isDir() ? 'dir ' : 'file'} ${entry.path}`);
          if (type.isDir()) await walk(entry.path);
        }
      };
      await walk(out);
      expect(seen).toEqual([`dir  ${join(out, 'assets')}`, `dir  ${join(out, 'assets', 'img')}`]);
      await fs.removeDirAll(out);
      const error = await fs.metadata('/no/such/file').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(fs.FsError);
      expect(error).toMatchObject({ code: 'ENOENT', syscall: 'stat', path: '/no/such/file' });
    } finally {
      cleanup();
    }
  });
});
