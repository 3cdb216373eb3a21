import { constants as osConstants } from 'node:os';
import { OsError, errno, errnoName, errnoOf, errorKind, systemErrorFields } from '@rt/mio-native';

describe('the errno table', () => {
  it('holds every errno of the platform, negative as the sys wrappers return them', () => {
    expect(Object.keys(errno).sort()).toEqual(Object.keys(osConstants.errno).sort());
    for (const [name, value] of Object.entries(osConstants.errno)) expect(errno[name as keyof typeof errno]).toBe(-value);
    expect(Object.isFrozen(errno)).toBe(true);
  });

  it('names errnos as Node does, and maps names back', () => {
    expect(errnoName(errno.ECONNREFUSED)).toBe('ECONNREFUSED');
    expect(errnoOf('ECONNREFUSED')).toBe(errno.ECONNREFUSED);
    expect(errnoOf('EAI_AGAIN')).toBeLessThan(0);
    expect(errnoOf('ENOTFOUND')).toBe(errnoOf('EAI_NONAME'));
    expect(errnoOf('ERR_RT_CANCELLED')).toBeUndefined();
    expect(() => errnoName(0)).toThrow(RangeError);
    expect(() => errnoName(1.5)).toThrow(RangeError);
  });

  it("groups errnos as Rust's std::io::ErrorKind does", () => {
    const cases: [string, string][] = [
      ['ECONNREFUSED', 'ConnectionRefused'],
      ['ECONNRESET', 'ConnectionReset'],
      ['ENOENT', 'NotFound'],
      ['EACCES', 'PermissionDenied'],
      ['EPERM', 'PermissionDenied'],
      ['EAGAIN', 'WouldBlock'],
      ['EADDRINUSE', 'AddrInUse'],
      ['EPIPE', 'BrokenPipe'],
      ['EMFILE', 'Uncategorized'],
      ['ENOTFOUND', 'Uncategorized'],
    ];
    for (const [name, kind] of cases) expect([name, errorKind(name)]).toEqual([name, kind]);
    expect(errorKind(errno.ECONNRESET)).toBe('ConnectionReset');
    expect(errorKind(7)).toBe('Uncategorized');
  });

  it('gives the fields every OS error carries, by name or number', () => {
    expect(systemErrorFields(errno.ECONNREFUSED)).toEqual({ code: 'ECONNREFUSED', errno: errno.ECONNREFUSED, kind: 'ConnectionRefused' });
    expect(systemErrorFields('ENOENT')).toEqual({ code: 'ENOENT', errno: errno.ENOENT, kind: 'NotFound' });
  });

  it('makes OsError carry kind beside code, errno and syscall', () => {
    expect(() => OsError.check(errno.EADDRINUSE, 'bind')).toThrow(expect.objectContaining({ code: 'EADDRINUSE', errno: errno.EADDRINUSE, syscall: 'bind', kind: 'AddrInUse' }) as Error);
  });
});
