import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('process exit', () => {
  it('stays alive while a timer is awaited and exits when none is, with timers still pending', () => {
    const root = join(__dirname, '..', '..', '..');
    const result = spawnSync(
      process.execPath,
      ['--no-warnings', '--loader', 'ts-node/esm', join(__dirname, 'fixtures', 'exits.mjs'), join(__dirname, '..', 'src', 'index.ts')],
      {
        cwd: root,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') },
        encoding: 'utf8',
        // ts-node's loader compiles the package's sources first: 18 s was not enough at load 20-40.
        timeout: 60_000,
      },
    );
    expect(result.error).toBeUndefined(); // (a kill at the timeout shows here, not as a missing 'end')
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('end\n');
    expect(result.status).toBe(0);
  }, 70_000);
});
