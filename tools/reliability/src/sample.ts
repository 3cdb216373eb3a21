// One sample of what must not grow: memory, fds, tasks, timers and reactor registrations.
import { Handle } from '@rt/scheduler';
import { openFdCount } from './config.js';

/** What the suite samples, once a second in the soak and before/after each fault test. */
export interface Sample {
  /** Seconds since the run started. */
  readonly t: number;
  /** Resident set size, MiB. */
  readonly rssMiB: number;
  /** JS heap in use, MiB. */
  readonly heapMiB: number;
  /** Open file descriptors (/proc/self/fd). */
  readonly fds: number;
  /** Tasks alive on the current runtime. */
  readonly tasks: number;
  /** Timers pending on the current runtime's wheel. */
  readonly timers: number;
  /** Fds registered with the runtime's reactor (0 without the native driver). */
  readonly registered: number;
}

function driverNumber(drivers: Readonly<Record<string, Readonly<Record<string, unknown>>>>, key: string): number {
  let total = 0;
  for (const driver of Object.values(drivers)) {
    const value = driver[key];
    if (typeof value === 'number') total += value;
  }
  return total;
}

/** Takes a sample on the current runtime; `t0` is the run's start (performance.now()). */
export function sample(t0 = 0): Sample {
  const memory = process.memoryUsage();
  const metrics = Handle.current().metrics();
  return {
    t: (performance.now() - t0) / 1000,
    rssMiB: memory.rss / 2 ** 20,
    heapMiB: memory.heapUsed / 2 ** 20,
    fds: openFdCount(),
    tasks: metrics.aliveTasks,
    timers: driverNumber(metrics.drivers, 'pendingTimers'),
    registered: driverNumber(metrics.drivers, 'registered'),
  };
}

/** The sum of a numeric counter over the runtime's drivers (`acceptErrors`, `pendingTimers`, …). */
export function driverCounter(key: string, metrics = Handle.current().metrics()): number {
  return driverNumber(metrics.drivers, key);
}
