// The packages' build bundles each public entry into one ES module (scripts/lib/bundle-js.mjs,
// the third step of scripts/emit-js.mjs). What users see must not change: every exported class
// and function keeps its name (esbuild renames a top-level name two modules declare, and writes
// `class X` as `var X = class _X`; `keepNames` gives the names back), a thrown error's stack leads
// to the `.ts` source line with --enable-source-maps (the maps chain through tsc's), and `dist`
// holds the bundles and nothing a bundle no longer uses. These read the built packages (`turbo
// run build` first, as CI does).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ts from 'typescript';

const root = join(__dirname, '..', '..', '..');

interface Manifest {
  name: string;
  exports?: Record<string, string | null | { types?: string; default?: string }>;
  bin?: string | Record<string, string>;
  rt?: { bundle?: boolean };
}

/** The bundled packages: directory, manifest, and each public entry's `.d.ts` and `.js`. */
const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.rt?.bundle !== false)
  .map(({ dir, manifest }) => ({
    dir,
    manifest,
    entries: Object.entries(manifest.exports ?? {})
      .filter(([subpath, target]) => subpath !== './package.json' && target !== null && typeof target === 'object')
      .map(([subpath, target]) => {
        const { types, default: js } = target as { types: string; default: string };
        return { subpath, types: join(dir, types), js: join(dir, js) };
      }),
  }));

/** `node` running `script` as an ES module: its stdout (fails the test on a non-zero exit). */
function run(script: string, flags: string[] = []): string {
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return child.stdout;
}

describe('bundle-js: one ES module per public entry', () => {
  it('bundles the packages an @rt/http server loads', () => {
    const bundled = packages.map(({ manifest }) => manifest.name);
    for (const name of ['@rt/http', '@rt/net', '@rt/scheduler', '@rt/time', '@rt/sync', '@rt/io', '@rt/reactor', '@rt/mio-native', '@rt/macros']) expect(bundled).toContain(name);
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))('%s: every exported class and function has its declared name', (_name, { entries }) => {
    const program = ts.createProgram({ rootNames: entries.map((e) => e.types), options: { skipLibCheck: true, noEmit: true, types: [] } });
    const checker = program.getTypeChecker();
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry.types)!)!;
      // `export * as mpsc from './mpsc.js'`: the namespace's members too, as `mpsc.Sender`.
      const expected: Record<string, string> = {};
      const collect = (moduleSymbol: ts.Symbol, prefix: string) => {
        for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
          const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
          const declaration = target.declarations?.[0];
          if (declaration !== undefined && (ts.isClassDeclaration(declaration) || ts.isFunctionDeclaration(declaration)) && declaration.name !== undefined) {
            expected[prefix + symbol.name] = declaration.name.text;
          } else if (prefix === '' && target.flags & ts.SymbolFlags.ValueModule) {
            collect(target, `${symbol.name}.`);
          }
        }
      };
      collect(module, '');
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      const names = JSON.parse(run(`const m = await import(${JSON.stringify(pathToFileURL(entry.js).href)});
process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(expected))}.map((k) => [k, k.split('.').reduce((o, p) => o?.[p], m)?.name]))));`)) as Record<string, string>;
      expect({ entry: entry.subpath, names }).toEqual({ entry: entry.subpath, names: expected });
    }
  });

  it('maps a thrown error to the .ts lines it was thrown from and called at, across packages', () => {
    const sync = pathToFileURL(join(root, 'packages', 'sync', 'dist', 'index.js')).href;
    const stack = run(`const { Semaphore } = await import(${JSON.stringify(sync)});
try { new Semaphore(-1); } catch (error) { process.stdout.write(error.stack); }`, ['--enable-source-maps']);
    const frames = [...stack.matchAll(/\((\/[^():]+\.ts):(\d+):(\d+)\)/g)].map(([, file, line]) => ({ file: file!, line: Number(line) }));
    expect(frames.map((f) => f.file.slice(root.length + 1))).toEqual(['packages/scheduler/src/primitives.ts', 'packages/sync/src/semaphore.ts']);
    const lineOf = (f: { file: string; line: number }) => readFileSync(f.file, 'utf8').split('\n')[f.line - 1]!;
    expect(lineOf(frames[0]!)).toContain('throw new RangeError(');
    expect(lineOf(frames[1]!)).toContain("checkCount('Semaphore permits'");
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))('%s: dist holds the bundles and the chunks they import, no per-file modules', (_name, { dir, entries, manifest }) => {
    const dist = join(dir, 'dist');
    const js = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(js.filter((f) => f.includes('/'))).toEqual([]);
    const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
    const roots = new Set([...entries.map((e) => e.js), ...bins.map((b) => join(dir, b))].map((f) => f.slice(dist.length + 1)));
    // Every other file is a chunk some bundle imports (statically or by `import()`).
    const reached = new Set(roots);
    for (const file of reached) {
      for (const [, name] of readFileSync(join(dist, file), 'utf8').matchAll(/(?:from|import\()\s*"\.\/([\w.-]+\.js)"/g)) reached.add(name!);
    }
    expect(js.sort()).toEqual([...reached].sort());
  });
});
