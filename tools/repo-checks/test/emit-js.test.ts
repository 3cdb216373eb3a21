// scripts/emit-js.mjs publishes each package's JavaScript without its lines' indentation. That
// must change nothing but whitespace between tokens: the program token for token (a line that
// starts inside a string or template literal keeps its whitespace, the string's), the lines
// (stack traces keep their line numbers, counted as JavaScript counts them: CR, LF, CRLF, U+2028,
// U+2029), and the source map (each segment still points at the same generated token).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ts from 'typescript';

const root = join(__dirname, '..', '..', '..');
/** Inside the repository, so the script finds TypeScript from the fixture's directory. */
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(__dirname, '..', '.emit-js-fixture-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const OPTIONS = { target: 'es2022', module: 'nodenext', outDir: 'dist', rootDir: 'src', sourceMap: true, strict: true, skipLibCheck: true, types: [] };

/** The source: literals that span lines in every way a line can start inside one, a U+2028 in a string literal and a CR as its line continuation (JavaScript line terminators). */
const SOURCE = [
  'export function f(x: number): string[] {',
  '  if (x > 0) {',
  "    const a = 'one\\",
  "      two';",
  '    const b = `three',
  '      ${x}',
  '      ${`inner',
  '        ${x + 1}`}',
  '      four`;',
  '    const c = String.raw`a\\',
  '      b`;',
  "    const d = 'x\u2028  y';",
  '    const e = 1;',
  "    const r = 'p\\\r  q';",
  '    return [a, b, c, d, `${e}`, r];',
  '  }',
  '  return [];',
  '}',
  '/*! kept',
  '    comment */',
  'export const g = (): number => {',
  '  const y = 1;',
  '  return y + 2;',
  '};',
  '',
].join('\n');

/** Lines as JavaScript (and a source map) counts them. */
const jsLines = (text: string): string[] => text.split(/\r\n|[\n\r\u2028\u2029]/);

/** The program's tokens: the syntax tree's leaves, each kind and text. */
function tokens(name: string, text: string): string[] {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  expect((file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics.map((d) => d.messageText)).toEqual([]);
  const out: string[] = [];
  const walk = (node: ts.Node): void => {
    const children = node.getChildren(file);
    if (children.length === 0 && node.kind !== ts.SyntaxKind.SyntaxList) out.push(`${node.kind}:${node.getText(file)}`);
    children.forEach(walk);
  };
  walk(file);
  return out;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Each generated line's segments: [generated column, source, source line, source column, name?], absolute. */
function segments(mappings: string): number[][][] {
  let source = 0;
  let line = 0;
  let column = 0;
  return mappings.split(';').map((text) => {
    let generated = 0;
    return text.split(',').filter((s) => s !== '').map((segment) => {
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generated += values[0]!;
      if (values.length === 1) return [generated];
      source += values[1]!;
      line += values[2]!;
      column += values[3]!;
      return [generated, source, line, column];
    });
  });
}

describe('emit-js: the published JavaScript without indentation', () => {
  it('keeps the tokens, the lines and every source map segment of the plain emit, and the program runs the same', () => {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'emit-js-fixture', private: true, type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: OPTIONS }));
    writeFileSync(join(dir, 'src', 'a.ts'), SOURCE);
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'emit-js.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const built = readFileSync(join(dir, 'dist', 'a.js'), 'utf8');
    const builtMap = JSON.parse(readFileSync(join(dir, 'dist', 'a.js.map'), 'utf8')) as { mappings: string };

    // The plain emit of the same file with the same options, nothing written.
    const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), { removeComments: true, noCheck: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const outputs = new Map<string, string>();
    ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options }).emit(undefined, (name, text) => outputs.set(name, text));
    const plain = outputs.get(join(dir, 'dist', 'a.js'))!;
    const plainMap = JSON.parse(outputs.get(join(dir, 'dist', 'a.js.map'))!) as { mappings: string };

    expect(built.length).toBeLessThan(plain.length);
    expect(built).toContain('\nreturn y + 2;'); // indentation out
    expect(tokens('a.js', built)).toEqual(tokens('a.js', plain));
    const builtLines = jsLines(built);
    const plainLines = jsLines(plain);
    expect(builtLines).toHaveLength(plainLines.length);
    const builtSegments = segments(builtMap.mappings);
    const plainSegments = segments(plainMap.mappings);
    expect(builtSegments).toHaveLength(plainSegments.length);
    expect(plainSegments.length).toBeLessThanOrEqual(plainLines.length);
    plainSegments.forEach((line, i) => {
      expect(builtSegments[i]!.map((s) => s.slice(1))).toEqual(line.map((s) => s.slice(1)));
      // Each segment points at the same generated text (its token and the rest of its line).
      expect(builtSegments[i]!.map((s) => builtLines[i]!.slice(s[0]))).toEqual(line.map((s) => plainLines[i]!.slice(s[0])));
    });

    // The built module, run (a child process: jest loads no ES module here).
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist', 'a.js')).href)}); process.stdout.write(JSON.stringify([m.f(1), m.g()]));`;
    const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual([['one      two', 'three\n      1\n      inner\n        2\n      four', 'a\\\n      b', 'x\u2028  y', '1', 'p  q'], 3]);
  });
});
