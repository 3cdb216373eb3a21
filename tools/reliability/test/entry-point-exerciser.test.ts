// The entry-point exerciser (src/valgrind-addon.cjs) is what valgrind memcheck runs
// (README: `valgrind … node tools/reliability/src/valgrind-addon.cjs`) and the AddressSanitizer
// run's first step: without RT_MIO_NATIVE_DIR it finds the addon @rt/mio-native itself loads
// (its built loader's `loadedFrom`) and calls every entry point of it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { available } from '@rt/mio-native';

const exerciser = join(__dirname, '..', 'src', 'valgrind-addon.cjs');

(available ? describe : describe.skip)('the entry-point exerciser', () => {
  it('runs against the addon the package loads (no RT_MIO_NATIVE_DIR) and reports its calls', () => {
    const env = { ...process.env };
    delete env['RT_MIO_NATIVE_DIR'];
    const run = spawnSync(process.execPath, [exerciser], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/Cannot find module|MODULE_NOT_FOUND/);
    expect(run.status).toBe(0);
    const { calls, thrown } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { calls: number; thrown: number };
    expect(calls).toBeGreaterThan(10_000);
    expect(thrown).toBeGreaterThan(0);
    expect(thrown).toBeLessThan(calls);
  });
});
