// Flat config: typescript-eslint's recommended rules for every package, plus the
// architecture's layering: a package may import only packages below it
// (scripts/layers.mjs), never another package's `src/` or `internal/`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { allPackages, mayImport, nativeImporters, pollOwners } from './scripts/layers.mjs';
import { docHeadingsPlugin } from './scripts/eslint-doc-headings.mjs';

const deepImports = {
  group: ['@rt/*/src', '@rt/*/src/**', '@rt/*/internal', '@rt/*/internal/**', '@rt/*/dist/**'],
  message: "Import a package's public entry point, never its src/, dist/ or internal/ files.",
};

/** One block per package: forbid every @rt package it may not import. */
const layering = allPackages.map((name) => {
  const allowed = new Set(mayImport(name));
  const forbidden = allPackages.filter((other) => other !== name && !allowed.has(other));
  return {
    files: [`packages/${name}/src/**/*.ts`, `packages/${name}/src/**/*.cts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            ...(forbidden.length
              ? [{
                  group: forbidden.flatMap((other) => [`@rt/${other}`, `@rt/${other}/**`]),
                  message: `@rt/${name} may import only ${[...allowed].map((d) => '@rt/' + d).join(', ') || 'no @rt package'} (see ../shared/ARCHITECTURE.md, scripts/layers.mjs).`,
                }]
              : []),
          ],
          ...(nativeImporters.has(name) && !pollOwners.has(name)
            ? {
                paths: [{
                  name: '@rt/mio-native',
                  importNames: ['Poll'],
                  message: 'Only @rt/reactor opens a Poll: register fds with the runtime\'s one reactor (Reactor.current()).',
                }],
              }
            : {}),
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/node_modules/**', '**/*.d.ts', '**/*.d.cts', 'benchmarks/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', clearImmediate: 'readonly', queueMicrotask: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', globalThis: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports: export names.' }],
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  ...layering,
  {
    // One spelling for doc comment headings: **Cancellation:** **Errors:** **Example**.
    files: ['packages/*/src/**/*.ts', 'packages/*/src/**/*.cts'],
    plugins: { rt: docHeadingsPlugin },
    rules: { 'rt/doc-headings': 'error' },
  },
  {
    files: ['**/*.cjs', '**/*.cts', 'scripts/**', 'benchmarks/**/*.mjs', 'examples/**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
