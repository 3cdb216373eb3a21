import type { RuntimeConfig } from '../builder.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { availableParallelism } = process.getBuiltinModule('node:os');

/** The configuration of a runtime nobody configured (the default runtime, `Builder` defaults). */
export function defaultConfig(): RuntimeConfig {
  return {
    name: 'rt',
    enableIo: false,
    enableTime: false,
    startPaused: false,
    autoAdvance: true,
    maxBlockingThreads: Math.max(4, availableParallelism()),
    threadKeepAlive: 10_000,
    eventInterval: 61,
    unhandledError: 'log',
    captureSpawnLocations: false,
    instrument: instrumentFromEnv(),
    blockingThreshold: 50,
    instrumentLocations: true,
    console: consoleFromEnv(),
  };
}

/** RT_INSTRUMENT=1 (or RT_CONSOLE=addr) turns instrumentation on for every runtime built. */
function instrumentFromEnv(): boolean {
  const value = process.env['RT_INSTRUMENT'];
  return (value !== undefined && value !== '' && value !== '0') || consoleFromEnv() !== undefined;
}

function consoleFromEnv(): string | undefined {
  const value = process.env['RT_CONSOLE'];
  return value === undefined || value === '' ? undefined : value;
}
