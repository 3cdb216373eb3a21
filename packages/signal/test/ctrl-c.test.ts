import { ctrlC } from '@rt/signal';
import { Cancelled } from '@rt/scheduler';
import { CHILD_TEST_TIMEOUT_MS, runChild } from './child.js';

describe('ctrlC', () => {
  it('keeps the process alive until SIGINT, then gives SIGINT its default action back', async () => {
    const result = await runChild('ctrl-c', { waiting: 'SIGINT', restored: 'SIGINT' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('waiting\ninterrupted\nrestored\n');
    expect(result.signal).toBe('SIGINT');
  }, CHILD_TEST_TIMEOUT_MS);

  it('rejects with Cancelled when aborted, and stops listening', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(ctrlC({ signal: AbortSignal.abort('no') })).rejects.toBeInstanceOf(Cancelled);
    const controller = new AbortController();
    const waiting = ctrlC({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(Cancelled);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
