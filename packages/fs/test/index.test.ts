import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from '@rt/io';
import * as fs from '@rt/fs';
import { tempDir } from './support/temp.js';

describe('@rt/fs', () => {
  it('exports the documented API', () => {
    for (const name of [
      'File', 'OpenOptions', 'FsError', 'FileType', 'Metadata', 'DirEntry', 'ReadDir', 'readFile', 'readToString',
      'writeFile', 'readDir', 'metadata', 'symlinkMetadata', 'createDir', 'createDirAll', 'removeFile', 'removeDir',
      'removeDirAll', 'rename', 'copy', 'hardLink', 'canonicalize', 'tryExists',
    ]) {
      expect(typeof (fs as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('runs the README example', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'hello.txt');
      {
        await using file = await fs.File.create(path);
        await writeAll(file, Buffer.from('hello\n'));
        await file.flush();
      }
      expect(await fs.readToString(path)).toBe('hello\n');
      expect(readFileSync(path, 'utf8')).toBe('hello\n');
    } finally {
      cleanup();
    }
  });
});
