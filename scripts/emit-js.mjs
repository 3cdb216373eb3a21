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
//   node ../../scripts/emit-js.mjs   (from a package directory, after `tsc -b`)
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const outputs = new Map();
const result = program.emit(undefined, (name, text) => outputs.set(name, text));
if (result.emitSkipped || result.diagnostics.length > 0) fail(result.diagnostics);
for (const [name, text] of outputs) {
  if (name.endsWith('.map')) continue;
  const map = outputs.get(`${name}.map`);
  const dedented = dedent(name, text, map === undefined ? undefined : JSON.parse(map));
  mkdirSync(dirname(name), { recursive: true });
  writeFileSync(name, dedented.text);
  if (map !== undefined) writeFileSync(`${name}.map`, JSON.stringify(dedented.map));
}

/**
 * `text` without each line's leading whitespace, except where a line starts inside a string or
 * template literal; `map` (a source map of `text`) with each line's generated columns moved by what
 * its line lost.
 */
function dedent(name, text, map) {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const literals = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.StringLiteral || node.kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral
      || node.kind === ts.SyntaxKind.TemplateHead || node.kind === ts.SyntaxKind.TemplateMiddle || node.kind === ts.SyntaxKind.TemplateTail) {
      literals.push([node.getStart(source), node.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const inLiteral = (offset) => literals.some(([start, end]) => offset > start && offset < end);
  // Lines as JavaScript and the source map count them (CRLF, LF, CR, U+2028, U+2029: a string
  // literal may hold a raw U+2028, or a CR as its line continuation), each with its terminator.
  const parts = text.split(/(\r\n|[\n\r\u2028\u2029])/);
  const lines = [];
  const ends = [];
  for (let i = 0; i < parts.length; i += 2) {
    lines.push(parts[i]);
    ends.push(parts[i + 1] ?? '');
  }
  const cut = [];
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = /^[ \t]*/.exec(line)[0].length;
    cut.push(indent > 0 && !inLiteral(offset) ? indent : 0);
    offset += line.length + ends[i].length;
  }
  const mappings = map === undefined ? undefined : map.mappings.split(';');
  if (mappings !== undefined) {
    for (let i = 0; i < mappings.length && i < cut.length; i++) {
      if (cut[i] === 0 || mappings[i] === '') continue;
      const first = decodeVlq(mappings[i]);
      // The first segment's column is absolute in its line, the rest relative to it.
      if (first.value < cut[i]) {
        cut[i] = 0; // a mapping inside the indentation: leave this line as it is
        continue;
      }
      mappings[i] = encodeVlq(first.value - cut[i]) + mappings[i].slice(first.length);
    }
  }
  const out = lines.map((line, i) => line.slice(cut[i]) + ends[i]).join('');
  return { text: out, map: map === undefined ? undefined : { ...map, mappings: mappings.join(';') } };
}

/** The first base64 VLQ number of `segment`: its value and how many characters it took. */
function decodeVlq(segment) {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < segment.length; i++) {
    const digit = BASE64.indexOf(segment[i]);
    result += (digit & 31) << shift;
    if ((digit & 32) === 0) return { value: result & 1 ? -(result >>> 1) : result >>> 1, length: i + 1 };
    shift += 5;
  }
  throw new Error(`emit-js: a malformed source map segment ${JSON.stringify(segment)}`);
}

function encodeVlq(value) {
  let vlq = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = vlq & 31;
    vlq >>>= 5;
    if (vlq > 0) digit |= 32;
    out += BASE64[digit];
  } while (vlq > 0);
  return out;
}

function fail(diagnostics) {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}
