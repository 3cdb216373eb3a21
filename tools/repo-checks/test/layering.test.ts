// The architecture's layering is enforced by lint (eslint.config.js, from
// scripts/layers.mjs) and by scripts/check-layers.mjs over the manifests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lint(file: string, code: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', file], { cwd: root, input: code, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('layering lint', () => {
  it('rejects a package importing one above it', () => {
    const r = lint('packages/reactor/src/upward.ts', "import { x } from '@rt/net';\nexport const y = x;\n");
    expect(r.status).toBe(1);
    expect(r.output).toContain('@rt/reactor may import only');
  });

  it('rejects @rt/mio-native from any package but the reactor and net', () => {
    const r = lint('packages/sync/src/native.ts', "import { x } from '@rt/mio-native';\nexport const y = x;\n");
    expect(r.status).toBe(1);
    expect(r.output).toContain('no-restricted-imports');
  });

  it('rejects deep imports of another package', () => {
    const r = lint('packages/net/src/deep.ts', "import { x } from '@rt/scheduler/src/task';\nexport const y = x;\n");
    expect(r.status).toBe(1);
    expect(r.output).toContain("never its src/");
  });

  it('accepts an import of a package below', () => {
    const r = lint('packages/net/src/ok.ts', "import { x } from '@rt/scheduler';\nexport const y = x;\n");
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('check-layers', () => {
  it('finds the manifests consistent with the layers and free of cycles', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'check-layers.mjs')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('check-changesets', () => {
  // A shallow clone may lack the release commits the check compares against: then the test
  // is reported as skipped (its name says why) and only the changesets' form is checked.
  const shallow = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: root, encoding: 'utf8' }).stdout.trim() === 'true';
  const runCheck = () => spawnSync(process.execPath, [join(root, 'scripts', 'check-changesets.mjs')], { encoding: 'utf8' });

  it('finds every pending changeset well formed', () => {
    const r = runCheck();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  (shallow ? it.skip : it)(`finds a pending changeset for every package whose src changed since its release${shallow ? ' (skipped: shallow clone)' : ''}`, () => {
    const r = runCheck();
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('shallow clone');
    expect(r.stdout).toMatch(/check-changesets: \d+ packages with pending changesets; [1-9]\d* packages checked against their last release/);
  });
});
