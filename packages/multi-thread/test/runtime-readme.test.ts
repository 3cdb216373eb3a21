import { runProgram } from './support/run-program.js';

// The README's first example, as a program: it prints the greetings and ends by itself.
describe('README example', () => {
  it('runs an entry in every worker, prints their values and exits by itself with code 0', async () => {
    const { code, out, err } = await runProgram('runtime-readme-app.mjs');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain("[ 'hello from worker 0 of 2', 'hello from worker 1 of 2' ]");
    expect(out).toMatch(/'0: \d+% busy', '1: \d+% busy'/);
  });
});
