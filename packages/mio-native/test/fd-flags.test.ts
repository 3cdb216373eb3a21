import { closeSync, openSync, readlinkSync } from 'node:fs';
import { available, constants, errno, sys } from '@rt/mio-native';
import { openFds } from './helpers.js';

const describeNative = available ? describe : describe.skip;

describeNative('sys.getFdFlag / sys.setFdFlag (fcntl)', () => {
  let before = 0;
  beforeEach(() => {
    before = openFds();
  });
  afterEach(() => {
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('reads the flags of a new socket (non-blocking, close-on-exec) and changes each on its own', () => {
    const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    try {
      expect(sys.getFdFlag(fd, 'O_NONBLOCK')).toBe(1);
      expect(sys.getFdFlag(fd, 'FD_CLOEXEC')).toBe(1);
      expect(sys.setFdFlag(fd, 'O_NONBLOCK', false)).toBe(0);
      expect(sys.getFdFlag(fd, 'O_NONBLOCK')).toBe(0);
      expect(sys.getFdFlag(fd, 'FD_CLOEXEC')).toBe(1);
      expect(sys.setFdFlag(fd, 'FD_CLOEXEC', false)).toBe(0);
      expect(sys.getFdFlag(fd, 'FD_CLOEXEC')).toBe(0);
      expect(sys.setFdFlag(fd, 'O_NONBLOCK', true)).toBe(0);
      expect(sys.setFdFlag(fd, 'O_NONBLOCK', true)).toBe(0); // already set: no change
      expect(sys.getFdFlag(fd, 'O_NONBLOCK')).toBe(1);
      expect(sys.getFdFlag(fd, 'FD_CLOEXEC')).toBe(0);
    } finally {
      sys.close(fd);
    }
  });

  it('reads what Node set on a file it opened (blocking)', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('/dev/null');
      expect(sys.getFdFlag(fd, 'O_NONBLOCK')).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('returns -EBADF for an fd that is not open, and fails at once on bad arguments', () => {
    const fd = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    sys.close(fd);
    expect(sys.getFdFlag(fd, 'O_NONBLOCK')).toBe(errno.EBADF);
    expect(sys.setFdFlag(fd, 'FD_CLOEXEC', true)).toBe(errno.EBADF);
    expect(sys.getFdFlag(-1, 'FD_CLOEXEC')).toBe(errno.EBADF);
    expect(() => sys.getFdFlag(0, 'O_APPEND' as 'O_NONBLOCK')).toThrow(TypeError);
    expect(() => sys.setFdFlag(0, 'O_NONBLOCK', 1 as unknown as boolean)).toThrow(TypeError);
    expect(() => sys.getFdFlag(Number.NaN, 'O_NONBLOCK')).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_RT_NATIVE_ARGUMENT' }) as Error);
    expect(() => sys.getFdFlag(2 ** 32 + 1, 'O_NONBLOCK')).toThrow(expect.objectContaining({ name: 'RangeError' }) as Error);
    expect(() => sys.getFdFlag('3' as unknown as number, 'O_NONBLOCK')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT' }) as Error);
  });
});
