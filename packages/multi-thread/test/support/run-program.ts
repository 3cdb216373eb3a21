import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `test/fixtures/<name>` as its own Node program (with `args`) and collects its exit code
 * and output. A program still running after `limitMs` is killed (code null, "killed" in `err`).
 */
export async function runProgram(
  name: string,
  args: string[] = [],
  limitMs = 15_000,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => (out += data.toString()));
  child.stderr.on('data', (data: Buffer) => (err += data.toString()));
  // 'close', not 'exit': the pipes may still hold output when the process has exited
  // (seen under load: exit code 0 and an empty stdout).
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  clearTimeout(limit);
  if (child.signalCode === 'SIGKILL') err += `killed after ${limitMs} ms`;
  return { code, out, err };
}
