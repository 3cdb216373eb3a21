// The runtime's state: live tasks, the run queue, the yield queue, extensions, the blocking
// pool and the counters behind metrics() and dump(). `Handle` and `Runtime` are thin public
// faces over one Core.
//
// Run queue: spawn() appends the task and, if no drain is pending, queues one microtask that
// starts every queued task in FIFO order, each inside its own async context. At most
// `eventInterval` tasks start (and yield-queue flushes happen) per event-loop turn; past that
// the drain continues on the next macrotask (setImmediate), so a spawn storm or a yieldNow()
// loop lets timers and I/O run — the Node analogue of Tokio's event_interval.
import { Cancelled, RuntimeShutdown } from '../errors.js';
import type { RuntimeConfig } from '../builder.js';
import type { Handle } from '../handle.js';
import { asyncContextInUse as asyncContextInUseOf, atTurnEnd, captureAsyncContext, coarseNow as coarseNowOf, currentEpoch, runFrame as runFrameOf, runInContext, startingPoint as startingPointOf, storage, type CapturedContext, type Frame } from './context.js';
import { FINISHED as FINISHEDOf, RUNNING, SCHEDULED as SCHEDULEDOf, Task, nativeThen } from './task.js';
import { JoinHandle } from '../join-handle.js';
import { defaultConfig } from './config.js';
import type { BlockingPool } from './blocking-pool.js';
import { Probe, breakChain, emitFinish, emitSpawn, markUntimed, observesFinish, spawnChannel as spawnChannelOf, timingSegments } from './instrument.js';

// Module-local copies of imports read at every spawn and start: an imported binding is read through
// its module cell with a TDZ check each time (issue 16: @rt/net's README, pass eu30).
const asyncContextInUse = asyncContextInUseOf;
const coarseNow = coarseNowOf;
const runFrame = runFrameOf;
const startingPoint = startingPointOf;
const FINISHED = FINISHEDOf;
const SCHEDULED = SCHEDULEDOf;
const spawnChannel = spawnChannelOf;
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { AsyncResource } = process.getBuiltinModule('node:async_hooks');

export interface Extension {
  shutdown?(): void;
  metrics?(): Record<string, number | string | boolean>;
}

/** A shared, already-resolved promise (`@rt/scheduler/primitives` exports it as `RESOLVED`). */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Runs `callback` on a later microtask, as `queueMicrotask` would, but as a reaction of a
 * settled promise: Node's `queueMicrotask` makes an AsyncResource and a bound function per
 * call (measured: a quarter of the CPU of a spawn awaited at once in a task, 1M tasks on Node
 * 20). The reaction runs in the async context it was queued in, as a `queueMicrotask`
 * callback does. It is the runtime's own work, never a segment of the task that queued it
 * (instrumentation). The callbacks queued this way do not throw.
 */
function queueReaction(callback: () => void): void {
  const reaction = nativeThen.call(RESOLVED, callback);
  if (timingSegments()) markUntimed(reaction);
}

function startTask(task: Task): void {
  task.start();
}

function spawnLocation(): string | undefined {
  const stack = new Error().stack;
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/[\\/]scheduler[\\/](src|dist)[\\/]/.test(line) && !line.includes('node:internal')) {
      return line.trim().replace(/^at /, '');
    }
  }
  return undefined;
}

/**
 * What the run queue holds: a task, or the async context of the tasks after it (see Core.headChunk).
 * A task's entry stays after the drain starts it, until the turn's sweep (see Core.sweepChunk).
 */
type QueueEntry = Task | CapturedContext | null | undefined;

/** Entries per run-queue chunk. */
const QUEUE_CHUNK = 256;

/** The size the table of spawn times may reach before its first pruning (see `Core.spawnIds`). */
const SPAWN_TIMES_MIN = 1024;

/**
 * A piece of the run queue: a fixed-size array, made young and filled with the young tasks just
 * spawned, instead of one array grown by copying. (Issue 16: a queue of a million tasks in one
 * array was copied on every growth and, once in the old generation, had every store of a new task
 * recorded for the scavenger; CPU per task spawned and awaited in a task, Node 24, ~8% less.)
 */
class QueueChunk {
  readonly entries: QueueEntry[] = new Array<QueueEntry>(QUEUE_CHUNK);
  next: QueueChunk | undefined = undefined;
}

export class Core {
  handle!: Handle;
  /**
   * Live tasks that outlived the turn they started in, and tasks not started by the run queue
   * (`create`: `startNow`'s and blocking jobs'), in no order: each such task holds its index here
   * in `liveLink`, so it leaves in O(1) (the last one takes its place). A task spawned onto the run
   * queue is not added at its spawn: while queued it is found in the queue, and once started, in the
   * queue's started part until the end of the turn, when the sweep adds the ones still running (see
   * `sweepChunk`). A trivial task thus never touches the array (issue 16: on Node 24.22 a list's
   * link at spawn and unlink at finish were ~125 instructions per spawn + join in a task and ~295
   * per JoinSet member, with their write barriers), and a task record needs one field for it, not
   * the two links of a doubly-linked list (issue 16, 8 B and the scavenger's copy of them per task).
   * The live tasks are the ones here, the started ones not yet swept that have not finished, and the
   * queued ones (see `liveTasks`); `liveCount` counts them all.
   */
  private readonly live: Task[] = [];
  liveCount = 0;
  /**
   * Tasks in spawn order, and before them the async context of their spawn() calls wherever it
   * changes (null: none captured): the context rides in the queue, not on the task, so capturing
   * it allocates no TaskExtra (on Node 24+ every spawn captures one), and a loop of spawns in one
   * context (see captureAsyncContext) takes one slot per task. Consumed slots hold undefined.
   * A list of fixed-size chunks (see QueueChunk), read from `runHead` in `headChunk`, written at
   * `tailIndex` in `tailChunk`.
   */
  private headChunk = new QueueChunk();
  private tailChunk = this.headChunk;
  private runHead = 0;
  private tailIndex = 0;
  /**
   * The started part of the queue not yet swept: from `sweepIndex` in `sweepChunk` up to `runHead`
   * in `headChunk` (chunks from `sweepChunk` on stay linked until swept). The drain leaves a started
   * task's entry in place; at the end of the turn (`atTurnEnd`) the sweep links the ones that are
   * still running into the live list, clears the entries and drops the chunks it passed, so a
   * finished task is kept by the queue at most until its turn ends. `liveTasks` sweeps first.
   */
  private sweepChunk = this.headChunk;
  private sweepIndex = 0;
  private sweepArmed = false;
  /**
   * Tasks the drain started since the last sweep that may still be running unlinked: counted up
   * before each start, down when an unlinked task finishes from RUNNING (see `taskFinished`). At 0
   * the sweep links nothing and clears the started part without reading it: where every task
   * started in a turn also finishes in it, the sweep costs no pass over the tasks.
   */
  private unswept = 0;
  /** The async context the queue's last task starts in (what spawn compares a new capture with). */
  private lastContext: CapturedContext | undefined = undefined;
  /**
   * Where the drain's next task starts (`startingPoint` of the last context entry it passed):
   * null where no context was captured (the task's frame is run in the drain's context).
   */
  private runStart: CapturedContext | undefined | null = null;
  /**
   * When this runtime's tasks were spawned, kept without a field per task (issue 16: a task record
   * lives as long as its handle, and each field is 8 B and the scavenger's copy of them per task):
   * `spawnIds[i]` is the first task made here while rt's coarse clock read `spawnTimes[i]` (see
   * coarseNow), so a task's spawn time is that of the last entry at or below its id (`spawnedAt`:
   * ids only grow). One entry per clock value in which tasks were made (the clock moves once per
   * turn at most); entries no live task needs are dropped whenever the table has doubled since the
   * last pruning (`pruneSpawnTimes`, a pass over the live and queued tasks), the last one always kept.
   */
  private spawnIds: number[] = [0];
  /** (Begun with the clock's reading when the runtime was built: every reading is one the clock may give again, a first spawn's too.) */
  private spawnTimes: number[] = [coarseNow()];
  /** The clock's value at the last entry (a small integer). */
  private lastSpawnTime = this.spawnTimes[0]!;
  private spawnTimesLimit = SPAWN_TIMES_MIN;
  private drainScheduled = false;
  private ticks = 0;
  private tickEpoch = -1;
  private yieldQueue: unknown[] = [];
  private yieldScheduled = false;
  spawnedTotal = 0;
  forcedYields = 0;
  panics = 0;
  readonly extensions = new Map<symbol, Extension>();
  externalWork = 0;
  pool: BlockingPool | undefined = undefined;
  isShutdown = false;
  shutdownCause: unknown = undefined;
  private shutdownPromise: Promise<void> | undefined = undefined;
  private unhandled: Task[] = [];
  private shutdownListeners: (() => void)[] = [];

  /** Per-task accounting of an instrumented runtime (see instrument.ts). */
  readonly probe: Probe | undefined;

  constructor(readonly config: Readonly<RuntimeConfig>) {
    this.probe = config.instrument ? new Probe(this) : undefined;
  }

  spawn(fn: () => unknown, name: string | undefined): JoinHandle<unknown> {
    // Not in the array of linked live tasks: the run queue holds it (see `live`).
    const task = this.make(fn, name, 'task');
    this.enqueue(task);
    return task;
  }

  /**
   * A task, live and counted as spawned (SCHEDULED, in `dump()`), not yet queued: `enqueue` or
   * `startNow` follows; or (kind 'blocking', no `fn`) the record of a job the pool runs. Linked
   * into the live list at once (the run queue may never hold it).
   */
  create(fn: (() => unknown) | undefined, name: string | undefined, kind: 'task' | 'blocking'): JoinHandle<unknown> {
    const task = this.make(fn, name, kind);
    this.addLive(task);
    return task;
  }

  /** A new task record, counted as live and spawned, in no list yet. */
  private make(fn: (() => unknown) | undefined, name: string | undefined, kind: 'task' | 'blocking'): JoinHandle<unknown> {
    if (this.isShutdown) throw this.cannotSpawn();
    const task = new JoinHandle(this, fn, name, kind, this.config.captureSpawnLocations ? spawnLocation() : undefined);
    const now = coarseNow();
    if (now !== this.lastSpawnTime) this.noteSpawnTime(task.id, now);
    this.liveCount++;
    this.spawnedTotal++;
    if (this.probe !== undefined || spawnChannel.hasSubscribers) emitSpawn(this, task);
    return task;
  }

  /** The error of a spawn after shutdown (out of line: `make` is inlined into every spawn). */
  private cannotSpawn(): RuntimeShutdown {
    return new RuntimeShutdown(`runtime ${JSON.stringify(this.config.name)} has shut down: cannot spawn`);
  }

  /** A task made at a new reading of the coarse clock: a new entry of the spawn-time table (see `spawnIds`). */
  private noteSpawnTime(id: number, time: number): void {
    this.lastSpawnTime = time;
    if (this.spawnIds.length >= this.spawnTimesLimit) this.pruneSpawnTimes();
    this.spawnIds.push(id);
    this.spawnTimes.push(time);
  }

  /** Drops the entries of the spawn-time table that no live task needs (see `spawnIds`). */
  private pruneSpawnTimes(): void {
    let oldest = Infinity;
    for (const task of this.live) if (task.id < oldest) oldest = task.id;
    // The run queue's tasks: the started ones not yet swept, then the queued ones.
    for (let chunk = this.sweepChunk, index = this.sweepIndex; ; chunk = chunk.next!, index = 0) {
      const end = chunk === this.tailChunk ? this.tailIndex : QUEUE_CHUNK;
      for (; index < end; index++) {
        const entry = chunk.entries[index];
        if (entry instanceof Task && entry.state !== FINISHED && entry.id < oldest) oldest = entry.id;
      }
      if (chunk === this.tailChunk) break;
    }
    const ids = this.spawnIds;
    let keep = ids.length - 1; // the last entry is kept (the next task may be made at its time)
    while (keep > 0 && ids[keep]! > oldest) keep--;
    if (keep > 0) {
      ids.splice(0, keep);
      this.spawnTimes.splice(0, keep);
    }
    this.spawnTimesLimit = Math.max(SPAWN_TIMES_MIN, 2 * ids.length);
  }

  /** Whole milliseconds on rt's coarse clock when `task` (a live task of this runtime) was made. */
  spawnedAt(task: Task): number {
    const ids = this.spawnIds;
    let low = 0;
    let high = ids.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (ids[middle]! <= task.id) low = middle;
      else high = middle - 1;
    }
    return this.spawnTimes[low]!;
  }

  /**
   * Starts `task` (made by `create`, not queued) at once, in the caller's synchronous code, as
   * the drain would start it a microtask later: in its own frame, in the caller's async context
   * (where anything may keep values there, inside an AsyncResource of its own, as a queued task:
   * an async-hooks context manager keys contexts by resource, and an `enterWith` in the task must
   * not change the caller's context; on AsyncContextFrame `AsyncLocalStorage.run` restores only
   * its own store, so rt's frame alone would not keep it). Only where the run queue's rules allow: the turn's event interval
   * has room (this counts as one start), and no instrumentation times segments (the caller's own
   * segment is being timed); otherwise it is queued as `spawn` queues. A task aborted since
   * `create` has finished (cancelled) and is left alone. Returns whether it started here.
   */
  startNow(task: Task): boolean {
    if (task.state !== SCHEDULED) return false;
    if (this.probe !== undefined || timingSegments() || !this.tick()) {
      this.enqueue(task);
      return false;
    }
    if (asyncContextInUse()) runInContext(startingPoint(captureAsyncContext(undefined)), task, startTask as (frame: Frame) => void);
    else runFrame(task, startTask as (frame: Frame) => void);
    return true;
  }

  /** Puts a task made by `create` on the run queue (see the file comment). */
  private enqueue(task: Task): void {
    if (asyncContextInUse()) {
      const context = captureAsyncContext(this.lastContext);
      if (context !== this.lastContext) this.put((this.lastContext = context));
    } else if (this.lastContext !== undefined) {
      this.put(null);
      this.lastContext = undefined;
    }
    this.put(task);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueReaction(this.drain);
    }
  }

  /** Appends one entry to the run queue, starting a new chunk when the last one is full. */
  private put(entry: QueueEntry): void {
    let chunk = this.tailChunk;
    if (this.tailIndex === QUEUE_CHUNK) {
      chunk = chunk.next = this.tailChunk = new QueueChunk();
      this.tailIndex = 0;
    }
    chunk.entries[this.tailIndex++] = entry;
  }

  /** A task record for a blocking job (the pool runs it). */
  blockingTask(name: string | undefined): JoinHandle<unknown> {
    return this.create(undefined, name, 'blocking');
  }

  /** Counts one scheduling tick in the current turn; false when the turn's interval is used up. */
  private tick(): boolean {
    const epoch = currentEpoch();
    if (this.tickEpoch !== epoch) {
      this.tickEpoch = epoch;
      this.ticks = 0;
    }
    if (this.ticks >= this.config.eventInterval) return false;
    this.ticks++;
    return true;
  }

  private readonly drain = (): void => {
    this.drainScheduled = false;
    if (!this.sweepArmed) {
      this.sweepArmed = true;
      atTurnEnd(this.sweep);
    }
    for (;;) {
      let chunk = this.headChunk;
      if (this.runHead === QUEUE_CHUNK) {
        // The head chunk is used up (only a full chunk is left for the next one).
        if (chunk.next === undefined) break;
        chunk = this.headChunk = chunk.next;
        this.runHead = 0;
      }
      if (chunk === this.tailChunk && this.runHead === this.tailIndex) break;
      const entries = chunk.entries;
      const task = entries[this.runHead];
      // (Every task record is a JoinHandle: see `make`. Its class is the first prototype of the chain, Task's the third: see join-handle.ts.)
      if (!(task instanceof JoinHandle)) {
        // The async context of the tasks that follow.
        this.runStart = task === null || task === undefined ? null : startingPoint(task);
        entries[this.runHead++] = undefined;
        continue;
      }
      if (task.state !== SCHEDULED) {
        // Aborted while queued: finished (the sweep clears the entry).
        this.runHead++;
        continue;
      }
      if (!this.tick()) {
        if (this.probe !== undefined) breakChain();
        this.drainScheduled = true;
        setImmediate(this.drain);
        return;
      }
      // The entry stays until the sweep (see `sweepChunk`).
      this.runHead++;
      this.unswept++;
      const start = this.runStart;
      if (start === null) runFrame(task, startTask as (frame: Frame) => void);
      else {
        // runInAsyncScope runs async hooks (anyone's code) before the task: not its busy time.
        // (A captured AsyncContextFrame, or none, is only made current: no code runs, and the
        // chain holds, as with no context at all.)
        if (this.probe !== undefined && start instanceof AsyncResource) breakChain();
        runInContext(start, task, startTask as (frame: Frame) => void);
      }
    }
    if (this.probe !== undefined) breakChain();
    // Empty (the sweep starts the head chunk over once it has passed every entry).
    this.lastContext = undefined;
    this.runStart = null;
  };

  /** The turn's sweep (see `sweepChunk`), run when the turn that started tasks ends. */
  private readonly sweep = (): void => {
    this.sweepArmed = false;
    this.sweepStarted();
  };

  /**
   * Links the started tasks not yet swept that are still running into the live list, clears
   * their entries and drops the chunks passed; then, if the queue is empty, starts its head chunk
   * over (no new chunk per turn).
   */
  private sweepStarted(): void {
    let chunk = this.sweepChunk;
    let index = this.sweepIndex;
    const link = this.unswept !== 0;
    this.unswept = 0;
    for (;;) {
      const head = chunk === this.headChunk;
      const end = head ? this.runHead : QUEUE_CHUNK;
      // (The started part holds tasks, and undefined where the drain cleared a context entry.)
      const entries = chunk.entries;
      if (link) {
        for (let i = index; i < end; i++) {
          const task = entries[i] as Task | undefined;
          if (task !== undefined && task.state !== FINISHED && !this.linked(task)) this.addLive(task);
        }
      }
      // A passed chunk is dropped whole; the head chunk's started part is cleared.
      if (head) {
        // A loop, not `entries.fill(undefined, index, end)`: `fill` is a C++ builtin entered
        // through the runtime, ~1,770 instructions per call for the ~61 entries of a turn
        // (issue 16, pass sj29: ~29 per task spawned and joined in a task, Node 24.22; the loop
        // is inlined here, a store per entry).
        for (let i = index; i < end; i++) entries[i] = undefined;
        index = end;
        break;
      }
      chunk = chunk.next!;
      index = 0;
    }
    if (chunk === this.tailChunk && index === this.tailIndex) {
      // Empty: the head chunk (every entry consumed and cleared) is reused from its start.
      chunk.next = undefined;
      index = this.runHead = this.tailIndex = 0;
    }
    this.sweepChunk = chunk;
    this.sweepIndex = index;
  }

  /**
   * yieldNow(): resumes on a later microtask flush, or on the next macrotask once the turn's
   * interval is used. The queue is flat (task, signal, resolve, reject per entry): no per-yield
   * record. A task aborted (or a signal aborted) while yielding is rejected at the flush.
   */
  yieldNow(task: Task | undefined, signal: AbortSignal | undefined, resolve: () => void, reject: (error: unknown) => void): void {
    this.yieldQueue.push(task, signal, resolve, reject);
    if (!this.yieldScheduled) {
      this.yieldScheduled = true;
      if (this.tick()) queueReaction(this.flushYields);
      else setImmediate(this.flushYields);
    }
  }

  private readonly flushYields = (): void => {
    this.yieldScheduled = false;
    const queue = this.yieldQueue;
    this.yieldQueue = [];
    for (let i = 0; i < queue.length; i += 4) {
      const task = queue[i] as Task | undefined;
      const signal = queue[i + 1] as AbortSignal | undefined;
      if (task !== undefined && task.cancelRequested) {
        (queue[i + 3] as (error: unknown) => void)(new Cancelled(`task ${task.id} was aborted`, { cause: task.cancelReason }));
      } else if (signal !== undefined && signal.aborted) {
        (queue[i + 3] as (error: unknown) => void)(new Cancelled('yieldNow was aborted by its signal', { cause: signal.reason }));
      } else {
        (queue[i + 2] as () => void)();
      }
    }
  };

  abortScheduled(task: Task): void {
    if (task.onAbort !== undefined) task.onAbort(task);
    else task.finishCancelled();
  }

  /** Adds a live task to the array of linked ones (counted already: see `make`). */
  private addLive(task: Task): void {
    task.liveLink = this.live.length;
    this.live.push(task);
  }

  /** Whether `task` is in the array of linked live tasks (see `live`). */
  private linked(task: Task): boolean {
    return typeof task.liveLink === 'number';
  }

  /** The live tasks, oldest first (in spawn order: by id). */
  liveTasks(): Task[] {
    this.sweepStarted();
    const tasks: Task[] = this.live.slice();
    // The queued ones: from the drain's place to the tail (linked ones are listed already).
    let chunk: QueueChunk | undefined = this.headChunk;
    let index = this.runHead;
    for (; chunk !== undefined; chunk = chunk.next, index = 0) {
      const end = chunk === this.tailChunk ? this.tailIndex : QUEUE_CHUNK;
      for (; index < end; index++) {
        const entry = chunk.entries[index];
        if (entry instanceof Task && entry.state === SCHEDULED && !this.linked(entry)) tasks.push(entry);
      }
      if (chunk === this.tailChunk) break;
    }
    return tasks.sort(byId);
  }

  /** `task` has finished; `started`: it was RUNNING (not aborted while queued). */
  taskFinished(task: Task, started: boolean): void {
    if (observesFinish(this)) emitFinish(this, task);
    const index = task.liveLink;
    if (typeof index === 'number') {
      // Out of the array of linked tasks: its last one takes the place.
      const live = this.live;
      const last = live.pop()!;
      if (last !== task) {
        live[index] = last;
        last.liveLink = index;
      }
      task.liveLink = undefined;
    } else if (started) {
      // Not linked: started by the drain this turn, finished before the sweep (see `unswept`).
      this.unswept--;
    }
    this.liveCount--;
    if (this.liveCount === 0 && this.shutdownListeners.length > 0) {
      const listeners = this.shutdownListeners;
      this.shutdownListeners = [];
      for (const listener of listeners) listener();
    }
  }

  maybeUnhandled(task: Task): void {
    this.panics++;
    this.unhandled.push(task);
    if (this.unhandled.length === 1) setImmediate(this.reportUnhandled);
  }

  /** After a macrotask turn: errors of tasks whose handle nobody awaited are reported. */
  private readonly reportUnhandled = (): void => {
    const tasks = this.unhandled;
    this.unhandled = [];
    for (const task of tasks) {
      if (task.observed) continue;
      const mode = this.config.unhandledError;
      if (mode === 'ignore') continue;
      const error = task.error!;
      const cause = error.cause;
      const stack = cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause);
      process.stderr.write(
        `rt: unhandled error in task ${task.id}${task.name === undefined ? '' : ` (${JSON.stringify(task.name)})`} of runtime ${JSON.stringify(this.config.name)}: ${stack}\n`,
      );
      if (mode === 'shutdown' && !this.isShutdown) {
        this.shutdownCause = error;
        void this.shutdown(0);
      }
    }
  };

  extension<T extends Extension>(key: symbol, create: (handle: Handle) => T): T {
    let extension = this.extensions.get(key);
    if (extension === undefined) {
      if (this.isShutdown) throw new RuntimeShutdown(`runtime ${JSON.stringify(this.config.name)} has shut down: cannot create extension ${key.toString()}`);
      extension = create(this.handle);
      this.extensions.set(key, extension);
    }
    return extension as T;
  }

  get pendingExternalWork(): number {
    return this.externalWork + (this.pool === undefined ? 0 : this.pool.pending);
  }

  beginExternalWork(): () => void {
    this.externalWork++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.externalWork--;
    };
  }

  /**
   * Aborts every live task, terminates the blocking pool, waits up to `timeout` ms for the
   * aborted tasks to finish (they run their `finally` blocks at their next rt await point),
   * then shuts the extensions down in reverse order of creation.
   */
  shutdown(timeout: number): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    this.isShutdown = true;
    const reason = new RuntimeShutdown(`runtime ${JSON.stringify(this.config.name)} is shutting down`);
    for (const task of this.liveTasks()) {
      try {
        task.abort(reason);
      } catch (error) {
        // A primitive's onCancel threw: the task is aborted anyway; say so, keep shutting down.
        process.stderr.write(`rt: aborting task ${task.id} during shutdown: ${error instanceof Error ? error.stack : String(error)}\n`);
      }
    }
    this.pool?.terminate(reason);
    this.shutdownPromise = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        if (timer !== undefined) clearTimeout(timer);
        this.probe?.close();
        const extensions = [...this.extensions.values()].reverse();
        this.extensions.clear();
        for (const extension of extensions) {
          try {
            extension.shutdown?.();
          } catch (error) {
            process.stderr.write(`rt: an extension failed to shut down: ${error instanceof Error ? error.stack : String(error)}\n`);
          }
        }
        resolve();
      };
      // One macrotask turn lets tasks parked on rt primitives unwind even with timeout 0.
      setImmediate(() => {
        if (this.liveCount === 0 || timeout <= 0) return done();
        this.shutdownListeners.push(done);
        if (Number.isFinite(timeout)) timer = setTimeout(done, timeout);
      });
    });
    return this.shutdownPromise;
  }

  /** The state dump() reports for a task. */
  stateOf(task: Task): 'scheduled' | 'running' | 'waiting' | 'idle' | 'blocking' | 'finished' {
    if (task.state === FINISHED) return 'finished';
    if (task.state === SCHEDULED) return 'scheduled';
    if (task.kind === 'blocking') return 'blocking';
    if (storage.getStore()?.task === task) return 'running';
    return task.waitHead !== undefined ? 'waiting' : task.state === RUNNING ? 'idle' : 'running';
  }
}

function byId(a: Task, b: Task): number {
  return a.id - b.id;
}

let defaultCore: Core | undefined;

/** The default runtime, created on first use (and again after it was shut down). */
export function getDefaultCore(create: (core: Core) => void): Core {
  if (defaultCore === undefined || defaultCore.isShutdown) {
    defaultCore = new Core({ ...defaultConfig(), name: 'default' });
    create(defaultCore);
  }
  return defaultCore;
}

export function peekDefaultCore(): Core | undefined {
  return defaultCore;
}
