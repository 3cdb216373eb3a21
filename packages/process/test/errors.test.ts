import { Command, ProcessError, SpawnError } from '@rt/process';
import { RtError } from '@rt/scheduler';

describe('SpawnError', () => {
  it('is a ProcessError and an RtError with a stable code and the errno', () => {
    const error = new SpawnError('prog', 'ENOENT', 'not found in PATH');
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toBeInstanceOf(RtError);
    expect(error.name).toBe('SpawnError');
    expect(error.code).toBe('ENOENT');
    expect(error.message).toBe('spawn "prog" failed: ENOENT (no such file or directory): not found in PATH');
  });

  it('is what a failed status() rejects with', async () => {
    await expect(new Command('rt-no-such-program').status()).rejects.toBeInstanceOf(SpawnError);
  });
});
