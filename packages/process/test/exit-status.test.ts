import { Command, ExitStatus } from '@rt/process';

describe('ExitStatus', () => {
  it('describes an exit code', () => {
    const status = new ExitStatus(0, null);
    expect(status.success).toBe(true);
    expect(status.signalNumber).toBeNull();
    expect(String(status)).toBe('exit status: 0');
    expect(String(new ExitStatus(2, null))).toBe('exit status: 2');
  });

  it('describes a terminating signal', () => {
    const status = new ExitStatus(null, 'SIGKILL');
    expect(status.success).toBe(false);
    expect(status.signalNumber).toBe(9);
    expect(String(status)).toBe('signal: 9 (SIGKILL)');
  });

  it('is what status() resolves with', async () => {
    const status = await new Command('sh').args(['-c', 'exit 7']).status();
    expect(status).toBeInstanceOf(ExitStatus);
    expect(status.code).toBe(7);
  });
});
