import { spawn } from 'node:child_process';
import { join } from 'node:path';

// The README's "Jobs and work stealing" example, as a program: it prints what the README says
// and ends by itself (no handle left behind) with code 0.
describe('README: jobs and work stealing', () => {
  it('runs jobs on any worker and on a pinned one, and reports a missing export as a panic', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'jobs-readme-app.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (err += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('[ 75025, 121393, 196418 ]\n55\nERR_RT_JOB_PANICKED\n');
  });
});
