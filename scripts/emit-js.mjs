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
//   node ../../scripts/emit-js.mjs   (from a package directory, after `tsc -b`)
import { createRequire } from 'node:module';
import { join } from 'node:path';

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
const result = program.emit();
if (result.emitSkipped || result.diagnostics.length > 0) fail(result.diagnostics);

function fail(diagnostics) {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}
