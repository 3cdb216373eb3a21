// One spelling for the headings of doc comments — **Cancellation:** **Errors:** **Example** —
// enforced by lint (the local rule rt/doc-headings, scripts/eslint-doc-headings.mjs) over
// packages/*/src.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lint(file: string, code: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [eslint, ...args, '--stdin', '--stdin-filename', file], { cwd: root, input: code, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const doc = (...lines: string[]): string => `/**\n${lines.map((l) => ` * ${l}`).join('\n')}\n */\nexport const x = 1;\n`;

describe('doc comment headings lint (rt/doc-headings)', () => {
  it('accepts the one spelling of each heading', () => {
    const r = lint('packages/net/src/ok.ts', doc('Does x.', '', '**Cancellation:** cancel safe.', '', '**Errors:** none.', '', '**Example**', '```ts', 'x;', '```'));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('rejects every other spelling, naming the one to use', () => {
    const cases: Array<[string, string]> = [
      ['**Cancellation**:', '**Cancellation:**'],
      ['**Cancellation.**', '**Cancellation:**'],
      ['**Cancellation**', '**Cancellation:**'],
      ['**Errors**:', '**Errors:**'],
      ['**Errors.**', '**Errors:**'],
      ['Errors:', '**Errors:**'],
      ['**Example:**', '**Example**'],
      ['**Example**:', '**Example**'],
      ['Example:', '**Example**'],
      ['@example', '**Example**'],
    ];
    // One comment per case, each its own export (one eslint run for all).
    const code = cases.map(([wrong], i) => doc('Does x.', '', `${wrong} something.`).replace('const x', `const x${i}`)).join('');
    const r = lint('packages/sync/src/wrong.ts', code);
    expect(r.status).toBe(1);
    expect(r.output.match(/rt\/doc-headings/g)).toHaveLength(cases.length);
    for (const [wrong, right] of cases) expect(r.output).toContain(`heading '${wrong}': spell it '${right}'`);
  });

  it('reports every wrong heading of a comment, at its line', () => {
    const r = lint('packages/io/src/wrong.ts', doc('Does x.', '**Cancellation**: safe.', '**Errors**: none.', '**Example:**'));
    expect(r.status).toBe(1);
    expect(r.output.match(/rt\/doc-headings/g)).toHaveLength(3);
    expect(r.output).toMatch(/^\s+3:\d+\s+error/m);
    expect(r.output).toMatch(/^\s+5:\d+\s+error/m);
  });

  it('fixes the wrong spellings with --fix', () => {
    const r = lint('packages/io/src/wrong.ts', doc('**Cancellation.** safe.', '**Errors**: none.', '**Example:**'), '--fix-dry-run', '--format', 'json');
    const [result] = JSON.parse(r.output) as Array<{ output: string }>;
    expect(result?.output).toBe(doc('**Cancellation:** safe.', '**Errors:** none.', '**Example**'));
  });

  it('leaves fenced code, line comments, prose and other bold text alone', () => {
    const code =
      doc('A list of Errors and an Example of use.', '**Errors and retries** are covered above.', '```ts', "const s = 'Example: x';", '```') +
      '// Cancellation: every waiting call is cancel safe.\n';
    const r = lint('packages/net/src/ok.ts', code);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('applies to packages/*/src only', () => {
    const r = lint('packages/net/test/some.test.ts', doc('**Example:**'));
    expect(r.output).not.toContain('rt/doc-headings');
  });
});
