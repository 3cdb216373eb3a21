import { availableParallelism } from 'node:os';
import type { RuntimeConfig } from '../builder.js';

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
  };
}
