import { spawn } from 'node:child_process';
import { join } from 'node:path';

// The README's first example, as a program: it prints the greetings and ends by itself.
describe('README example', () => {
  it('runs an entry in every worker, prints their values and exits by itself with code 0', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'runtime-readme-app.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (err += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain("[ 'hello from worker 0 of 2', 'hello from worker 1 of 2' ]");
    expect(out).toMatch(/'0: \d+% busy', '1: \d+% busy'/);
  });
});
