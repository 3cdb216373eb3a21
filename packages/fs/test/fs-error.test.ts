import { promises as nodeFs } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { RtError } from '@rt/scheduler';
import { FsError, readFile } from '@rt/fs';

describe('FsError', () => {
  it("carries Node's code, errno, syscall, path, dest and Tokio's kind", () => {
    const error = new FsError('ENOENT', 'rename', '/a', '/b');
    expect(error).toBeInstanceOf(RtError);
    expect(error).toMatchObject({ name: 'FsError', code: 'ENOENT', errno: -(osConstants.errno.ENOENT), kind: 'NotFound', syscall: 'rename', path: '/a', dest: '/b' });
    expect(error.message).toBe("ENOENT: rename '/a' -> '/b'");
  });

  it('takes the errno as a negative number too, and groups errnos as Tokio does', () => {
    expect(new FsError(-(osConstants.errno.EACCES), 'open', '/x')).toMatchObject({ code: 'EACCES', kind: 'PermissionDenied' });
    expect(new FsError('EPERM', 'open', '/x').kind).toBe('PermissionDenied');
    expect(new FsError('EIO', 'read')).toMatchObject({ code: 'EIO', errno: -(osConstants.errno.EIO), kind: 'Uncategorized' });
  });

  it("has the same code, errno, syscall and path as Node's own fs error", async () => {
    const missing = '/no/such/rt-file';
    const nodeError = (await nodeFs.readFile(missing).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    const rtError = await readFile(missing).catch((e: unknown) => e);
    expect(rtError).toBeInstanceOf(FsError);
    const { code, errno, syscall, path } = nodeError;
    expect(rtError).toMatchObject({ code, errno, syscall, path });
  });
});
