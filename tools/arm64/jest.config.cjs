// The jest configuration of the arm64 run (scripts/arm64.mjs): the root jest.config.cts
// with a plain-JavaScript TypeScript transform, because @swc/jest ships no binary for the
// emulated CPU here. Same roots resolution and module mapping; only @rt/mio-native's tests.
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
module.exports = {
  rootDir: root,
  testEnvironment: 'node',
  roots: [join(root, 'packages', 'mio-native')],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleFileExtensions: ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json', 'node'],
  transform: { '^.+\\.(c|m)?tsx?$': join(__dirname, 'ts-transform.cjs') },
  moduleNameMapper: {
    '^@rt/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^(\\.{1,2}/.*)\\.cjs$': '$1.cts',
  },
  // Emulation is 10-30x slower than the host.
  testTimeout: 120_000,
};
