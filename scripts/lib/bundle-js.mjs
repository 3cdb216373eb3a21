// A package's build, third step (scripts/emit-js.mjs calls it after re-emitting `dist/*.js`):
// bundles the package's JavaScript into one ES module per public entry (each `exports` subpath and
// `bin` of its package.json), with the code two entries share in shared chunks beside them (esbuild
// `splitting`), so a class is one class whichever subpath imports it. Every other package (`@rt/*`,
// npm dependencies) and Node's builtins stay imports. The per-file modules are deleted (the `.d.ts`
// stay, as `tsc -b` wrote them: types resolve through `exports` as before).
//
// Why: each ES module costs ~6.6 kB of heap (Node 20; 6.9 kB on Node 24) before its own code, for
// the process's life: an @rt/http server loaded 105 rt modules. See @rt/http's README, "What a
// server loads: fewer modules".
//
// Every output file lives directly in `dist/` (chunks too), so `import.meta.url`/`dirname`-relative
// paths (mio-native's `..` to its prebuilds) resolve as they did from a top-level module; a
// package that needs its file layout (a worker entry file, a `.cjs` beside its modules) opts out
// with `"rt": { "bundle": false }` in its package.json. The input is the comment-free emit, with
// its source maps (esbuild chains them: the output's maps point at the `.ts` sources); the output
// is dedented like the emit. Names: see `keepNames` below (tools/repo-checks/test/bundle-js.test.ts
// checks every exported class's and function's `.name`).
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVlqs, dedent, encodeVlq, literalTest } from './dedent-js.mjs';

/** Bundles `dir`'s (a package directory) `dist/*.js`; returns the output files' names. */
export async function bundlePackage(dir, ts) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const dist = join(dir, 'dist');
  const entries = new Set();
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : target?.default;
    if (subpath === './package.json' || file == null) continue;
    if (subpath.includes('*') || !file.startsWith('./dist/') || !file.endsWith('.js')) {
      throw new Error(`bundle-js: ${pkg.name}: export ${subpath} -> ${file} is not one ./dist/*.js file`);
    }
    entries.add(join(dir, file));
  }
  for (const file of Object.values(typeof pkg.bin === 'string' ? { bin: pkg.bin } : (pkg.bin ?? {}))) entries.add(join(dir, file));
  if (entries.size === 0) return [];
  const before = jsFiles(dist);
  const require = createRequire(join(dir, 'package.json'));
  const esbuild = require('esbuild');
  // `keepNames`: esbuild writes a top-level class as `var Poll = class _Poll` (and renames a name two
  // modules declare: `Sender2`); `__name()` gives each class and function its source name back.
  const keepNames = true;
  const result = await esbuild.build({
    absWorkingDir: dir,
    entryPoints: [...entries],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    outdir: dist,
    outbase: dist,
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'inline',
    // `"sideEffects": false` and `/* @__PURE__ */` are for the package's users' bundlers; this
    // build keeps every module's evaluation as it was.
    ignoreAnnotations: true,
    keepNames,
    write: false,
    logLevel: 'warning',
  });
  const outputs = new Map(result.outputFiles.map((file) => [file.path, file.text]));
  for (const file of before) {
    rmSync(file);
    rmSync(`${file}.map`, { force: true });
  }
  for (const [name, text] of outputs) {
    if (name.endsWith('.map')) continue;
    const map = outputs.get(`${name}.map`);
    const trimmed = trim(ts, name, text, map === undefined ? undefined : JSON.parse(map));
    const dedented = dedent(ts, name, trimmed.text, trimmed.map);
    writeFileSync(name, dedented.text);
    if (map !== undefined) writeFileSync(`${name}.map`, JSON.stringify(dedented.map));
  }
  return [...outputs.keys()].filter((name) => name.endsWith('.js'));
}

/**
 * `text` (esbuild's output) without what costs heap and does nothing, each such line left empty
 * (so the lines and `map` stay as they were, the line's mappings dropped): the `// dist/x.js`
 * comment that starts each module's code; `keepNames`' `__name(f, "f")` after a `function f`
 * (its name already) and `static { __name(this, "C"); }` in `var C = class {` (named C already);
 * the `__name` that give a renamed or inner-named class or function its name stay. A line that starts
 * inside a string or template literal is the literal's text, whatever it looks like: it stays.
 */
function trim(ts, name, text, map) {
  text = namespaceObjects(ts, name, unwrapNames(ts, name, text), map);
  const inLiteral = literalTest(ts, name, text);
  const parts = text.split(/(\r\n|[\n\r\u2028\u2029])/);
  const lines = [];
  const starts = [];
  for (let i = 0, offset = 0; i < parts.length; i += 2) {
    lines.push(parts[i]);
    starts.push(offset);
    offset += parts[i].length + (parts[i + 1] ?? '').length;
  }
  const blank = new Set();
  const declared = new Set();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(?:\/\/|(?:__name|var|export|async|function)\b)/.test(line) && inLiteral(starts[i])) continue;
    const fn = /^\s*(?:export\s+)?(?:async\s+)?function\*?\s+([\w$]+)\s*\(/.exec(line);
    if (fn !== null) declared.add(fn[1]);
    const named = /^\s*__name\(([\w$]+), "([\w$]+)"\);$/.exec(line);
    if (/^\s*\/\/ dist\/[\w./-]+\.js$/.test(line) || (named !== null && named[1] === named[2] && declared.has(named[1]))) blank.add(i);
    const cls = /^\s*var ([\w$]+) = class(?: extends [^{]+)? \{$/.exec(line);
    if (cls !== null && /^\s*static \{$/.test(lines[i + 1] ?? '') && lines[i + 2]?.trim() === `__name(this, "${cls[1]}");` && /^\s*\}$/.test(lines[i + 3] ?? '')) {
      blank.add(i + 1).add(i + 2).add(i + 3);
    }
  }
  for (let i = 0; i < parts.length; i += 2) if (blank.has(i / 2)) parts[i] = '';
  if (map === undefined) return { text: parts.join(''), map };
  // Fields after the generated column are relative to the segment before across lines: decode to
  // absolute values, drop the blank lines' segments, encode again.
  const absolute = [0, 0, 0, 0];
  let column = 0;
  const lineSegments = map.mappings.split(';').map((line) => (column = 0, line === '' ? [] : line.split(',').map((segment) => {
    const fields = decodeVlqs(segment);
    fields[0] = column += fields[0];
    for (let f = 1; f < fields.length; f++) fields[f] = absolute[f - 1] += fields[f];
    return fields;
  })));
  for (const i of blank) if (i < lineSegments.length) lineSegments[i] = [];
  const previous = [0, 0, 0, 0];
  const mappings = lineSegments.map((segments) => {
    let column = 0;
    return segments.map((fields) => {
      const out = [fields[0] - column];
      column = fields[0];
      for (let f = 1; f < fields.length; f++) {
        out.push(fields[f] - previous[f - 1]);
        previous[f - 1] = fields[f];
      }
      return out.map(encodeVlq).join('');
    }).join(',');
  }).join(';');
  return { text: parts.join(''), map: { ...map, mappings } };
}

/**
 * `text` with each `/* @__PURE__ *\/ __name(f, "x")` that names a function or class expression
 * where JavaScript names it "x" anyway (`const x = () => {}`, a field `x = () => {}`, `{ x: () => {} }`)
 * turned into `f`: blanked to spaces, so the columns and the source map stay. Such a call runs each
 * time its closure is made (a `defineProperty` per call on a hot path), not once.
 */
function unwrapNames(ts, name, text) {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const ranges = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === '__name' && node.arguments.length === 2
      && ts.isStringLiteral(node.arguments[1])) {
      const [fn, label] = node.arguments;
      const anonymous = ts.isArrowFunction(fn) || ((ts.isFunctionExpression(fn) || ts.isClassExpression(fn)) && fn.name === undefined);
      const parent = node.parent;
      const binding = (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.initializer === node
        && (ts.isIdentifier(parent.name) || ts.isPrivateIdentifier(parent.name)) ? parent.name.text : undefined;
      if (anonymous && binding === label.text) ranges.push([node.pos, fn.getStart(source)], [fn.end, node.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const chars = [...text];
  if (chars.length !== text.length) return text; // astral characters: leave the offsets alone
  for (const [start, end] of ranges) for (let i = start; i < end; i++) if (!/[\n\r\u2028\u2029]/.test(text[i])) chars[i] = ' ';
  return chars.join('');
}

/**
 * `text` with esbuild's `__export` helper (it fills the object an `export * as ns` or a used
 * `import * as ns` becomes: `var ns_exports = {}; __export(ns_exports, { a: () => a })`) making
 * that object what the per-file module's namespace was: `[object Module]`, no prototype, not
 * extensible (getters that cannot be redefined, as before). The added code goes on the helper's
 * last line, which maps to nothing (esbuild's own code), so lines and maps stay. `__reExport`
 * (an `export *` of another package inside a namespace) adds to the object later: not supported.
 */
function namespaceObjects(ts, name, text, map) {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  let helper;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === '__reExport') {
        throw new Error(`bundle-js: ${name}: __reExport (export * of another package in a namespace) would fill a closed namespace object`);
      }
      if (ts.isIdentifier(declaration.name) && declaration.name.text === '__export' && declaration.initializer !== undefined
        && ts.isArrowFunction(declaration.initializer) && ts.isBlock(declaration.initializer.body)
        && declaration.initializer.parameters.length === 2 && declaration.initializer.parameters[0].name.getText(source) === 'target') {
        helper = declaration.initializer.body;
      }
    }
  }
  if (helper === undefined) return text;
  const close = helper.end - 1;
  const line = source.getLineAndCharacterOfPosition(close).line;
  if (map !== undefined && (map.mappings.split(';')[line] ?? '') !== '') throw new Error(`bundle-js: ${name}: the __export helper's last line has mappings`);
  return `${text.slice(0, close)}__defProp(target, Symbol.toStringTag, { value: "Module" }); Object.setPrototypeOf(target, null); Object.preventExtensions(target); ${text.slice(close)}`;
}

/** Every `.js` file under `dir`. */
function jsFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}
