// Pass lg28: sys.read / sys.write use recv(2) / send(2) and fall back to read(2) / write(2) on
// ENOTSOCK, remembering per fd number that it is not a socket (a hint the addon clears when it closes
// the fd or makes a socket with that number). Whatever the hint says about a number, every call
// must give what the descriptor behind it gives: here a number changes kind, closed through sys
// (the hint cleared) and closed behind the addon's back (fs.closeSync: the hint stale).
import { closeSync, mkdtempSync, openSync, constants as fsConstants, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { available, constants, sys } from '@rt/mio-native';
import { EAGAIN } from './helpers.js';

const describeNative = available ? describe : describe.skip;

describeNative('sys.read / sys.write on a number that changes kind (pass lg28)', () => {
  let dir = '';
  let fifos = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-fd-kind-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A pipe: a FIFO's two non-blocking ends ([read end, write end]); sys has no pipe(). */
  function pipe(): [number, number] {
    const path = join(dir, `f${fifos++}`);
    execFileSync('mkfifo', [path]);
    const r = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    return [r, openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK)];
  }
  function socketPair(): [number, number] {
    const out = new Int32Array(2);
    expect(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out)).toBe(0);
    return [out[0]!, out[1]!];
  }
  /** Writes `text` into `w`, reads it back from `r`, both ways sys has (slots and arguments), twice. */
  function roundTrip(r: number, w: number): void {
    for (const text of ['first', 'second']) {
      expect(sys.write(w, Buffer.from(text))).toBe(text.length);
      const whole = Buffer.alloc(64);
      expect(sys.read(r, whole)).toBe(text.length);
      expect(whole.subarray(0, text.length).toString()).toBe(text);
      expect(sys.write(w, Buffer.from(text), 0, text.length)).toBe(text.length);
      const part = Buffer.alloc(64);
      expect(sys.read(r, part, 0, 64)).toBe(text.length);
      expect(part.subarray(0, text.length).toString()).toBe(text);
    }
    expect(sys.read(r, Buffer.alloc(8))).toBe(EAGAIN);
  }

  it('a pipe reads and writes, again after it was found not to be a socket', () => {
    const [r, w] = pipe();
    expect(sys.read(r, Buffer.alloc(8))).toBe(EAGAIN);
    roundTrip(r, w);
    expect(sys.read(w, Buffer.alloc(8))).toBe(-9); // the write end: EBADF, as read(2) says
    sys.close(w);
    expect(sys.read(r, Buffer.alloc(8))).toBe(0);
    sys.close(r);
  });

  /** A pair of one kind used through sys and closed with `close`; then a pair of the other kind (most likely on the same numbers) must read and write. */
  function changeKind(first: () => [number, number], close: (fd: number) => unknown, second: () => [number, number]): void {
    const [r, w] = first();
    roundTrip(r, w);
    close(r);
    close(w);
    const [a, b] = second();
    roundTrip(a, b);
    sys.close(a);
    sys.close(b);
  }

  it('a pipe closed through sys, its numbers taken by sockets: the sockets read and write', () => {
    changeKind(pipe, (fd) => sys.close(fd), socketPair);
  });

  it('a pipe closed behind the addon (fs.closeSync), its numbers taken by sockets: the sockets read and write', () => {
    changeKind(pipe, closeSync, socketPair);
  });

  it('sockets closed behind the addon, their numbers taken by a pipe: the pipe reads and writes', () => {
    changeKind(socketPair, closeSync, pipe);
  });
});
