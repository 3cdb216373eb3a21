// Runs test/fixtures/child.mjs on @rt/signal's sources (through ts-node) and lets a test send
// signals when given lines appear on the child's stdout.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts `scenario`; each time a line in `onLine` is printed, sends the signal it names.
 * The child is killed (SIGKILL) if it is still running after 18 s, so the test is bounded.
 */
export function runChild(scenario: string, onLine: Record<string, NodeJS.Signals>): Promise<ChildResult> {
  const root = join(__dirname, '..', '..', '..');
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--loader', 'ts-node/esm', join(__dirname, 'fixtures', 'child.mjs'), join(__dirname, '..', 'src', 'index.ts'), scenario],
    {
      cwd: root,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let seen = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n').slice(0, -1);
    for (; seen < lines.length; seen++) {
      const signal = onLine[lines[seen] ?? ''];
      if (signal !== undefined) child.kill(signal);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), 18_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
