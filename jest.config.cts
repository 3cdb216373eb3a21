// Jest runs TypeScript sources through @swc/jest (fast, no type-check: `tsc` does that in
// the `typecheck` task). Workspace packages resolve to their `src/` so tests never need a
// build of the TypeScript, only of the native addon.
//
// Run from the root (`pnpm test:unit`) for every package, or from a package directory
// (`pnpm --filter @rt/sync test`), where scripts/jest-package.mjs passes `--roots` for that package alone.
// A .cts file so ts-node loads it as CommonJS whatever the package type.
import type { Config } from 'jest';

const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2022',
      transform: { decoratorVersion: '2022-03' },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];



const config: Config = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/tools'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleFileExtensions: ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json', 'node'],
  transform: { '^.+\\.(c|m)?tsx?$': swc },
  moduleNameMapper: {
    // Workspace packages: the public entry and public subpaths, from source.
    '^@rt/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@rt/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2.ts',
    // NodeNext-style relative imports name the emitted `.js`; jest loads the `.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // (A dependency's own `.cjs` files, e.g. @opentelemetry/semantic-conventions, stay `.cjs`.)
    '^(\\.{1,2}/.*)\\.cjs$': ['$1.cts', '$1.cjs'],
  },
  testTimeout: 20_000,
  // Two cores: one worker per core.
  maxWorkers: 2,
};

export = config;
