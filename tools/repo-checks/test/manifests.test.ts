// Every publishable package's manifest keeps the promises the README makes: the rolling
// minimum Node.js version, ESM with sealed internals, typed entry points, no side effects.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const minimum: string = rootManifest.rt.minimumNode;
const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }));

describe('the rolling minimum Node.js version', () => {
  it('is stated in the README as the current minimum', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js ${minimum}`);
  });

  it.each(packages.map((p) => [p.manifest.name, p.manifest]))('is exactly what %s declares in engines.node', (_name, manifest) => {
    expect(manifest.engines).toEqual({ node: `>=${minimum}` });
  });

  it('is what the workspace root declares too', () => {
    expect(rootManifest.engines.node).toBe(`>=${minimum}`);
  });

  it('tests every line from the minimum to the newest LTS, and the README table says so', () => {
    const tested: string[] = rootManifest.rt.testedNode;
    const newest: string = rootManifest.rt.newestLts;
    // Node 26 became the newest LTS in October 2026.
    expect(Number(newest)).toBeGreaterThanOrEqual(26);
    const majors = [];
    for (let v = Number(minimum.split('.')[0]); v <= Number(newest); v += 2) majors.push(String(v));
    expect(tested).toEqual(majors);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const v of tested) expect(readme).toMatch(new RegExp(`\\| ${v} \\|[^\\n]*\\| yes`));
  });
});

describe('package manifests', () => {
  it('cover every layer of the architecture', () => {
    expect(packages.map((p) => p.dir).sort()).toEqual(
      ['console', 'fs', 'full', 'io', 'macros', 'mio-native', 'multi-thread', 'net', 'process', 'reactor', 'scheduler', 'signal', 'sync', 'time'].sort(),
    );
  });

  it.each(packages.map((p) => [p.manifest.name, p.manifest]))('%s is ESM with typed, sealed exports', (_name, manifest) => {
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.exports['./internal/*']).toBeNull();
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(manifest.files).toContain('dist');
  });

  it.each(packages.map((p) => [p.manifest.name, p.dir]))('%s has a README and a src/index.ts with no default export', (_name, dir) => {
    expect(existsSync(join(root, 'packages', dir, 'README.md'))).toBe(true);
    const index = readFileSync(join(root, 'packages', dir, 'src', 'index.ts'), 'utf8');
    expect(index).not.toMatch(/export\s+default/);
  });
});
