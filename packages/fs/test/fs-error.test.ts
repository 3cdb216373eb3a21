import { RtError } from '@rt/scheduler';
import { FsError } from '@rt/fs';

describe('FsError', () => {
  it('carries errno, syscall, path, dest and a stable rt code', () => {
    const error = new FsError('ENOENT', 'rename', '/a', '/b');
    expect(error).toBeInstanceOf(RtError);
    expect(error).toMatchObject({ name: 'FsError', code: 'ERR_RT_NOT_FOUND', errno: 'ENOENT', syscall: 'rename', path: '/a', dest: '/b' });
    expect(error.message).toBe("ENOENT: rename '/a' -> '/b'");
  });

  it('maps unknown errnos to ERR_RT_OS_ERROR', () => {
    expect(new FsError('EIO', 'read').code).toBe('ERR_RT_OS_ERROR');
    expect(new FsError('EACCES', 'open', '/x').code).toBe('ERR_RT_PERMISSION_DENIED');
  });
});
