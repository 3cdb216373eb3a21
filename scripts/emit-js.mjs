// A package's build, second step (after `tsc -b`): emits its JavaScript again without comments.
//
// V8 keeps every loaded module's source text on the heap for the process's life (for
// `Function.prototype.toString`, lazy compilation and stack traces), so the comments of `dist/*.js`
// are memory every user's process pays: about 0.8 of the 1.8 MB of JavaScript rt's packages ship,
// and 1.25 MB of an @rt/http server's heap (a file with one character outside Latin-1 anywhere,
// comments included, is kept as a two-byte string). `tsc -b` stays the build of record: it checks the
// types and writes the declarations (`.d.ts` with their doc comments, `@internal` items stripped),
// the maps and the incremental state; this step re-emits only `.js` and `.js.map`, with
// `removeComments`, unchecked (the same sources `tsc -b` has just checked; `isolatedModules` holds),
// so the maps match the files. `/*! … */` comments stay (TypeScript keeps them).
//
// The same reason takes out each line's indentation (TypeScript indents by four spaces a level:
// 20% of the JavaScript the packages ship, 1.07 → 0.85 MB, and 0.11 MB of an @rt/http server's
// heap; see @rt/http's README, "Room under V8's 8 MB"). Lines stay lines (stack traces keep their
// line numbers, the files stay readable); a line that starts inside a string or template literal
// keeps its whitespace (it is the string's), and each map's generated columns move with their line.
//
// Then, third, the emitted modules are bundled into one ES module per public entry
// (scripts/lib/bundle-js.mjs: each ES module costs ~6.6 kB of heap before its code).
//
//   node ../../scripts/emit-js.mjs   (from a package directory, after `tsc -b`)
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundlePackage } from './lib/bundle-js.mjs';
import { dedent } from './lib/dedent-js.mjs';

const require = createRequire(join(process.cwd(), 'package.json'));
const ts = require('typescript');

const file = join(process.cwd(), 'tsconfig.json');
const parsed = ts.getParsedCommandLineOfConfigFile(
  file,
  { removeComments: true, declaration: false, declarationMap: false, composite: false, incremental: false, noCheck: true },
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]) },
);
if (parsed === undefined) process.exit(1);
if (parsed.errors.length > 0) fail(parsed.errors);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
const outputs = new Map();
const result = program.emit(undefined, (name, text) => outputs.set(name, text));
if (result.emitSkipped || result.diagnostics.length > 0) fail(result.diagnostics);
for (const [name, text] of outputs) {
  if (name.endsWith('.map')) continue;
  const map = outputs.get(`${name}.map`);
  const dedented = dedent(ts, name, text, map === undefined ? undefined : JSON.parse(map));
  mkdirSync(dirname(name), { recursive: true });
  writeFileSync(name, dedented.text);
  if (map !== undefined) writeFileSync(`${name}.map`, JSON.stringify(dedented.map));
}

function fail(diagnostics) {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}

// Third step: one ES module per public entry (scripts/lib/bundle-js.mjs), unless the package
// needs its file layout (`"rt": { "bundle": false }`).
const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
if (pkg.rt?.bundle !== false) await bundlePackage(process.cwd(), ts);
