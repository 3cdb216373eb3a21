import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs `test/fixtures/<name>` as its own Node program and collects its exit code and output. */
export async function runProgram(name: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', name)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => (out += data.toString()));
  child.stderr.on('data', (data: Buffer) => (err += data.toString()));
  // 'close', not 'exit': the pipes may still hold output when the process has exited
  // (seen under load: exit code 0 and an empty stdout).
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  return { code, out, err };
}
