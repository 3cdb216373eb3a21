import { RtError, isCancelled } from '@rt/scheduler';
import { BrokenPipe, InvalidData, IoError, LineTooLong, ResourceBusy, StreamClosed, UnexpectedEof, WriteZero } from '@rt/io';

describe('IoError', () => {
  it('gives each error a stable code and its class name', () => {
    const cases: [IoError, string, string][] = [
      [new UnexpectedEof(), 'ERR_RT_UNEXPECTED_EOF', 'UnexpectedEof'],
      [new WriteZero(), 'ERR_RT_WRITE_ZERO', 'WriteZero'],
      [new BrokenPipe(), 'ERR_RT_BROKEN_PIPE', 'BrokenPipe'],
      [new StreamClosed(), 'ERR_RT_STREAM_CLOSED', 'StreamClosed'],
      [new InvalidData(), 'ERR_RT_INVALID_DATA', 'InvalidData'],
      [new LineTooLong(10, 5), 'ERR_RT_LINE_TOO_LONG', 'LineTooLong'],
      [new ResourceBusy(), 'ERR_RT_RESOURCE_BUSY', 'ResourceBusy'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(IoError);
      expect(error).toBeInstanceOf(RtError);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(isCancelled(error)).toBe(false);
    }
  });

  it("gives each error Tokio's kind, and an OS-reported one Node's code, errno and syscall", () => {
    expect([new UnexpectedEof(), new WriteZero(), new BrokenPipe(), new StreamClosed(), new InvalidData(), new LineTooLong(10, 5), new ResourceBusy()].map((e) => e.kind)).toEqual([
      'UnexpectedEof',
      'WriteZero',
      'BrokenPipe',
      'Other',
      'InvalidData',
      'InvalidData',
      'ResourceBusy',
    ]);
    expect(new BrokenPipe().errno).toBeUndefined();
    const fromOs = new BrokenPipe('the child closed its end', { code: 'EPIPE', errno: -32, syscall: 'write' });
    expect(fromOs).toBeInstanceOf(BrokenPipe);
    expect(fromOs).toMatchObject({ code: 'EPIPE', errno: -32, syscall: 'write', kind: 'BrokenPipe', name: 'BrokenPipe' });
  });

  it('keeps the numbers of a LineTooLong and the cause of others', () => {
    const tooLong = new LineTooLong(10, 5);
    expect(tooLong.length).toBe(10);
    expect(tooLong.maxLineLength).toBe(5);
    expect(tooLong.message).toMatch(/10.*5/);
    const cause = new Error('root');
    expect(new InvalidData('bad', { cause }).cause).toBe(cause);
  });
});
