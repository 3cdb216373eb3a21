import { runProgram } from './support/run-program.js';

// The README's "Jobs and work stealing" example, as a program: it prints what the README says
// and ends by itself (no handle left behind) with code 0.
describe('README: jobs and work stealing', () => {
  it('runs jobs on any worker and on a pinned one, and reports a missing export as a panic', async () => {
    const { code, out, err } = await runProgram('jobs-readme-app.mjs');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('[ 75025, 121393, 196418 ]\n55\nERR_RT_JOB_PANICKED\n');
  });
});
