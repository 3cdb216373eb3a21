import { CHILD_TEST_TIMEOUT_MS, runChild } from './child.js';

// SIGTERM and SIGINT end a process by default, so these run in child processes.
describe('Signal in a process of its own', () => {
  it('receives SIGTERM while a stream is open, and SIGTERM kills again once the last one closes', async () => {
    const result = await runChild('terminate-then-default', { listening: 'SIGTERM', closed: 'SIGTERM' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('listening\nreceived\nclosed\n');
    expect(result.signal).toBe('SIGTERM');
  }, CHILD_TEST_TIMEOUT_MS);

  it('does not keep the process alive with streams nobody awaits or settled receives', async () => {
    const result = await runChild('idle', {});
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('end\n');
    expect(result.code).toBe(0);
  }, CHILD_TEST_TIMEOUT_MS);

  it('cannot be created in a worker thread, where Node delivers no signal', async () => {
    const result = await runChild('worker', {});
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('SignalUnavailable ERR_RT_SIGNAL_UNAVAILABLE\n');
    expect(result.code).toBe(0);
  }, CHILD_TEST_TIMEOUT_MS);
});
