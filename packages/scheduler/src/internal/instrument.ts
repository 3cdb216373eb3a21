// Observability machinery: the diagnostics_channel events and the opt-in per-task accounting.
//
// Cost model. With nobody subscribed and instrumentation off, the scheduler's hot paths pay one
// `channel.hasSubscribers` read (and, where a runtime is involved, one `core.probe` read) per
// spawn, finish, park and wake: the guard lines in core.ts/task.ts/waiter.ts call into this
// file only when one of them is true. Messages are built only for a subscriber.
//
// Accounting (a Probe per instrumented runtime). A task's "poll" is one synchronous segment of
// its code: the first call of its function, then every promise reaction (the continuation after
// an `await`) that belongs to it. V8's promise hooks (installed only while a Probe exists) time
// the reactions (before/after) of a task: found through the promise's frame stamp (the
// promise-hook context, Node 20/22), the reaction's own async context (AsyncContextFrame, Node
// 24+: no init hook), or a task stamp of our own (init; AsyncLocalStorage on async_hooks).
// Reactions nest only in a nested microtask checkpoint, so one "current segment" suffices. Code
// a task schedules through Node callbacks (setTimeout, EventEmitter) is not counted: only
// promise continuations are the task's own segments.
//
// Blocking detector: a segment at least `blockingThreshold` ms long is reported once per spawn
// location (or per task name when no location is known) as an `rt:warning` message and kept
// in the probe's warning list (what `Handle.warnings()` and rt-console show).
import type { IntervalHistogram } from 'node:perf_hooks';
import { currentEpoch, currentTask, framesCarryReactions, markUntimedFrame, observeSegments, reactionTask, storage, type Frame } from './context.js';
import type { Core } from './core.js';
import { NanoHistogram } from './histogram.js';
import type { Task } from './task.js';
import type { LatencyHistogram, RtBlockingWarning, RtLostWakeWarning, RtWarning, RuntimeHistograms } from '../instrumentation.js';
import type { Waiter } from '../park.js';
import type { ParkedWaiter } from './waiter.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { channel, tracingChannel } = process.getBuiltinModule('node:diagnostics_channel');
const { monitorEventLoopDelay, performance } = process.getBuiltinModule('node:perf_hooks');
/** node:v8's promise hooks, loaded when instrumentation first hooks promises (not at load). */
const promiseHooks = (): typeof import('node:v8').promiseHooks => process.getBuiltinModule('node:v8').promiseHooks;

export const spawnChannel = channel('rt:task:spawn');
export const finishChannel = channel('rt:task:finish');
export const parkChannel = channel('rt:task:park');
export const wakeChannel = channel('rt:task:wake');
export const warningChannel = channel('rt:warning');
/**
 * `warningChannel` as this module's own constant, for `watchLostWake` (a oneshot's sender calls it
 * per channel): an export is read through its module cell, with a TDZ check, even here (pass pk31).
 */
const warnings = warningChannel;
export const blockingChannel = tracingChannel('rt:blocking');

// A task's accounting lives in its probe's flat Float64Array, FIELDS doubles per slot, and the
// task holds only its slot's base index (`task.probeBase`, -1 when it has none): no object per
// task (an object per task, kept as long as the task lives, cost more than the timing itself),
// and no heap box per double (an object field holding a double is a heap number of its own).
// Released slots are reused.
const BUSY = 0;
const SCHEDULED = 1;
const READY_AT = 2;
const MAX_SEGMENT = 3;
const POLLS = 4;
const WAKES = 5;
/** The id of the task that last woke this one; 0 for none (task ids start at 1). */
const LAST_WAKER = 6;
const FIELDS = 7;
/**
 * Bases a task can hold: a task keeps its base in the upper bits of its flags word (see task.ts),
 * so a runtime accounts for up to PROBE_LIMIT / FIELDS (~2.4 million) tasks alive at once; a task
 * spawned past that is not accounted (as one spawned after the probe closed).
 */
export const PROBE_LIMIT = (1 << 24) - 1;

/** The accounting of one task, as `Handle.taskStats()` reports it (zeros when it has none). */
export interface TaskCounters {
  busyMs: number;
  scheduledMs: number;
  maxSegmentMs: number;
  polls: number;
  wakes: number;
  lastWakerId: number | undefined;
  location: string | undefined;
}

/** The spawn's stack, captured unformatted; formatted once, when a location is asked for. */
class SpawnSite {
  stack?: unknown;
  resolved: string | undefined = undefined;
  formatted = false;
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

const TASK = Symbol('rt.instrument.task');
type Stamped = { [TASK]?: Task | undefined };

/**
 * How many instrumented runtimes live. A field of a constant object, not a module `let`: a `let` is
 * read with a TDZ check from every function, and `watchLostWake` reads it per oneshot channel
 * (issue 16, pass pk31; eu29's `hookState`).
 */
const probes = { live: 0 };

/** Whether any instrumented runtime times promise reactions as segments (its hooks are installed). */
export function timingSegments(): boolean {
  return probes.live > 0;
}
let stopHooks: (() => void) | undefined;
/** The task whose segment is being timed (segments never nest). */
let current: Task | undefined;
/**
 * How many segments have begun (an int32 that wraps): a JoinHandle's `then` compares it with
 * its value when `then` was read, to tell the engine's deferred call (the thenable job of
 * `await handle`) from a user's `handle.then(cb)` (see join-handle.ts).
 */
let segmentsBegun = 0;

/** The number of segments begun so far (wrapping; compare for equality only). */
export function segmentCount(): number {
  return segmentsBegun;
}

/**
 * The current segment, if any, is the runtime's own step, not a poll: it ends uncounted and
 * untimed (no clock read, no poll, no busy time). Called by a JoinHandle's `then` when the
 * engine calls it in the thenable job of `await handle` (the job runs nothing else).
 */
export function dropSegment(): void {
  const task = current;
  if (task === undefined) return;
  current = undefined;
  if (task.finished) task.core.probe?.release(task); // as endSegment would
}

// The clock values kept between calls, in a typed array: a module variable holding a double
// would be a new heap number at every store.
const marks = new Float64Array(3);
/** When the current segment started. */
const SEGMENT_START = 0;
/**
 * The end of the last first segment the run queue ran in its current drain, or -1. The drain runs
 * tasks back to back (between two of them only its own bookkeeping), so the end of one task's
 * first segment serves as the start of the next: one clock read instead of two. Reset by
 * {@link breakChain} wherever the drain stops or other code may run in between.
 */
const CHAINED_END = 1;
marks[CHAINED_END] = -1;
/** Where {@link readClock} puts a segment's end. */
const SEGMENT_END = 2;

/**
 * The clock segments are timed with (ms; only differences of its reads are used, never compared
 * with another clock): `process.hrtime()`. `performance.now()` costs more per read on every
 * supported Node: on Node 20/22 its brand check goes through `hideStackFrames` (a rest-parameter
 * wrapper, `ReflectApply`, a `hasOwnProperty` call into C++) and its result is boxed (~240
 * instructions a read against ~180); on Node 24 ~160 against ~130. `process.hrtime()` allocates
 * its [seconds, nanoseconds] array (32 B a read: the compiler does not elide it), and is still
 * the cheaper per spawn + join once the garbage collection is counted (scheduler README, "Tenth
 * round"). Both read libuv's monotonic clock. `RT_INSTRUMENT_CLOCK=performance` uses
 * `performance.now()` instead (tests run both). Captured at load: a later stub of
 * `process.hrtime` (fake timers) does not reach here.
 */
const hrtime = process.hrtime;
export const clockSource: 'hrtime' | 'performance' = process.env['RT_INSTRUMENT_CLOCK'] === 'performance' ? 'performance' : 'hrtime';
const useHrtime = clockSource === 'hrtime';

/**
 * Reads the clock into `array[index]`: the double goes where it is read from, never through a
 * call's return value or argument (one the compiler does not inline boxes it as a new heap
 * number). `performance.now()` itself still boxes on Node 20/22 (see the scheduler README,
 * "Fourth round").
 */
function readClock(array: Float64Array, index: number): void {
  if (useHrtime) {
    const now = hrtime();
    array[index] = now[0] * 1e3 + now[1] / 1e6;
  } else {
    array[index] = performance.now();
  }
}

/**
 * Stamps `times[index]` with the time a task becomes ready (spawned or woken). Inside a segment
 * (another task made it ready) that segment's start, read already, instead of a clock read: its
 * schedule delay then also counts the part of that segment before the spawn or wake (at most the
 * segment's length, which the other task's poll time shows too). The time goes straight into the
 * array: a double returned from a call the compiler does not inline is a heap number.
 */
function stampReady(times: Float64Array, index: number): void {
  if (current !== undefined) times[index] = marks[SEGMENT_START]!;
  else readClock(times, index);
}

/**
 * A segment of `task` starts (its first call, or a promise reaction): at the chained end
 * (`marks[CHAINED_END]`) when `chained` and there is one, else now. The time is read into
 * `marks` here, not passed in: a double crossing a call the compiler does not inline is a heap
 * number.
 */
export function beginSegment(task: Task, chained: boolean): void {
  const base = task.probeBase;
  if (current !== undefined || base < 0) return;
  current = task;
  segmentsBegun = (segmentsBegun + 1) | 0;
  if (!chained || marks[CHAINED_END]! < 0) readClock(marks, SEGMENT_START);
  else marks[SEGMENT_START] = marks[CHAINED_END]!;
  const probe = task.core.probe!;
  const times = probe.times;
  const readyAt = times[base + READY_AT]!;
  if (readyAt >= 0) {
    const delay = marks[SEGMENT_START]! - readyAt;
    times[base + SCHEDULED] = times[base + SCHEDULED]! + delay;
    times[base + READY_AT] = -1;
    probe.scheduleDelay.addMs(delay);
  }
}

/**
 * The segment of `task` ends. With `chain`, its end is kept in `marks[CHAINED_END]` for the
 * next first segment of the drain (-1 when a warning's subscribers ran since: stale).
 */
export function endSegment(task: Task, chain: boolean): void {
  if (current !== task) {
    if (chain) marks[CHAINED_END] = -1;
    return;
  }
  current = undefined;
  readClock(marks, SEGMENT_END);
  const end = marks[SEGMENT_END]!;
  const duration = end - marks[SEGMENT_START]!;
  const probe = task.core.probe!;
  const times = probe.times;
  const base = task.probeBase;
  times[base + BUSY] = times[base + BUSY]! + duration;
  if (duration > times[base + MAX_SEGMENT]!) times[base + MAX_SEGMENT] = duration;
  times[base + POLLS] = times[base + POLLS]! + 1;
  probe.pollTime.addMs(duration);
  if (duration < probe.blockingThreshold) {
    if (chain) marks[CHAINED_END] = end;
    if (task.finished) probe.release(task);
    return;
  }
  if (chain) marks[CHAINED_END] = -1;
  probe.blocked(task, duration); // runs rt:warning subscribers: `end` is stale afterwards
  if (task.finished) probe.release(task); // after the warning, which reads the location
}

/** A task's first segment, run by the drain: starts where the previous one in the same drain ended. */
export function beginFirstSegment(task: Task): void {
  beginSegment(task, true);
  marks[CHAINED_END] = -1;
}

/** Ends a task's first segment (see beginFirstSegment). */
export function endFirstSegment(task: Task): void {
  endSegment(task, true);
}

/** The drain stopped (or runs code of its own before the next task): the next first segment reads the clock. */
export function breakChain(): void {
  marks[CHAINED_END] = -1;
}

/** Reactions of a frame's promises, seen through the context's own promise hooks. */
const frameSegments = {
  begin(frame: Frame): void {
    const task = frame.task;
    if (task !== undefined && task.probeBase >= 0) beginSegment(task, false);
  },
  end(frame: Frame): void {
    const task = frame.task;
    if (task !== undefined && task === current) endSegment(task, false);
  },
};

/** Told when the first probe starts (true) and the last one closes (false): see {@link onTimingSegments}. */
let timingListener: ((on: boolean) => void) | undefined;

/**
 * Registers `listener`, called with true when the first instrumented runtime of the process
 * starts timing segments and with false when the last one closes (join-handle.ts switches
 * JoinHandle's `then` to its accessor meanwhile). Called at once with true if one lives.
 */
export function onTimingSegments(listener: (on: boolean) => void): void {
  timingListener = listener;
  if (probes.live > 0) listener(true);
}

function installHooks(): void {
  probes.live++;
  if (probes.live > 1) return;
  timingListener?.(true);
  // Where the context already runs promise hooks (Node 20/22), they report the segments: no
  // second set of hooks, no stamp per promise. On AsyncContextFrame (Node 24+) our own `before`
  // and `after` read the reaction's task from its context. Elsewhere (AsyncLocalStorage on
  // async_hooks: RT_CONTEXT=als on Node 20/22) our own hooks stamp each promise made inside an
  // instrumented task with that task.
  if (observeSegments(frameSegments)) return;
  if (framesCarryReactions) {
    // AsyncLocalStorage on AsyncContextFrame (Node 24+): a reaction's context is current in
    // `before` (see context.ts), so the task it belongs to is read there: no `init` hook, no
    // stamp on every promise made in a task (issue 19, the scheduler README's twelfth round).
    reactionDepth = 0;
    segmentDepth = -1;
    stopHooks = promiseHooks().createHook({ before: beginReaction, after: endReaction }) as () => void;
    return;
  }
  stopHooks = promiseHooks().createHook({
    init(promise) {
      const task = storage.getStore()?.task;
      if (task !== undefined && task.probeBase >= 0) (promise as Stamped)[TASK] = task;
    },
    before(promise) {
      const task = (promise as Stamped)[TASK];
      if (task !== undefined) beginSegment(task, false);
    },
    after(promise) {
      const task = (promise as Stamped)[TASK];
      if (task !== undefined && task === current) endSegment(task, false);
    },
  }) as () => void;
}

/**
 * What the frames' hooks (AsyncContextFrame: see installHooks) mark a promise of the runtime's own
 * with: its reactions are no segment. Only the runtime's promises carry it (one per task's outcome,
 * per run-queue drain, per join of an unfinished task), so the promises `before` sees have two
 * shapes, plain and marked: its look-up stays cheap.
 */
const UNTIMED = Symbol('rt.instrument.untimed');
type Marked = { [UNTIMED]?: boolean };
/** The hook depth (frames' hooks): reactions nest only where a microtask checkpoint runs inside one. */
let reactionDepth = 0;
/** The depth whose reaction began the current segment (frames' hooks), -1 when none did. */
let segmentDepth = -1;

/** `before` of the frames' hooks: a reaction of an instrumented task begins a segment. */
function beginReaction(promise: Promise<unknown>): void {
  const depth = ++reactionDepth;
  if (current !== undefined) return; // inside a segment already (a nested checkpoint)
  const task = reactionTask();
  if (task === undefined || task.probeBase < 0 || (promise as Marked)[UNTIMED] === true) return;
  segmentDepth = depth;
  beginSegment(task, false);
}

/** `after` of the frames' hooks: ends the segment its `before` began. */
function endReaction(): void {
  // 0: the hooks were installed inside this reaction (no `before` for it).
  if (reactionDepth === 0) return;
  if (reactionDepth-- !== segmentDepth) return;
  segmentDepth = -1;
  const task = current;
  if (task !== undefined) endSegment(task, false);
}

/**
 * Marks `promise`, made just now in the current context, as the runtime's own bookkeeping: its
 * reactions run in the context it was made in but are no segment (no poll, no clock read) of
 * any task. On the promise-hook context and the stamping hooks above, the mark changes the value
 * of the promise's existing stamp (the context's frame, or the task), never adds a property: see
 * context.ts's UntimedFrame; on the frames' hooks, which stamp nothing, it is UNTIMED.
 */
export function markUntimed(promise: object): void {
  if (markUntimedFrame(promise)) return;
  if (framesCarryReactions) {
    (promise as Marked)[UNTIMED] = true;
    return;
  }
  const stamped = promise as Stamped;
  if (stamped[TASK] !== undefined) stamped[TASK] = undefined;
}

function uninstallHooks(): void {
  if (--probes.live > 0) return;
  timingListener?.(false);
  observeSegments(undefined);
  stopHooks?.();
  stopHooks = undefined;
}

/** `task 7` or `task 7 "name"`: how a warning's message names its task. */
function describeTask(task: Task): string {
  return `task ${task.id}${task.name === undefined ? '' : ` ${JSON.stringify(task.name)}`}`;
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

  /** The tasks' accounting, FIELDS per slot (see FIELDS); grown by doubling. */
  times = new Float64Array(FIELDS * 256);
  /**
   * The first released slot (its base index; -1: none), reused first. Released slots form a
   * list through the array itself (each holds the next one's base in its first field): a JS
   * array of free slots grew to one entry per task after a spawn storm, and its growth was
   * old-space garbage that brought a major GC forward.
   */
  private freeHead = -1;
  private slotsUsed = 0;
  /**
   * The spawn stacks captured, by slot (base / FIELDS); cleared at release. An array, not a
   * WeakMap keyed by task: with `spawnLocations: 'all'` a WeakMap of every live task made each
   * garbage collection walk it (spawn storm measured 7.4x off against 5x).
   */
  private readonly sites: (SpawnSite | undefined)[] = [];
  /** `blockingThreshold` of the runtime's config (read per segment). */
  readonly blockingThreshold: number;
  /** `instrumentLocations` of the runtime's config (read per spawn). */
  private readonly locations: boolean | 'all';

  constructor(readonly core: Core) {
    this.blockingThreshold = core.config.blockingThreshold;
    this.locations = core.config.instrumentLocations;
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
    if (this.closed || (this.freeHead < 0 && this.slotsUsed * FIELDS + FIELDS > PROBE_LIMIT)) return;
    const base = this.takeSlot();
    stampReady(this.times, base + READY_AT);
    task.probeBase = base;
    if (this.takeLocation() && task.location === undefined) this.captureSite(base);
  }

  /**
   * Captures the spawn's stack for the task in slot `base` (out of line: the capture's code kept
   * `spawned`, once per spawn, from being inlined).
   */
  private captureSite(base: number): void {
    // Enough frames to get past spawn() → Handle → Core → spawned → here (and JoinSet's extra
    // frame) to the caller. A capture costs about the same at any limit (several times a spawn):
    // hence the per-turn budget in takeLocation.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
    const site = new SpawnSite();
    Error.captureStackTrace(site);
    Error.stackTraceLimit = limit;
    const slot = base / FIELDS;
    while (this.sites.length < slot) this.sites.push(undefined);
    this.sites[slot] = site;
  }

  /** Where `task` was spawned (`file:line:column`): the `captureSpawnLocations` string, else the captured stack. */
  locationOf(task: Task): string | undefined {
    const location = task.location;
    if (location !== undefined) return location;
    const base = task.probeBase;
    const site = base < 0 ? undefined : this.sites[base / FIELDS];
    if (site === undefined) return undefined;
    if (!site.formatted) {
      site.formatted = true;
      site.resolved = callerLocation(site);
      site.stack = undefined;
    }
    return site.resolved;
  }

  /** `task`'s accounting (zeros once its slot is released, or when it never had one). */
  counters(task: Task): TaskCounters {
    const base = task.probeBase;
    const times = this.times;
    const at = (field: number): number => (base < 0 ? 0 : times[base + field]!);
    const waker = at(LAST_WAKER);
    return {
      busyMs: at(BUSY),
      scheduledMs: at(SCHEDULED),
      maxSegmentMs: at(MAX_SEGMENT),
      polls: at(POLLS),
      wakes: at(WAKES),
      lastWakerId: waker === 0 ? undefined : waker,
      location: this.locationOf(task),
    };
  }

  /**
   * Whether this spawn captures its location: every spawn with `spawnLocations: 'all'`; with
   * `true` (the default) the first LOCATIONS_PER_TURN spawns of each event-loop turn, so a
   * spawn storm pays for a bounded number of stack captures (a server spawning a few tasks per
   * turn gets every location; the rest of a storm has none).
   */
  private takeLocation(): boolean {
    const mode = this.locations;
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
    const base = task.probeBase;
    if (base < 0) return;
    const times = this.times;
    times[base + WAKES] = times[base + WAKES]! + 1;
    times[base + LAST_WAKER] = currentTask()?.id ?? 0;
    if (times[base + READY_AT]! < 0) stampReady(times, base + READY_AT);
  }

  /** A slot of FIELDS zeroed fields for a new task (its base index). */
  private takeSlot(): number {
    const reused = this.freeHead;
    if (reused >= 0) {
      const times = this.times;
      // `| 0`: read from a Float64Array the base is a double, and a double stored in
      // `task.probeBase` would change that field's representation from small integer to double
      // (a heap number per task, and every optimized function that reads a task deoptimized:
      // what the second spawn storm of a process paid before).
      this.freeHead = times[reused]! | 0;
      // Unrolled (FIELDS stores): the loop's bounds checks and induction cost more than the stores.
      times[reused + BUSY] = 0;
      times[reused + SCHEDULED] = 0;
      times[reused + READY_AT] = 0;
      times[reused + MAX_SEGMENT] = 0;
      times[reused + POLLS] = 0;
      times[reused + WAKES] = 0;
      times[reused + LAST_WAKER] = 0;
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
    if (current !== task) this.release(task);
  }

  release(task: Task): void {
    const base = task.probeBase;
    if (base < 0) return;
    const slot = base / FIELDS;
    if (slot < this.sites.length) this.sites[slot] = undefined;
    this.times[base] = this.freeHead;
    this.freeHead = base;
    task.probeBase = -1;
  }

  blocked(task: Task, durationMs: number): void {
    const location = this.locationOf(task);
    const key = location ?? `name:${task.name ?? `task ${task.id}`}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const threshold = this.blockingThreshold;
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
    const location = core.probe === undefined ? task.location : core.probe.locationOf(task);
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
  const trace = blockingTraces.size === 0 ? undefined : blockingTraces.get(task);
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

/**
 * The task whose park `emitPark` is announcing now (its subscribers run inside the primitive's
 * park, before it has finished parking): `Task.abort` of that task, called from a subscriber,
 * defers its cancellation of the parked entries to a microtask, when the park is complete.
 */
export let announcingPark: Task | undefined;

export function emitPark(task: Task, label: string): void {
  const outer = announcingPark;
  announcingPark = task;
  try {
    parkChannel.publish({ id: task.id, name: task.name, label });
  } finally {
    announcingPark = outer;
  }
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
  if (probes.live === 0 && !warnings.hasSubscribers) return;
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
  const location = probe === undefined ? task.location : probe.locationOf(task);
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
