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
 * How long a child may run before it is killed (SIGKILL). A child needs under 1 s of CPU
 * (ts-node loads TypeScript, twice in the worker scenario), but its wall time on a loaded
 * machine is much longer: the worker scenario took 5-16 s with 14 busy processes on 2 cores
 * and 21-25 s with 20. The old 18 s guard killed it in a CI run at load ~17.
 */
export const CHILD_GUARD_MS = 60_000;

/** The jest timeout of a test that runs one child: the guard fires first, with its message. */
export const CHILD_TEST_TIMEOUT_MS = CHILD_GUARD_MS + 15_000;

/**
 * Starts `scenario`; each time a line in `onLine` is printed, sends the signal it names.
 * The child is killed (SIGKILL) if it is still running after {@link CHILD_GUARD_MS}, so the
 * test is bounded; the promise then rejects with an error that says so, not with an empty
 * result.
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
  const started = Date.now();
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, CHILD_GUARD_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (killed) {
        const output = `stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`;
        reject(new Error(`child '${scenario}' still running after ${Date.now() - started} ms: killed (${output})`));
      } else resolve({ code, signal, stdout, stderr });
    });
  });
}
