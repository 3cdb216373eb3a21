// Scenarios whose assertions are about wall-clock time, run until one run kept the CPU.
//
// Busy time is wall-clock time (as Tokio's is): a preemption that falls inside a timed segment
// is counted in it. On a loaded 2-core machine (CI beside other work) one can last tens of ms,
// more than any slack a test can allow, so such a test runs its scenario again when this thread
// was held off the CPU during it: Linux's schedstat counts the time a thread spent runnable
// without a CPU. Nothing is skipped: the last run's result is returned either way, and the
// test's assertions judge it.
import { readFileSync } from 'node:fs';

/** ms this thread has spent runnable but waiting for a CPU, so far (/proc/thread-self/schedstat, second field). */
export function runQueueWaitMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
}

/**
 * Runs `scenario` until a run during which this thread waited at most `slackMs` for a CPU in
 * all (at most `runs` runs), and returns that run's value, or the last run's.
 */
export async function onCpu<T>(scenario: () => Promise<T>, { slackMs = 2, runs = 5 }: { slackMs?: number; runs?: number } = {}): Promise<T> {
  for (let run = 1; ; run++) {
    const before = runQueueWaitMs();
    const value = await scenario();
    if (runQueueWaitMs() - before <= slackMs || run === runs) return value;
  }
}
