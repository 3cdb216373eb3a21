// What a server process did during one benchmark round, seen from inside it, in measures the
// machine's load does not fake: V8's GC events by kind (count, pause total, longest pause; from
// PerformanceObserver 'gc'), the process's CPU time (process.cpuUsage: user and system µs), the
// heap in use at the round's end, the young generation's size after its GCs (min, max), and stalls of the main thread of 10 ms or more, split by
// whether the process had the CPU meanwhile ("off": it did not, the machine took it; "on": it
// did, JavaScript or GC). Used by benchmarks/http-p99-server.mjs and, preloaded with
// `node --import ./benchmarks/lib/round-probe-preload.mjs`, by any other server (the Hono ones).
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const GC_KINDS = { 1: 'scav', 2: 'mc', 4: 'inc', 8: 'weak', 16: 'mmc' };

/**
 * Starts observing this process; `take()` returns what happened since the last `take()` (or
 * the start) and starts a new window: `{ gc: { scav: { n, ms, max }, ... }, gcMs, gcMax,
 * cpuUserUs, cpuSystemUs, heapMB, youngMB: { min, max }, stalls: { off: { n, ms, max }, on: { n, ms, max } } }`.
 */
export function createRoundProbe() {
  let gc = {};
  // The young generation's size (V8's new space, both semi-spaces) seen after the window's GCs:
  // V8 shrinks it after a mark-compact when the allocation rate was low (an idle server) and
  // grows it back only as scavenges' survivors add up, so it tells the GC state of a round.
  let young = { min: Infinity, max: 0 };
  new PerformanceObserver((list) => {
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    young.min = Math.min(young.min, newSpace);
    young.max = Math.max(young.max, newSpace);
    for (const e of list.getEntries()) {
      const kind = e.detail?.kind ?? e.kind;
      const g = (gc[GC_KINDS[kind] ?? String(kind)] ??= { n: 0, ms: 0, max: 0 });
      g.n++;
      g.ms += e.duration;
      g.max = Math.max(g.max, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  // A 1 ms timer notes each gap of >= 10 ms between its runs, with the process's CPU time in the
  // gap: CPU < half the gap means the thread was off the CPU (run queue, steal), else busy.
  let off = { n: 0, ms: 0, max: 0 };
  let on = { n: 0, ms: 0, max: 0 };
  let lastBeat = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const gapMs = now - lastBeat;
    if (gapMs >= 10) {
      const cpuMs = (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000;
      const s = cpuMs < gapMs / 2 ? off : on;
      s.n++;
      s.ms += gapMs;
      s.max = Math.max(s.max, gapMs);
    }
    lastBeat = now;
    lastCpu = cpu;
  }, 1).unref();
  let cpuBefore = process.cpuUsage();
  return {
    take() {
      const cpu = process.cpuUsage(cpuBefore);
      cpuBefore = process.cpuUsage();
      const kinds = Object.values(gc);
      const round = {
        gc,
        gcMs: kinds.reduce((sum, g) => sum + g.ms, 0),
        gcMax: Math.max(0, ...kinds.map((g) => g.max)),
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        heapMB: getHeapStatistics().used_heap_size / 2 ** 20,
        youngMB: { min: young.min === Infinity ? NaN : young.min / 2 ** 20, max: young.max / 2 ** 20 },
        stalls: { off, on },
      };
      gc = {};
      young = { min: Infinity, max: 0 };
      off = { n: 0, ms: 0, max: 0 };
      on = { n: 0, ms: 0, max: 0 };
      return round;
    },
  };
}

/**
 * Writes `PROBE <json>` (one line on stderr) on each SIGUSR2: `probe.take()` with `extra()`'s
 * fields added. The one reporting protocol of the benchmark servers.
 */
export function reportOnSignal(probe, extra = () => ({})) {
  process.on('SIGUSR2', () => process.stderr.write(`PROBE ${JSON.stringify({ ...probe.take(), ...extra() })}\n`));
}
