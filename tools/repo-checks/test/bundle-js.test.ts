// The packages' build bundles each public entry into one ES module (scripts/lib/bundle-js.mjs,
// the third step of scripts/emit-js.mjs). What users see must not change: every exported class
// and function keeps its name (esbuild renames a top-level name two modules declare, and writes
// `class X` as `var X = class _X`; `keepNames` gives the names back), a thrown error's stack leads
// to the `.ts` source line with --enable-source-maps (the maps chain through tsc's), and `dist`
// holds the bundles and nothing a bundle no longer uses. These read the built packages (`turbo
// run build` first, as CI does).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  it('keeps each exported namespace (`export * as mpsc`) a module namespace object', () => {
    const namespaces: string[] = [];
    for (const { entries } of packages) {
      const program = ts.createProgram({ rootNames: entries.map((e) => e.types), options: { skipLibCheck: true, noEmit: true, types: [] } });
      const checker = program.getTypeChecker();
      for (const entry of entries) {
        for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry.types)!)!)) {
          const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
          if (target.flags & ts.SymbolFlags.ValueModule) namespaces.push(`${pathToFileURL(entry.js).href}#${symbol.name}`);
        }
      }
    }
    expect(namespaces.length).toBeGreaterThanOrEqual(5);
    const shapes = JSON.parse(run(`const out = {};
for (const key of ${JSON.stringify(namespaces)}) {
  const [url, name] = key.split('#');
  const ns = (await import(url))[name];
  out[key] = [Object.prototype.toString.call(ns), Object.getPrototypeOf(ns), Object.isExtensible(ns)];
}
process.stdout.write(JSON.stringify(out));`)) as Record<string, unknown>;
    expect(shapes).toEqual(Object.fromEntries(namespaces.map((key) => [key, ['[object Module]', null, false]])));
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

// The build takes out `keepNames`' `__name` calls where JavaScript gives the same name anyway. What
// it takes out must be exactly those: a name JavaScript gives otherwise (`const A = class B`, a
// default export, a renamed duplicate, a method, an object literal's function, a property assigned
// a function, a static block reading `this.name`) keeps its value, and a string or template literal
// whose lines look like what is taken out (`// dist/x.js`, a `static { __name(this, "Q"); }`)
// keeps its text, and an `export * as ns` namespace stays a module namespace object (esbuild
// makes it a plain object with getters). The per-file modules are the reference: the same values
// before and after.
describe('bundle-js: names and literals as the per-file modules had them', () => {
  const FILES: Record<string, string> = {
    'index.js': [
      "import { dup as dupB, Thing as ThingB } from './b.js';",
      'export const A = class B {};',
      'export const C = class {};',
      'export default function () {}',
      "export const obj = { m() {}, f: function () {}, g: () => {}, h: function named() {}, ['k' + 1]: () => {}, 'str': () => {} };",
      'export class S { static x = this.name; static { this.y = this.name; } static m() {} #p = () => {}; getP() { return this.#p; } q = () => {}; }',
      'export class Thing { static seen = this.name; }',
      'export const holder = {}; holder.fn = function () {};',
      'export function dup() {}',
      'export const tpl = `',
      '__name(dup, "dup");',
      '// dist/index.js',
      '`;',
      'let z; z = () => {};',
      'export const zz = () => z;',
      'export const re = /__name\\(x, "x"\\);/;',
      'export const pair = [dupB, ThingB];',
      'export const inner = (() => { function helper() {} const arrow = () => {}; class Local {} return [helper, arrow, Local]; })();',
      'export class Err extends Error { constructor(m) { super(m); this.name = this.constructor.name; } }',
      'export const outer = (() => { const dup = function () {}; return dup; })();',
      "export * as ns from './c.js';",
    ].join('\n'),
    'c.js': 'export const one = 1;\nexport function two() {}\n',
    'b.js': [
      'export function dup() {}',
      'export class Thing { static seen = this.name; }',
      'export const tpl2 = `',
      'var Q = class {',
      'static {',
      '__name(this, "Q");',
      '}',
      '`;',
    ].join('\n'),
  };
  /** Every name and literal of the fixture's two entries, as JSON. */
  const probe = (dist: string) => run(`const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)});
const b = await import(${JSON.stringify(pathToFileURL(join(dist, 'b.js')).href)});
const names = (list) => list.map((f) => f.name);
process.stdout.write(JSON.stringify({
  A: m.A.name, C: m.C.name, default: m.default.name, obj: Object.fromEntries(Object.entries(m.obj).map(([k, v]) => [k, v.name])),
  S: [m.S.name, m.S.x, m.S.y, m.S.m.name, new m.S().getP().name, new m.S().q.name], Thing: [m.Thing.name, m.Thing.seen, b.Thing.name, b.Thing.seen],
  fn: m.holder.fn.name, dup: [m.dup.name, b.dup.name], z: m.zz().name, inner: names(m.inner), pair: names(m.pair), err: new m.Err('x').name, outer: m.outer.name,
  tpl: m.tpl, tpl2: b.tpl2, re: String(m.re),
  // \`export * as ns\`: a module namespace object, as the per-file module's was.
  ns: [Object.prototype.toString.call(m.ns), Object.getPrototypeOf(m.ns) === null, Object.isExtensible(m.ns), Reflect.ownKeys(m.ns).map(String), m.ns.one, m.ns.two.name,
    Reflect.set(m.ns, 'extra', 1), Reflect.set(m.ns, 'one', 2), m.ns.one],
}));`);

  it('keeps every name and literal of a package with the cases', () => {
    // Inside the repository, so the bundler finds esbuild from the fixture's directory.
    const dir = mkdtempSync(join(__dirname, '..', '.bundle-js-fixture-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({
        name: 'fixture', type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './b': { types: './dist/b.d.ts', default: './dist/b.js' } },
      }));
      mkdirSync(join(dir, 'dist'));
      for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, 'dist', name), text);
      cpSync(join(dir, 'dist'), join(dir, 'per-file'), { recursive: true });
      const expected = JSON.parse(probe(join(dir, 'per-file'))) as unknown;
      run(`const ts = (await import('node:module')).createRequire(${JSON.stringify(join(root, 'package.json'))})('typescript');
const { bundlePackage } = await import(${JSON.stringify(pathToFileURL(join(root, 'scripts', 'lib', 'bundle-js.mjs')).href)});
await bundlePackage(${JSON.stringify(dir)}, ts);`);
      expect(readdirSync(join(dir, 'dist')).filter((f) => f.startsWith('chunk-') && f.endsWith('.js'))).toHaveLength(1);
      expect(JSON.parse(probe(join(dir, 'dist')))).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// turbo restores a cached build's `dist/**` over what `dist` holds and deletes nothing: the per-file
// modules of an older build, or the chunks of another commit's (their names carry a hash), stay
// beside the bundles and `files: ["dist"]` publishes them. So the release builds from empty dists.
describe('bundle-js: the release publishes only what its build wrote', () => {
  it('cleans every package dist before the build', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts['release']).toMatch(/^node scripts\/clean-dist\.mjs && turbo run build && /);
  });

  it('scripts/clean-dist.mjs deletes each package dist and nothing else', () => {
    const dir = mkdtempSync(join(__dirname, '..', '.clean-dist-fixture-'));
    try {
      for (const name of ['a', 'b']) {
        mkdirSync(join(dir, 'packages', name, 'dist', 'internal'), { recursive: true });
        mkdirSync(join(dir, 'packages', name, 'src'), { recursive: true });
        writeFileSync(join(dir, 'packages', name, 'dist', 'internal', 'stale.js'), '');
        writeFileSync(join(dir, 'packages', name, 'dist', 'index.js'), '');
        writeFileSync(join(dir, 'packages', name, 'src', 'index.ts'), '');
        writeFileSync(join(dir, 'packages', name, 'package.json'), '{}');
      }
      writeFileSync(join(dir, 'packages', 'README.md'), '');
      const child = spawnSync(process.execPath, [join(root, 'scripts', 'clean-dist.mjs'), dir], { encoding: 'utf8' });
      expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
      const left = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
      expect(left).toEqual(['packages', 'packages/README.md', 'packages/a', 'packages/a/package.json', 'packages/a/src', 'packages/a/src/index.ts',
        'packages/b', 'packages/b/package.json', 'packages/b/src', 'packages/b/src/index.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
