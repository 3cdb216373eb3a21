import { runProgram } from './support/run-program.js';

// The README's "Channels across threads" examples, as programs: each prints what the README
// says and ends by itself with code 0.
describe('README: channels across threads', () => {
  it('workers of the runtime send on cloned senders under a shared Semaphore; the stream ends when they close', async () => {
    const { code, out, err } = await runProgram('channels-readme-app.mjs');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('[ 3, 3 ]\n[ 0, 1 ]\n');
  });

  it('a plain worker_threads worker replies on a oneshot passed in workerData', async () => {
    const { code, out, err } = await runProgram('channels-readme-plain.mjs');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('42\n');
  });
});
