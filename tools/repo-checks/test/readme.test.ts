// The README's examples are code that runs: the "A taste" block is compiled and run against
// the built packages, and the set-up commands at the top stay the two the README promises.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('opens with the demo command and the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.trim().split('\n').map((line) => line.replace(/\s+#.*$/, ''));
    expect(commands).toEqual([
      'npm install -g pnpm@9 && pnpm install --frozen-lockfile && pnpm demo',
      'npm install -g pnpm@9 && pnpm install --frozen-lockfile && pnpm test',
    ]);
  });

  const taste = /## A taste\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const blocks = [...taste.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it.each([
    ['the socket, channel and select example', 0, ['got hello']],
    ['the tasks example', 1, ['cleaned up', 'cancelled: true', 'sum 60', 'derived 16 bytes off the main thread', '"spinner"']],
  ] as const)('has %s, which runs and prints what it says', (_name, index, expected) => {
    const source = blocks[index];
    expect(source).toBeDefined();
    const js = ts.transpileModule(source!, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // Written inside this package so that `@rt/full` resolves from its node_modules.
    const dir = mkdtempSync(join(__dirname, '..', '.readme-'));
    try {
      const file = join(dir, 'taste.mjs');
      writeFileSync(file, js);
      const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 15_000 });
      expect(run.stderr).toBe('');
      for (const text of expected) expect(run.stdout).toContain(text);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
