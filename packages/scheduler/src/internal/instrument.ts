// Observability machinery: the diagnostics_channel events and the opt-in per-task accounting.
//
// Cost model. With nobody subscribed and instrumentation off, the scheduler's hot paths pay one
// `channel.hasSubscribers` read (and, where a runtime is involved, one `core.probe` read) per
// spawn, finish, park and wake: the guard lines in core.ts/task.ts/waiter.ts call into this
// file only when one of them is true. Messages are built only for a subscriber.
//
// Accounting (a Probe per instrumented runtime). A task's "poll" is one synchronous segment of
// its code: the first call of its function, then every promise reaction (the continuation after
// an `await`) that belongs to it. V8's promise hooks (installed only while a Probe exists) stamp
// every promise created inside an instrumented task with that task's record (init), and time the
// reactions of stamped promises (before/after). Reactions never nest, so one "current segment"
// suffices. Code a task schedules through Node callbacks (setTimeout, EventEmitter) is not
// counted: only promise continuations are the task's own segments.
//
// Blocking detector: a segment at least `blockingThreshold` ms long is reported once per spawn
// location (or per task name when no location is known) as an `rt:warning` message and kept
// in the probe's warning list (what `Handle.warnings()` and rt-console show).
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { promiseHooks } from 'node:v8';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { UNTIMED, currentEpoch, currentTask, observeSegments, storage, type Frame, type Untimed } from './context.js';
import type { Core } from './core.js';
import { NanoHistogram } from './histogram.js';
import type { Task } from './task.js';
import type { LatencyHistogram, RtBlockingWarning, RtLostWakeWarning, RtWarning, RuntimeHistograms } from '../instrumentation.js';
import type { Waiter } from '../park.js';
import type { ParkedWaiter } from './waiter.js';

export const spawnChannel = channel('rt:task:spawn');
export const finishChannel = channel('rt:task:finish');
export const parkChannel = channel('rt:task:park');
export const wakeChannel = channel('rt:task:wake');
export const warningChannel = channel('rt:warning');
export const blockingChannel = tracingChannel('rt:blocking');

// A record's times live in its probe's flat Float64Array, FIELDS doubles per slot (a double in
// an object field is a heap box of its own: four more allocations per task).
const BUSY = 0;
const SCHEDULED = 1;
const READY_AT = 2;
const MAX_SEGMENT = 3;
const FIELDS = 4;

/** Per-task counters of an instrumented runtime (`task.record`). */
export class TaskRecord {
  polls = 0;
  wakes = 0;
  lastWakerId: number | undefined = undefined;
  /** Where the record's times are in `probe.times` (index of its first field); -1 once released. */
  base: number;
  /** The spawn's stack, captured unformatted; read (and formatted once) by `location`. */
  private site: { stack?: unknown } | undefined = undefined;
  private resolved: string | undefined;
  constructor(
    readonly task: Task,
    readonly probe: Probe,
    captureSite: boolean,
  ) {
    this.base = probe.takeSlot();
    probe.times[this.base + READY_AT] = readyStamp();
    this.resolved = task.location;
    if (captureSite && this.resolved === undefined) {
      // Enough frames to get past spawn() → Handle → Core → here (and JoinSet's extra frame) to
      // the caller. A capture costs about the same at any limit (several times a spawn):
      // hence the per-turn budget in Probe.spawned.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 9;
      this.site = {};
      Error.captureStackTrace(this.site);
      Error.stackTraceLimit = limit;
    }
  }

  private time(field: number): number {
    return this.base < 0 ? 0 : this.probe.times[this.base + field]!;
  }
  /** Time in the task's segments (ms). */
  get busyMs(): number {
    return this.time(BUSY);
  }
  /** Time ready to run but not running (ms). */
  get scheduledMs(): number {
    return this.time(SCHEDULED);
  }
  /** The longest segment (ms). */
  get maxSegmentMs(): number {
    return this.time(MAX_SEGMENT);
  }

  /** Where the task was spawned (`file:line:column`). */
  get location(): string | undefined {
    if (this.site !== undefined) {
      this.resolved = callerLocation(this.site);
      this.site = undefined;
    }
    return this.resolved;
  }
}

const SCHEDULER_FILE = /[\\/]scheduler[\\/](src|dist)[\\/]/;
const keepCallSites = (_error: Error, callSites: NodeJS.CallSite[]): NodeJS.CallSite[] => callSites;

/**
 * The first stack frame outside @rt/scheduler and Node's internals, as `file:line:column`.
 * The stack is captured at spawn but read only when a location is asked for (a snapshot, a
 * warning): formatting every spawn's stack, as `captureSpawnLocations` does, costs several
 * times more than the spawn itself.
 */
function callerLocation(site: { stack?: unknown }): string | undefined {
  // V8 formats a captured stack on first read, through Error.prepareStackTrace: swapping it in
  // for that read yields the structured call sites instead of a string to parse.
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = keepCallSites;
  let sites: NodeJS.CallSite[] | undefined;
  try {
    sites = site.stack as NodeJS.CallSite[] | undefined;
  } finally {
    Error.prepareStackTrace = prepare;
  }
  if (!Array.isArray(sites)) return undefined;
  for (const call of sites) {
    const file = call.getFileName() ?? call.getScriptNameOrSourceURL();
    if (file === undefined || file === null || file.startsWith('node:') || SCHEDULER_FILE.test(file)) continue;
    return `${file}:${call.getLineNumber() ?? 0}:${call.getColumnNumber() ?? 0}`;
  }
  return undefined;
}

const RECORD = Symbol('rt.instrument.record');
type Stamped = { [RECORD]?: TaskRecord };

let liveProbes = 0;
let stopHooks: (() => void) | undefined;
let current: TaskRecord | undefined;
let segmentStart = 0;

/**
 * The end of the last first segment the run queue ran in its current drain, or -1. The drain runs
 * tasks back to back (between two of them only its own bookkeeping), so the end of one task's
 * first segment serves as the start of the next: one clock read instead of two. Reset by
 * {@link breakChain} wherever the drain stops or other code may run in between.
 */
let chainedEnd = -1;

/**
 * The time a task becomes ready (spawned or woken). Inside a segment (another task made it ready)
 * that segment's start, read already, instead of a clock read: its schedule delay then also
 * counts the part of that segment before the spawn or wake (at most the segment's length, which
 * the other task's poll time shows too).
 */
function readyStamp(): number {
  return current !== undefined ? segmentStart : performance.now();
}

/** A segment of `record`'s task starts (its first call, or a promise reaction) at `now` (-1: read the clock). */
export function beginSegment(record: TaskRecord, now = -1): void {
  if (current !== undefined || record.base < 0) return;
  current = record;
  if (now < 0) now = performance.now();
  segmentStart = now;
  const times = record.probe.times;
  const ready = record.base + READY_AT;
  const readyAt = times[ready]!;
  if (readyAt >= 0) {
    const delay = now - readyAt;
    times[record.base + SCHEDULED] = times[record.base + SCHEDULED]! + delay;
    times[ready] = -1;
    record.probe.scheduleDelay.record(toNanos(delay));
  }
}

/** The segment of `record`'s task ends; returns the time it ended (-1 when it was not timed, or a warning's subscribers ran since). */
export function endSegment(record: TaskRecord): number {
  if (current !== record) return -1;
  current = undefined;
  const end = performance.now();
  const duration = end - segmentStart;
  const probe = record.probe;
  const times = probe.times;
  const base = record.base;
  times[base + BUSY] = times[base + BUSY]! + duration;
  if (duration > times[base + MAX_SEGMENT]!) times[base + MAX_SEGMENT] = duration;
  record.polls++;
  probe.pollTime.record(toNanos(duration));
  if (record.task.isFinished) probe.release(record);
  if (duration < probe.core.config.blockingThreshold) return end;
  probe.blocked(record, duration); // runs rt:warning subscribers: `end` is stale afterwards
  return -1;
}

/** A task's first segment, run by the drain: starts where the previous one in the same drain ended. */
export function beginFirstSegment(record: TaskRecord): void {
  const start = chainedEnd;
  chainedEnd = -1;
  beginSegment(record, start);
}

/** Ends a task's first segment (see beginFirstSegment). */
export function endFirstSegment(record: TaskRecord): void {
  chainedEnd = endSegment(record);
}

/** The drain stopped (or runs code of its own before the next task): the next first segment reads the clock. */
export function breakChain(): void {
  chainedEnd = -1;
}

/** Reactions of a frame's promises, seen through the context's own promise hooks. */
const frameSegments = {
  begin(frame: Frame): void {
    const record = frame.task?.record;
    if (record !== undefined) beginSegment(record);
  },
  end(frame: Frame): void {
    const record = frame.task?.record;
    if (record !== undefined) endSegment(record);
  },
};

function installHooks(): void {
  liveProbes++;
  if (liveProbes > 1) return;
  // Where the context already runs promise hooks (Node 20/22), they report the segments: no
  // second set of hooks, no stamp per promise. Elsewhere (AsyncLocalStorage) our own hooks
  // stamp each promise made inside an instrumented task with its record.
  if (observeSegments(frameSegments)) return;
  stopHooks = promiseHooks.createHook({
    init(promise) {
      const record = storage.getStore()?.task?.record;
      if (record !== undefined) (promise as Stamped)[RECORD] = record;
    },
    before(promise) {
      const record = (promise as Stamped)[RECORD];
      if (record !== undefined && (promise as Untimed)[UNTIMED] === undefined) beginSegment(record);
    },
    after(promise) {
      const record = (promise as Stamped)[RECORD];
      if (record !== undefined) endSegment(record);
    },
  }) as () => void;
}

function uninstallHooks(): void {
  if (--liveProbes > 0) return;
  observeSegments(undefined);
  stopHooks?.();
  stopHooks = undefined;
}

/** `task 7` or `task 7 "name"`: how a warning's message names its task. */
function describeTask(task: Task): string {
  return `task ${task.id}${task.name === undefined ? '' : ` ${JSON.stringify(task.name)}`}`;
}

/** Histograms record integer nanoseconds (`ms` is a difference of monotonic clock reads: ≥ 0). */
function toNanos(ms: number): number {
  return Math.round(ms * 1e6);
}

/** The event-loop delay monitor's sampling interval (ms). */
export const LOOP_DELAY_RESOLUTION = 10;

/**
 * A histogram's summary in ms, `less` ns taken off every value (clamped at 0): Node's
 * event-loop delay samples include the sampling interval itself.
 */
function summarize(h: NanoHistogram | IntervalHistogram, less = 0): LatencyHistogram {
  const count = h.count;
  if (count === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p99: 0 };
  const ms = (ns: number): number => Math.max(0, ns - less) / 1e6;
  return { count, min: ms(h.min), max: ms(h.max), mean: ms(h.mean), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)) };
}

/** Spawn-location stack captures an instrumented runtime makes per event-loop turn (see Probe.spawned). */
export const LOCATIONS_PER_TURN = 32;

/** The accounting of one instrumented runtime. */
export class Probe {
  readonly warnings: RtWarning[] = [];
  /** Every segment's duration (ns). */
  readonly pollTime = new NanoHistogram();
  /** Ready-to-running delays (ns): spawn or wake to the next segment. */
  readonly scheduleDelay = new NanoHistogram();
  /** Node's event-loop delay monitor (an unref'd timer), enabled for the probe's life. */
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION });
  private readonly reported = new Set<string>();
  private closed = false;
  /** Stack captures left in the turn `locationEpoch` (spawnLocations: true). */
  private locationsLeft = 0;
  private locationEpoch = -1;

  /** The records' times, FIELDS per slot (see TaskRecord); grown by doubling. */
  times = new Float64Array(FIELDS * 256);
  /** Released slots (their base index), reused first. */
  private readonly freeSlots: number[] = [];
  private slotsUsed = 0;

  constructor(readonly core: Core) {
    installHooks();
    this.loopDelay.enable();
  }

  /** The three histograms in ms (what `metrics().histograms` reports). */
  histograms(): RuntimeHistograms {
    return {
      pollMs: summarize(this.pollTime),
      scheduleDelayMs: summarize(this.scheduleDelay),
      eventLoopDelayMs: summarize(this.loopDelay, LOOP_DELAY_RESOLUTION * 1e6),
    };
  }

  spawned(task: Task): void {
    if (this.closed) return;
    task.record = new TaskRecord(task, this, this.takeLocation());
  }

  /**
   * Whether this spawn captures its location: every spawn with `spawnLocations: 'all'`; with
   * `true` (the default) the first LOCATIONS_PER_TURN spawns of each event-loop turn, so a
   * spawn storm pays for a bounded number of stack captures (a server spawning a few tasks per
   * turn gets every location; the rest of a storm has none).
   */
  private takeLocation(): boolean {
    const mode = this.core.config.instrumentLocations;
    if (mode !== true) return mode === 'all';
    const epoch = currentEpoch();
    if (epoch !== this.locationEpoch) {
      this.locationEpoch = epoch;
      this.locationsLeft = LOCATIONS_PER_TURN;
    }
    if (this.locationsLeft === 0) return false;
    this.locationsLeft--;
    return true;
  }

  woken(task: Task): void {
    const record = task.record;
    if (record === undefined || record.base < 0) return;
    record.wakes++;
    record.lastWakerId = currentTask()?.id;
    const ready = record.base + READY_AT;
    if (this.times[ready]! < 0) this.times[ready] = readyStamp();
  }

  /** A slot of FIELDS zeroed times for a new record (its base index). */
  takeSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) {
      this.times.fill(0, reused, reused + FIELDS);
      return reused;
    }
    const base = this.slotsUsed * FIELDS;
    if (base + FIELDS > this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.slotsUsed++;
    return base;
  }

  /** The task finished: its slot is free (after its current segment, if it is in one). */
  finished(task: Task): void {
    const record = task.record;
    if (record !== undefined && current !== record) this.release(record);
  }

  release(record: TaskRecord): void {
    if (record.base < 0) return;
    this.freeSlots.push(record.base);
    record.base = -1;
  }

  blocked(record: TaskRecord, durationMs: number): void {
    const task = record.task;
    const location = record.location;
    const key = location ?? `name:${task.name ?? `task ${task.id}`}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const threshold = this.core.config.blockingThreshold;
    const who = describeTask(task);
    const warning: RtBlockingWarning = {
      kind: 'blocking',
      runtime: this.core.config.name,
      id: task.id,
      name: task.name,
      location,
      durationMs: Math.round(durationMs * 10) / 10,
      thresholdMs: threshold,
      message: `${who} blocked the event loop for ${durationMs.toFixed(1)} ms (threshold ${threshold} ms)${location === undefined ? '' : `, spawned at ${location}`}`,
      at: Date.now(),
    };
    this.warn(warning);
  }

  /** Keeps `warning` (the last 100) and publishes it on rt:warning. */
  warn(warning: RtWarning): void {
    this.warnings.push(warning);
    if (this.warnings.length > 100) this.warnings.shift();
    if (warningChannel.hasSubscribers) warningChannel.publish(warning);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loopDelay.disable();
    uninstallHooks();
  }
}

/** Whether anything wants finish events of `core`'s tasks (the guard in Core.taskFinished). */
export function observesFinish(core: Core): boolean {
  return core.probe !== undefined || finishChannel.hasSubscribers || blockingTraces.size !== 0;
}

/** rt:task:spawn and the probe (called when either listens). */
export function emitSpawn(core: Core, task: Task): void {
  core.probe?.spawned(task);
  if (spawnChannel.hasSubscribers) {
    const location = task.location ?? task.record?.location;
    spawnChannel.publish({ id: task.id, name: task.name, kind: task.kind, runtime: core.config.name, location });
  }
}

export function emitFinish(core: Core, task: Task): void {
  core.probe?.finished(task);
  if (finishChannel.hasSubscribers) {
    const error = task.error;
    finishChannel.publish({
      id: task.id,
      name: task.name,
      kind: task.kind,
      runtime: core.config.name,
      outcome: error === undefined ? 'ok' : error.isCancelled() ? 'cancelled' : 'panic',
    });
  }
  const trace = blockingTraces.get(task);
  if (trace !== undefined) {
    blockingTraces.delete(task);
    const error = task.error;
    if (error !== undefined) {
      trace.error = error;
      blockingChannel.error.publish(trace);
    } else {
      trace.result = task.value;
    }
    blockingChannel.asyncStart.publish(trace);
    blockingChannel.asyncEnd.publish(trace);
  }
}

export function emitPark(task: Task, label: string): void {
  parkChannel.publish({ id: task.id, name: task.name, label });
}

export function emitWake(task: Task, label: string): void {
  task.core.probe?.woken(task);
  if (wakeChannel.hasSubscribers) wakeChannel.publish({ id: task.id, name: task.name, label, wakerId: currentTask()?.id });
}

/** The context object of one rt:blocking trace (start at submit, asyncEnd at finish). */
interface BlockingTrace {
  id: number;
  name: string | undefined;
  module: string;
  exportName: string;
  spawnerId: number | undefined;
  error?: unknown;
  result?: unknown;
}

const blockingTraces = new Map<Task, BlockingTrace>();

/** Runs `submit` inside an rt:blocking trace whose async half ends when the job's task finishes. */
export function traceBlocking(task: Task, module: string, exportName: string, submit: () => void): void {
  const trace: BlockingTrace = { id: task.id, name: task.name, module, exportName, spawnerId: currentTask()?.id };
  blockingTraces.set(task, trace);
  try {
    blockingChannel.traceSync(submit, trace);
  } catch (error) {
    blockingTraces.delete(task);
    throw error;
  }
}

// Lost-wake detection. A primitive registers each handle that could wake its waiters (a
// sender) with `watchLostWake`; the registry holds only the primitive's shared state, never
// the handle, so the handle can be collected. When the collector frees a handle that was not
// closed, the primitive's callback decides whether anything can still wake its waiters and
// reports the parked ones with `reportLostWake`. Registration happens only while someone can
// see the report (an instrumented runtime lives, or rt:warning has a subscriber).

interface Watched {
  readonly state: object;
  readonly onCollected: (state: object) => void;
}

const lostWakeRegistry = new FinalizationRegistry<Watched>((held) => held.onCollected(held.state));
let everWatched = false;
const reportedWaiters = new WeakSet<object>();

/**
 * Lost-wake detection: watches `handle` (a sender, anything whose holder could wake the
 * primitive's waiters) and calls `onCollected(state)` after the garbage collector frees it,
 * unless {@link unwatchLostWake} ran first (call it when the handle is closed). `state` is
 * the primitive's shared state; neither it nor `onCollected` may reference `handle` (that
 * would keep it alive). `onCollected` decides whether any waker is left and, if none is,
 * passes each parked waiter to {@link reportLostWake}. Does nothing (costs one check) unless
 * an instrumented runtime lives or `rt:warning` has a subscriber.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * watchLostWake(sender, state, (s) => { if (!s.closed) for (let n = s.waiters.head; n; n = n.next) reportLostWake(n.waiter!, 'its sender was garbage-collected without close()'); });
 * ```
 */
export function watchLostWake<S extends object>(handle: object, state: S, onCollected: (state: S) => void): void {
  if (liveProbes === 0 && !warningChannel.hasSubscribers) return;
  everWatched = true;
  lostWakeRegistry.register(handle, { state, onCollected: onCollected as (state: object) => void }, handle);
}

/** Stops watching `handle` (it was closed: its holder ended the wait properly). Cheap when nothing was ever watched. */
export function unwatchLostWake(handle: object): void {
  if (everWatched) lostWakeRegistry.unregister(handle);
}

/**
 * Reports a lost wake for `waiter` (if still parked, in a task, and not reported before): an
 * `rt:warning` message of kind `'lost-wake'`, kept in `Handle.warnings()` of an instrumented
 * runtime. `why` completes "task N waits on LABEL but …", e.g. `'every sender was
 * garbage-collected without close()'`. The waiter stays parked (aborting the task still
 * cancels it).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (let n = list.head; n !== undefined; n = n.next) reportLostWake(n.waiter!, 'its sender was garbage-collected');
 * ```
 */
export function reportLostWake(waiter: Waiter<unknown>, why: string): void {
  const parked = waiter as ParkedWaiter<unknown>;
  const task = parked.task;
  if (parked.settled || task === undefined || reportedWaiters.has(parked)) return;
  reportedWaiters.add(parked);
  const core = task.core;
  const probe = core.probe;
  if (probe === undefined && !warningChannel.hasSubscribers) return;
  const location = task.record?.location ?? task.location;
  const who = describeTask(task);
  const warning: RtLostWakeWarning = {
    kind: 'lost-wake',
    runtime: core.config.name,
    id: task.id,
    name: task.name,
    location,
    label: parked.label,
    message: `${who} waits on ${parked.label} but ${why}: nothing can wake it (lost wake)${location === undefined ? '' : `, spawned at ${location}`}`,
    at: Date.now(),
  };
  if (probe !== undefined) probe.warn(warning);
  else warningChannel.publish(warning);
}
