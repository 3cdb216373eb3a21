// How rt knows "the current task", and what an event-loop turn is.
//
// The current task must survive `await` of any promise (a `fetch`, a Node API). Its store is a
// `Frame`: the task itself (a task is its own root frame), or a frame pushed by
// `TaskLocal.scope()` / `unconstrained()` on top of it. Frames form a parent chain, so task
// locals are a short linked-list walk and a spawned task starts from a fresh root frame
// (locals are not inherited, as in Tokio).
//
// Where the frame lives (`storage`, chosen once at load):
// - Node >= 24, and Node 22 run with --experimental-async-context-frame: an
//   AsyncLocalStorage. Its AsyncContextFrame costs next to nothing per promise.
// - Node 20/22 otherwise: a module variable set while code of a frame runs synchronously, carried across
//   promise continuations by three V8 promise hooks (init stamps each new promise with the
//   frame it was created in, before/after switch to it while its reactions run). On these
//   versions AsyncLocalStorage installs Node's async_hooks promise machinery, which taxes every
//   promise in the process ~3x more (measured: +110-140 ns per await against +40 ns here).
//   The difference a user can see: the frame follows promises and `await` only, not Node
//   callbacks (a `setTimeout` callback scheduled by a task runs outside it). RT_CONTEXT=als
//   forces AsyncLocalStorage, RT_CONTEXT=hooks the promise hooks.
//
// Event-loop turns: the cooperative budget and the event interval count "per turn". Node has
// no cheap "new turn" hook, so a turn is an epoch number bumped by one unref'd setImmediate,
// armed the first time anything looks at the epoch in a turn. Counters remember the epoch they
// were filled in; a counter from an older epoch is stale and resets on next use.
import type { Task } from './task.js';
import { reportLater } from './report.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { AsyncLocalStorage, AsyncResource } = process.getBuiltinModule('node:async_hooks');
type AsyncLocalStorage<T> = import('node:async_hooks').AsyncLocalStorage<T>;
type AsyncResource = import('node:async_hooks').AsyncResource;

/** What the context holds. */
export interface Frame {
  /** The task this code runs in, or undefined outside any task (a scope in plain code). */
  readonly task: Task | undefined;
  /** The TaskLocal this frame binds (undefined for a task's root frame). */
  readonly localKey: object | undefined;
  readonly localValue: unknown;
  readonly parent: Frame | undefined;
  /** Inside `unconstrained()`: the cooperative budget does not apply. */
  readonly unconstrained: boolean;
}

/** The two operations rt needs of an async context (AsyncLocalStorage's shape). */
export interface FrameStorage {
  getStore(): Frame | undefined;
  run<R, A extends unknown[]>(store: Frame | undefined, fn: (...args: A) => R, ...args: A): R;
}

const FRAME = Symbol('rt.frame');

/**
 * What the promise-hook context stamps on a promise whose reactions are the runtime's own
 * bookkeeping, not a segment of the task's code (see {@link markUntimedFrame}): the frame it was
 * made in, wrapped. The mark replaces the value of the promise's existing stamp instead of
 * adding a property of its own: a second symbol on promises gave them more shapes than the
 * hook's look-up of the stamp handles inline (with the engine's own promises, five: the look-up
 * went megamorphic, ~90 instructions per reaction of every promise, measured in the scheduler
 * README's seventh round).
 */
class UntimedFrame {
  /** No task: a stamp whose frame has none starts no segment (what the hook checks first). */
  readonly task: undefined = undefined;
  constructor(readonly untimedOf: Frame) {}
}

/** Told when a promise reaction of a frame starts and ends (instrumentation: see instrument.ts). */
export interface SegmentObserver {
  begin(frame: Frame): void;
  end(frame: Frame): void;
}

/**
 * The promise-hook context's state (one HookStorage per process; the hooks run on every promise
 * reaction in the process). Fields of one constant object, not module variables: a module `let`
 * read or written from a function is checked against its temporal dead zone each time (a compare
 * and a branch, and a Smi check for `depth`), a field of a constant object is a plain load or
 * store once optimized (issue 16: TCP echo in a task, Node 20, pass eu29). Nor fields of the
 * HookStorage: a closure reaches a module constant more cheaply than `this.current` through a
 * captured `this`.
 */
const hookState: {
  /** The frame of the code running now. */
  current: Frame | undefined;
  /**
   * Reactions run one at a time from the microtask queue, so `before`/`after` nest only where a
   * microtask checkpoint runs inside a reaction (a `vm` context's own queue): the frame a reaction
   * replaced is kept in `outer` at depth 1, and only deeper ones on the `saved` stack (no array
   * push and pop per reaction).
   */
  depth: number;
  outer: Frame | undefined;
  /**
   * The current outermost reaction's `before` passed a task frame to the segment observer (so its
   * `after` passes it on): false for the runtime's own reactions and those outside any task.
   */
  timed: boolean;
  segments: SegmentObserver | undefined;
  /**
   * Whether segments were ever observed (promises may carry an UntimedFrame): the hook's `before`
   * looks at the stamp's kind only then, so a process never instrumented pays one check per
   * reaction, as before.
   */
  segmentsEverObserved: boolean;
} = { current: undefined, depth: 0, outer: undefined, timed: false, segments: undefined, segmentsEverObserved: false };

/**
 * Routes the reactions of frame-stamped promises to `observer` (undefined: stop) through the
 * promise hooks that already carry the frame, so instrumentation adds no second set of hooks.
 * False when the frame lives in an AsyncLocalStorage (no such hooks: the caller installs its own).
 */
export function observeSegments(observer: SegmentObserver | undefined): boolean {
  if (!(storage instanceof HookStorage)) return false;
  hookState.segments = observer;
  hookState.timed = false;
  if (observer !== undefined) {
    hookState.segmentsEverObserved = true;
    storage.hook();
  }
  return true;
}

/**
 * Marks `promise`, made just now in the current context, as the runtime's own: its reactions
 * run in the frame it was made in but are no segment of that frame's task (instrumentation).
 * With the promise-hook context: true, done (its stamp now holds an UntimedFrame; nothing to do
 * for a promise made outside any frame: no segment begins without one). False where the frame
 * lives in an AsyncLocalStorage (the instrumentation's own hooks keep their stamp: the caller
 * marks it there).
 */
export function markUntimedFrame(promise: object): boolean {
  if (hookStorage === undefined) return false;
  hookStorage.markUntimed(promise);
  return true;
}
type Stamped = { [FRAME]?: Frame | undefined };

/** The frames replaced by nested reactions deeper than 1 (see `hookState.depth`). */
const saved: (Frame | undefined)[] = [];

/** The promise-hook context (see the header). */
class HookStorage implements FrameStorage {
  private hooked = false;
  /**
   * node:v8's promise hooks, taken when the storage is made (at load, where this storage is
   * chosen), so loading node:v8 never lands inside a task; where AsyncLocalStorage holds the
   * frame, node:v8 is not loaded here at all.
   */
  private readonly promiseHooks = process.getBuiltinModule('node:v8').promiseHooks;

  getStore(): Frame | undefined {
    return hookState.current;
  }

  run<R, A extends unknown[]>(store: Frame | undefined, fn: (...args: A) => R, ...args: A): R {
    if (!this.hooked) this.hook();
    const previous = hookState.current;
    hookState.current = store;
    try {
      return fn(...args);
    } finally {
      hookState.current = previous;
    }
  }

  /** `run(frame, fn, frame)` without rest parameters (a task start: once per spawn). */
  runFrame(frame: Frame, fn: (frame: Frame) => void): void {
    if (!this.hooked) this.hook();
    const previous = hookState.current;
    hookState.current = frame;
    try {
      fn(frame);
    } finally {
      hookState.current = previous;
    }
  }

  /** See markUntimedFrame: the promise was made now, so its stamp is the current frame. */
  markUntimed(promise: object): void {
    const frame = hookState.current;
    if (frame !== undefined) (promise as Stamped)[FRAME] = new UntimedFrame(frame) as unknown as Frame;
  }

  hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    this.promiseHooks.createHook({
      init: (promise: Promise<unknown>) => {
        const frame = hookState.current;
        if (frame !== undefined) (promise as Stamped)[FRAME] = frame;
      },
      before: (promise: Promise<unknown>) => {
        if (hookState.depth++ === 0) hookState.outer = hookState.current;
        else saved.push(hookState.current);
        const frame = (promise as Stamped)[FRAME];
        if (hookState.segmentsEverObserved && frame !== undefined) {
          if (frame.task === undefined) {
            // The runtime's own reaction (markUntimedFrame: in its frame, no segment), or a
            // frame outside any task (no segment either).
            hookState.current = frame instanceof UntimedFrame ? frame.untimedOf : frame;
            return;
          }
          hookState.current = frame;
          // Nested reactions (depth > 1) leave `timed` to the outermost one (see after).
          if (hookState.segments !== undefined && hookState.depth === 1) hookState.timed = true;
          hookState.segments?.begin(frame);
          return;
        }
        hookState.current = frame;
      },
      after: () => {
        // Only a reaction whose `before` reported a segment's start can end one: the runtime's
        // own (untimed) reactions and those outside any task skip the observer call. (Without
        // an observer, one check, as before.)
        if (hookState.segments !== undefined) {
          if (hookState.depth > 1) {
            if (hookState.current !== undefined) hookState.segments.end(hookState.current);
          } else if (hookState.timed) {
            hookState.timed = false;
            if (hookState.current !== undefined) hookState.segments.end(hookState.current);
          }
        }
        // depth 0 here: the hooks were installed inside this reaction (no `before` for it).
        if (hookState.depth <= 1) {
          hookState.depth = 0;
          hookState.current = hookState.outer;
          hookState.outer = undefined;
        } else {
          hookState.depth--;
          hookState.current = saved.pop();
        }
      },
    });
  }
}

/**
 * For a promise the runtime makes and hands to a task to await (a parked read's): makes no frame
 * current, so the promise hook's `init` leaves the promise unstamped; returns the frame to give
 * back to {@link endUnstamped} right after the `new Promise`. The stamp of such a promise is
 * read in one case only: `before` reads the stamp of the promise a reaction settles (the one
 * `then` made, or the throwaway promise of an `await`), made in the frame that called `then` or
 * `await`, never the stamp of the promise the reaction waited on; but when the promise is
 * resolved with a foreign thenable (an object with its own `then`, not a promise), V8 runs that
 * `then` in a job whose `before` is given this promise, so the thenable's `then` runs in no task
 * (as it does on Node 24+, where the frame follows the resolving side). A socket read resolves
 * with a number, a channel receive with the value sent. Stamping it cost, per promise, a
 * property added to it (a map transition and a property array) on Node 20/22 (issue 16: one of
 * the three promises per message of a TCP echo loop in a task). Where the frame lives in an
 * AsyncLocalStorage there are no stamps (`current` stays undefined): nothing to do.
 */
export function beginUnstamped(): Frame | undefined {
  const frame = hookState.current;
  hookState.current = undefined;
  return frame;
}

/** Ends {@link beginUnstamped}: `frame` is what it returned. */
export function endUnstamped(frame: Frame | undefined): void {
  hookState.current = frame;
}

/** Whether AsyncLocalStorage runs on AsyncContextFrame here (cheap), from the version and flags. */
export function asyncContextFrames(major: number, flags: readonly string[]): boolean {
  // Node >= 24: on unless --no-async-context-frame. Node 22: off unless
  // --experimental-async-context-frame (measured on 22.23: 44 ns per await in a task against
  // 79 ns with the promise hooks). Node 20 has no such flag.
  if (major >= 24) return !flags.includes('--no-async-context-frame');
  return major === 22 && flags.includes('--experimental-async-context-frame');
}

/**
 * Whether AsyncLocalStorage runs on AsyncContextFrame here, found by trying it: an AsyncResource
 * made inside `run` captured a frame that holds the store (Node's `context_frame` symbol: on the
 * async_hooks implementation it holds undefined), whether or not an async hook tracks promises
 * (an APM's or OpenTelemetry's AsyncHooksContextManager, enabled before rt loads). Where Node
 * names that symbol otherwise: on Node's async_hooks implementation `run` enables the promise
 * hook, so a promise made inside carries an async id; on AsyncContextFrame it does not (with an
 * async hook already tracking promises this says no: the promise hooks, the safe choice). For
 * Node 22, where the flag may come from a config file (`--experimental-config-file`,
 * `node.config.json`) that neither `process.execArgv` nor `NODE_OPTIONS` shows. The async_hooks
 * implementation disables its hook again on the next turn.
 */
export function alsRunsOnFrames(): boolean {
  const probe = new AsyncLocalStorage<boolean>();
  let tagged = false;
  let framed = false;
  // In a scope that makes the current frame current again after it: on AsyncContextFrame `run`
  // ends by entering the prior store, a new frame, and `disable` empties it, so the probe left an
  // empty frame current for the rest of the loading code (tasks spawned there started from a
  // copy of it instead of a TaskFrame; see frameClass).
  new AsyncResource('rt:probe').runInAsyncScope(() => {
    probe.run(true, () => {
      tagged = promisesCarryAsyncIds();
      const resource = new AsyncResource('rt:probe') as AsyncResource & Record<symbol, unknown>;
      for (const symbol of Object.getOwnPropertySymbols(resource)) {
        if (symbol.description !== 'context_frame') continue;
        const frame = resource[symbol] as { has?: (key: unknown) => unknown } | undefined;
        framed = typeof frame?.has === 'function' && frame.has(probe) === true;
      }
    });
    probe.disable();
  });
  return framed || !tagged;
}

const major = Number(process.versions.node.split('.')[0]);
/** Whether AsyncLocalStorage runs on AsyncContextFrame in this process. */
const framesHere =
  asyncContextFrames(major, [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)]) ||
  (major === 22 && alsRunsOnFrames());

function chooseStorage(): FrameStorage {
  const forced = process.env['RT_CONTEXT'];
  if (forced === 'als') return new AsyncLocalStorage<Frame>() as FrameStorage;
  if (forced === 'hooks') return new HookStorage();
  return framesHere ? (new AsyncLocalStorage<Frame>() as FrameStorage) : new HookStorage();
}

export const storage: FrameStorage = chooseStorage();
/** `storage` when it is the promise-hook context. */
const hookStorage = storage instanceof HookStorage ? storage : undefined;
/**
 * Whether rt's promise hooks carry the frame here (Node 20/22 without AsyncContextFrame): V8 then
 * never inlines the `Promise` constructor, so an executor made once and reused costs less than
 * one written at the `new Promise` (see `ReusableWaiter`).
 */
export const promiseHooksCarryFrames: boolean = hookStorage !== undefined;
/**
 * Whether the frame lives in an AsyncLocalStorage on AsyncContextFrame (Node 24+; Node 22 with
 * the flag): there a promise reaction runs in the async context its `then` (or `await`) was
 * called in, and that context is already current when V8's promise hook `before` runs for it
 * (so is a thenable job's, the context it was queued in): `storage.getStore()` inside `before`
 * reads the frame the reaction belongs to, without a stamp per promise (instrument.ts).
 */
export const framesCarryReactions: boolean = storage instanceof AsyncLocalStorage && framesHere;

/** Calls `fn(frame)` with `frame` as the store (`storage.run(frame, fn, frame)`, cheaper on the promise hooks). */
export const runFrame: (frame: Frame, fn: (frame: Frame) => void) => void =
  storage instanceof HookStorage ? storage.runFrame.bind(storage) : (frame, fn) => storage.run(frame, fn, frame);

export function currentFrame(): Frame | undefined {
  return storage.getStore();
}

export function currentTask(): Task | undefined {
  return storage.getStore()?.task;
}

// The spawner's async context. A task's first segment runs from the run queue's drain, a
// microtask queued by whichever spawn found the queue empty: in Node's async context (what
// AsyncLocalStorage and OpenTelemetry's context managers read) every task started by one drain
// would see that first spawner's stores. So when anything may keep values there, spawn
// captures the context (on AsyncContextFrame the frame itself, read with one call: see
// FrameClass; elsewhere an AsyncResource, which snapshots every store) and the drain starts
// the task inside it: a task starts in the context active at its spawn() call, as a callback
// passed to setTimeout would. When nothing can (Node 20/22 without any async hook or
// AsyncLocalStorage in use: the default), spawn pays one check per event-loop turn.

/**
 * Whether Node's async context may hold stores without any async hook to probe for: rt's frame
 * is an AsyncLocalStorage, or AsyncLocalStorage runs on AsyncContextFrame here (rt on the
 * promise hooks, RT_CONTEXT=hooks on Node 24: a user's AsyncLocalStorage enables no async hook).
 */
const contextFrames = storage instanceof AsyncLocalStorage || framesHere;
let probedEpoch = -1;
let probed = false;

/**
 * Whether Node's async context may hold anything besides rt's frame (see above): always on
 * AsyncContextFrame; elsewhere whether async_hooks tracks promises (an AsyncLocalStorage or an
 * async hook is enabled: Node then tags each new promise with its async id), probed once per turn.
 */
export function asyncContextInUse(): boolean {
  return contextFrames || asyncHooksTrackPromises();
}

/** Whether async_hooks tracks promises (see above), probed once per turn. */
function asyncHooksTrackPromises(): boolean {
  const now = currentEpoch();
  if (now !== probedEpoch) {
    probedEpoch = now;
    probed = promisesCarryAsyncIds();
  }
  return probed;
}

/** Whether a promise made now carries an async id (async_hooks tracks promises). */
function promisesCarryAsyncIds(): boolean {
  for (const symbol of Object.getOwnPropertySymbols(Promise.resolve())) {
    if (symbol.description === 'async_id_symbol') return true;
  }
  return false;
}

/**
 * Where an AsyncResource keeps the AsyncContextFrame it captured, and its trigger id (Node's own
 * symbols, found by their descriptions): undefined where AsyncLocalStorage does not run on
 * AsyncContextFrame, or where Node names them otherwise (then every capture is kept).
 */
const [frameKey, triggerKey] = ((): [symbol | undefined, symbol | undefined] => {
  if (!contextFrames || !framesHere) return [undefined, undefined];
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('rt:probe'));
  const frame = symbols.find((symbol) => symbol.description === 'context_frame');
  const trigger = symbols.find((symbol) => symbol.description === 'trigger_async_id_symbol');
  return frame !== undefined && trigger !== undefined ? [frame, trigger] : [undefined, undefined];
})();
type Captured = AsyncResource & Record<symbol, unknown>;

/** An AsyncContextFrame: Node's map of AsyncLocalStorage to store, one immutable value per context. */
type ContextFrame = Map<unknown, unknown>;

/**
 * Node's AsyncContextFrame class, for its three static operations: `current()` (the frame of the
 * code running now), `exchange(frame)` (make `frame` current, return the one it replaced) and
 * `set(frame)`. They are what `new AsyncResource()` and `runInAsyncScope` do with the frame,
 * without the rest: reading the frame is one call (~3.5 ns on Node 24.22) where an AsyncResource
 * was ~22 ns and an object per spawn, and a task whose spawner's frame holds nothing but rt's own
 * store starts from no frame (its frame is a fresh one-entry map, ~27 ns) where entering it from
 * the spawner's frame copied that frame's map through the iteration protocol (~95 ns with the
 * AsyncResource's `runInAsyncScope`). Found through a captured frame's constructor, and checked
 * (current() returns the frame in use, exchange/set round-trip) before use; undefined where
 * AsyncLocalStorage does not run on AsyncContextFrame, or Node's frames look otherwise (then
 * every spawn captures an AsyncResource, as before).
 */
interface FrameClass {
  current(): ContextFrame | undefined;
  exchange(frame: ContextFrame | undefined): ContextFrame | undefined;
  set(frame: ContextFrame | undefined): void;
}

const frameClass = ((): FrameClass | undefined => {
  if (frameKey === undefined) return undefined;
  // In a scope that makes the current frame current again after it, as alsRunsOnFrames does: on
  // AsyncContextFrame `run` ends by entering the prior *store* (`enterWith(undefined)`), not the
  // prior frame, so the probe left a frame holding its own storage current for the rest of the
  // loading code (an ES module's top level, where tasks are commonly spawned): every such task
  // then started from a copy of that frame, a two-entry map, instead of a TaskFrame (issue 16).
  // (The scope restores it whatever the probe finds, a failed check included.)
  try {
    const probe = new AsyncLocalStorage<boolean>();
    return new AsyncResource('rt:probe').runInAsyncScope(() => probe.run(true, (): FrameClass | undefined => {
      const frame = (new AsyncResource('rt:probe') as Captured)[frameKey] as ContextFrame | undefined;
      const candidate = frame?.constructor as Partial<FrameClass> | undefined;
      // (Not `instanceof Map`: a Map of Node's own realm, not of a vm context rt may be loaded in.)
      if (
        typeof frame?.has !== 'function' ||
        typeof candidate?.current !== 'function' ||
        typeof candidate.exchange !== 'function' ||
        typeof candidate.set !== 'function'
      ) {
        return undefined;
      }
      const found = candidate as FrameClass;
      if (found.current() !== frame) return undefined;
      const prior = found.exchange(undefined);
      const inside = probe.getStore();
      found.set(prior);
      return prior === frame && inside === undefined && probe.getStore() === true ? found : undefined;
    }));
  } catch {
    return undefined;
  }
})();

/**
 * The async context a task starts in, captured at its spawn (see above): an AsyncResource (which
 * snapshots every store and, for async hooks, the trigger id), or where Node's frame can be read
 * directly and no async hook tracks promises, the AsyncContextFrame itself (`NO_FRAME`: none).
 */
export type CapturedContext = AsyncResource | ContextFrame | typeof NO_FRAME;
/**
 * The captured frame when no AsyncLocalStorage holds anything (the frame is undefined). An object,
 * not a symbol: the run queue compares each spawn's capture with the last one, and with only
 * objects (and undefined) on both sides the optimizer compares references inline, where a symbol
 * among them made it call the generic `StrictEqual` (issue 16: once per spawn, callgrind).
 */
const NO_FRAME: object = Object.freeze(Object.create(null) as object);

/**
 * The current async context, to start a task in later (see above). When it is the context
 * `previous` holds (a loop of spawns), `previous` is returned: the run queue holds one context for
 * the loop, not one per task. Where Node's frame is read directly (see FrameClass) that is the frame
 * (one immutable value: no allocation at all); else an AsyncResource, dropped at once when its frame
 * and trigger id are those of `previous` (80 B kept per queued task on Node 24 otherwise). Not while
 * async hooks track promises: a context kept by async id (OpenTelemetry's AsyncHooksContextManager)
 * is one per resource.
 */
export function captureAsyncContext(previous: CapturedContext | undefined): CapturedContext {
  if (frameClass !== undefined && !asyncHooksTrackPromises()) return frameClass.current() ?? NO_FRAME;
  const context = new AsyncResource('rt:task') as Captured;
  if (
    previous instanceof AsyncResource &&
    frameKey !== undefined &&
    !asyncHooksTrackPromises() &&
    context[frameKey] === (previous as Captured)[frameKey] &&
    context[triggerKey!] === (previous as Captured)[triggerKey!]
  ) {
    return previous;
  }
  return context;
}

/**
 * The async context of a `then` call whose callbacks rt calls itself later (a JoinHandle's `then`
 * from outside any task, at the task's finish) or hands to the engine at settle time (a Sleep's
 * `then`, through its `Fired` thenable): what `captureAsyncContext` keeps for a spawn, or undefined
 * when no AsyncLocalStorage or async hook is in use (there is no context to keep but rt's own).
 * Call them through {@link callInContext}: a callback of `then` runs in the context `then` was
 * called in, as a promise's does (an AsyncLocalStorage's store set around the `then` call is the
 * one its callback reads).
 */
export function captureThenContext(): CapturedContext | undefined {
  return asyncContextInUse() ? captureAsyncContext(undefined) : undefined;
}

/**
 * Whether a promise job (a reaction, a thenable's job) runs in the async context it was queued in
 * (AsyncContextFrame: Node 24+, Node 22 with the flag), not in that of the promise it settles (the
 * promise hooks' async ids: Node 20/22): then a thenable that resolves the promise its `then`
 * returned with another thenable at settle time (time's `Fired`) must queue that job in the
 * context of the `then` call ({@link captureThenContext}, {@link callInContext}).
 */
export const jobsRunInQueuingContext: boolean = framesHere;

/** Calls `fn(a, b, c)` in `context` (from {@link captureThenContext}); undefined: in the current one. */
export function callInContext<A, B, C>(context: CapturedContext | undefined, fn: (a: A, b: B, c: C) => void, a: A, b: B, c: C): void {
  if (context === undefined) return fn(a, b, c);
  if (context instanceof AsyncResource) {
    context.runInAsyncScope(fn, undefined, a, b, c);
    return;
  }
  // A frame: frameClass is defined (captureAsyncContext returns frames only then).
  const frames = frameClass!;
  const prior = frames.exchange(context === NO_FRAME ? undefined : (context as ContextFrame));
  try {
    fn(a, b, c);
  } finally {
    frames.set(prior);
  }
}

/** Whether spawns capture Node's AsyncContextFrame itself (see FrameClass; for tests). */
export const capturesFrames: boolean = frameClass !== undefined;
/** Whether a task started from an rt-only frame gets a TaskFrame (see TaskFrame; for tests). */
export function usesTaskFrames(): boolean {
  return taskFrames;
}

/**
 * What a task started in `context` starts from: for a captured frame, the frame to make current
 * around its start, undefined when the frame holds nothing but rt's own store (the spawner's task):
 * the task's own frame replaces that entry anyway, so starting from no frame gives the same frame
 * without copying the spawner's (see FrameClass). Other contexts are returned as they are.
 */
export function startingPoint(context: CapturedContext): CapturedContext | undefined {
  if (context === NO_FRAME || context instanceof TaskFrame) return undefined;
  if (context instanceof AsyncResource) return context;
  const frame = context as ContextFrame;
  return storage instanceof AsyncLocalStorage && frame.size === 1 && frame.has(storage) ? undefined : frame;
}

/**
 * The AsyncContextFrame of a task whose spawner's frame held nothing but rt's store: a frame that
 * maps rt's storage to the task and holds nothing else, as Node's own frame would after copying
 * the spawner's and replacing rt's entry, without the map (Node's is a `Map` of 184 B with its
 * table, built per task start). Node reads a frame in exactly four ways (Node 24.22 and 26:
 * `internal/async_context_frame`, `internal/async_local_storage/async_context_frame`): `has` and
 * `get` (`getStore`), `disable` (`AsyncLocalStorage.disable`, deleting its store from the
 * current frame: this one holds only rt's, which rt never disables), and iteration (the copy
 * `enterWith`/`run` start a new frame from). The rest of `Map`'s reading side is here too.
 */
class TaskFrame {
  constructor(readonly store: Frame) {}
  has(key: unknown): boolean {
    return key === storage;
  }
  get(key: unknown): unknown {
    return key === storage ? this.store : undefined;
  }
  disable(): void {}
  get size(): number {
    return 1;
  }
  forEach(callback: (value: unknown, key: unknown, map: unknown) => void, thisArg?: unknown): void {
    callback.call(thisArg, this.store, storage, this);
  }
  *entries(): IterableIterator<[unknown, unknown]> {
    yield [storage, this.store];
  }
  *keys(): IterableIterator<unknown> {
    yield storage;
  }
  *values(): IterableIterator<unknown> {
    yield this.store;
  }
  [Symbol.iterator](): IterableIterator<[unknown, unknown]> {
    return this.entries();
  }
}

/**
 * The class as a constant: `frameStore` compares a frame's constructor with it on every park, and a
 * class declaration is a mutable binding read with a TDZ check (issue 16, pass pk31).
 */
const TaskFrameClass = TaskFrame;

function enterFrame(frame: Frame, fn: (frame: Frame) => void): void {
  (storage as AsyncLocalStorage<Frame>).enterWith(frame);
  fn(frame);
}

/**
 * Calls `fn(frame)` with `frame` as the store, inside the async context a task was spawned in
 * (`start`, from `startingPoint`: an AsyncResource, an AsyncContextFrame, or undefined for no
 * frame). On AsyncLocalStorage the store is entered, not run: the context's frame is restored on
 * return (`runInAsyncScope`, or the frame class's `set`), so the store needs no restoring of its
 * own, and AsyncLocalStorage.run would build a second frame for that (on AsyncContextFrame each
 * `run` copies the frame's map twice, to enter and to restore: measured on Node 24.22, 1M task
 * starts, ~410–500 → 260–320 ns per start with the AsyncResource). Restoring the frame found is
 * what keeps a task's `enterWith` on another storage from leaking into the drain's next task.
 */
export function runInContext(start: CapturedContext | undefined, frame: Frame, fn: (frame: Frame) => void): void {
  if (start instanceof AsyncResource) {
    if (!(storage instanceof AsyncLocalStorage)) start.runInAsyncScope(runFrame, undefined, frame, fn);
    else start.runInAsyncScope(enterFrame, undefined, frame, fn);
    return;
  }
  // A frame: frameClass is defined (captureAsyncContext returns frames only then).
  const frames = frameClass!;
  if (start === undefined && taskFrames) {
    // The task's frame holds only rt's store: one small object, not a copy (see TaskFrame).
    const prior = frames.exchange(new TaskFrame(frame) as unknown as ContextFrame);
    try {
      fn(frame);
    } finally {
      frames.set(prior);
    }
    return;
  }
  const prior = frames.exchange(start as ContextFrame | undefined);
  try {
    if (storage instanceof AsyncLocalStorage) enterFrame(frame, fn);
    else runFrame(frame, fn);
  } finally {
    frames.set(prior);
  }
}

/**
 * Whether this Node takes a TaskFrame for a frame (checked once at load, on the operations rt and
 * a task's code rely on: rt's store read through it, another store absent, and `enterWith` on
 * another storage copying rt's entry); else such a task's frame is Node's own map, as before.
 */
const taskFrames: boolean =
  frameClass !== undefined &&
  storage instanceof AsyncLocalStorage &&
  ((): boolean => {
    const probe = new AsyncLocalStorage<number>();
    const marker = { task: undefined } as unknown as Frame;
    const prior = frameClass.exchange(new TaskFrame(marker) as unknown as ContextFrame);
    try {
      if (storage.getStore() !== marker || probe.getStore() !== undefined) return false;
      probe.enterWith(1);
      return storage.getStore() === marker && probe.getStore() === 1;
    } catch {
      return false;
    } finally {
      frameClass.set(prior);
    }
  })();

/**
 * `storage.getStore()`, for the paths every spawn and join takes (issue 16: three reads per task
 * spawned and joined) and instrumentation's promise hook `before`: where the current frame is a
 * TaskFrame its store is read directly, without AsyncLocalStorage's `getStore` (the frame's `has`
 * and `get`, and the storage's default value: measured under callgrind on Node 24.22, ~70
 * instructions a call more), and where there is no frame there is no store; on the promise hooks,
 * the module variable itself.
 */
export const frameStore: () => Frame | undefined =
  frameClass !== undefined && taskFrames
    ? (): Frame | undefined => {
        const frame = frameClass.current();
        // No frame: no store (rt's storage has no default value).
        if (frame === undefined) return undefined;
        // (The constructor, not `instanceof`: one map check where `instanceof` walks the prototype
        // chain; a frame is Node's own map or a TaskFrame, so no other object answers TaskFrame.)
        return frame.constructor === TaskFrameClass ? (frame as unknown as TaskFrame).store : storage.getStore();
      }
    : hookStorage !== undefined
      ? (): Frame | undefined => hookState.current
      : (): Frame | undefined => storage.getStore();

/** The task of the code running now (`currentTask()`), for instrumentation's promise hook `before` on AsyncContextFrame (once per promise reaction while an instrumented runtime lives). */
export const reactionTask = (): Task | undefined => frameStore()?.task;

/**
 * Calls `fn(a, b, c)` outside any task: with rt's store undefined and every other store as it is
 * now (`storage.run(undefined, …)`). Where the current frame holds nothing but rt's store (a task
 * started by the run queue from an rt-only spawner: see TaskFrame), that is no frame at all: made
 * current with the frame class's exchange instead of `run`, which copies the frame twice on
 * AsyncContextFrame (~200 ns per call on Node 24.22; once per task joined from outside any task).
 */
export function runOutsideTasks<A, B, C>(fn: (a: A, b: B, c: C) => void, a: A, b: B, c: C): void {
  if (frameClass !== undefined && storage instanceof AsyncLocalStorage) {
    const frame = frameClass.current();
    if (frame instanceof TaskFrame || (frame !== undefined && frame.size === 1 && frame.has(storage))) {
      const prior = frameClass.exchange(undefined);
      try {
        fn(a, b, c);
      } finally {
        frameClass.set(prior);
      }
      return;
    }
  }
  if (hookStorage !== undefined) {
    // The promise hooks (Node 20/22): the same as `run(undefined, …)` without its rest-parameter
    // array and spread call (issue 16: once per task joined from outside any task).
    const previous = hookState.current;
    hookState.current = undefined;
    try {
      fn(a, b, c);
    } finally {
      hookState.current = previous;
    }
    return;
  }
  storage.run(undefined as unknown as Frame, fn, a, b, c);
}

/**
 * The turn counter: the current turn's number, and whether its immediate is armed. Fields of a
 * constant object for the reason `hookState`'s are (every ready operation's budget spend reads
 * both).
 */
const turnState = { epoch: 0, armed: false };
/** The turn counter's immediate while armed (`ref`'d while a turn-end callback waits: see atTurnEnd). */
let epochImmediate: NodeJS.Immediate | undefined;
/** What runs when the current turn ends (atTurnEnd), in order. */
let turnEndCallbacks: (() => void)[] = [];

function bumpEpoch(): void {
  turnState.armed = false;
  epochImmediate = undefined;
  turnState.epoch++;
  if (turnEndCallbacks.length !== 0) runTurnEnd();
}

/** The turn-end callbacks, each once; one that throws is reported on a microtask (the others still run). */
function runTurnEnd(): void {
  const callbacks = turnEndCallbacks;
  turnEndCallbacks = []; // one registered while these run waits for the next turn's end
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      reportLater(error);
    }
  }
}

/**
 * Runs `callback` once, when the current event-loop turn ends: in the check phase of this loop
 * iteration (the turn counter's own immediate, which the cooperative budget arms on every turn
 * with a ready operation anyway), after the turn counter moved on. While one waits the immediate
 * is ref'd, so the loop neither blocks in its poll phase nor exits before it runs. For the
 * reactor's ready queue: its fallback was a `process.nextTick` per batch, ~100–180 instructions
 * per message of a TCP echo at ~60 messages per batch (measured under callgrind).
 *
 * **Cancellation:** none: once registered it runs.
 *
 * **Errors:** none; a callback that throws is reported as an uncaught exception on a microtask.
 *
 * **Example**
 * ```ts
 * if (!this.fallbackArmed) { this.fallbackArmed = true; atTurnEnd(this.fallback); }
 * ```
 */
export function atTurnEnd(callback: () => void): void {
  if (turnState.armed !== true) armEpoch();
  if (turnEndCallbacks.length === 0) epochImmediate!.ref();
  turnEndCallbacks.push(callback);
}

/** The current event-loop turn's number; arms the (unref'd) turn counter. */
export function currentEpoch(): number {
  if (turnState.armed !== true) armEpoch();
  return turnState.epoch;
}

/** The first look at the epoch in a turn: arm the immediate that ends the turn (out of line: `currentEpoch` is on every ready operation's path). */
function armEpoch(): void {
  turnState.armed = true;
  epochImmediate = setImmediate(bumpEpoch).unref();
}

/**
 * Tokio's per-task budget of rt operations before a forced yield (`FULL_BUDGET` is what this module
 * reads: TurboFan folds a module's own `const`, but reads an exported one through its module cell
 * with a TDZ check each time; issue 16, pass eu30).
 */
const FULL_BUDGET = 128;
/** Tokio's per-task budget of rt operations before a forced yield. */
export const BUDGET = FULL_BUDGET;

/**
 * A budget: a task's, or the one shared by code outside tasks in the current turn. One small
 * integer (a task record keeps one field, not two): the low 8 bits are the operations left, the
 * bits above them the turn they were filled in, modulo 2^23 (a small integer for V8 either way).
 * A budget last filled exactly a multiple of 2^23 turns ago reads as this turn's: it then forces
 * its yield up to BUDGET operations early, once (the budget only ever makes a task yield sooner).
 * Negative: never filled.
 */
export interface Budget {
  budget: number;
}

/** What `Budget.budget` keeps of the turn (see Budget). */
const BUDGET_TURNS = 0x7fffff;

/** A budget that has never been filled (the next spend fills it). */
export const EMPTY_BUDGET = -1;

/**
 * Spends one operation of `budget` in the current turn (filling it first if it was filled in an
 * earlier turn): true if there was one to spend, false when the turn's budget is used up.
 */
export function spendBudget(budget: Budget): boolean {
  const turn = currentEpoch() & BUDGET_TURNS;
  let packed = budget.budget;
  if (packed >> 8 !== turn) packed = (turn << 8) | FULL_BUDGET;
  if ((packed & 0xff) === 0) {
    budget.budget = packed;
    return false;
  }
  budget.budget = packed - 1;
  return true;
}

/**
 * Gives back one operation spent from `budget` in the current turn (an operation that
 * `spendBudget` let through found nothing to do after all); nothing when the budget was filled
 * in another turn or is full.
 */
export function returnBudget(budget: Budget): void {
  const packed = budget.budget;
  if (packed >> 8 === (currentEpoch() & BUDGET_TURNS) && (packed & 0xff) < FULL_BUDGET) budget.budget = packed + 1;
}

/** Refills `budget` in the turn it was last filled in (a task woken from park starts afresh, as in Tokio). */
export function refillBudget(budget: Budget): void {
  budget.budget = (budget.budget & ~0xff) | FULL_BUDGET;
}

/** The budget of code running outside any task. */
export const outsideBudget: Budget = { budget: EMPTY_BUDGET };

/** Forced yields of code outside any task (counted in the default runtime's metrics). */
export const outsideCounters = { forcedYields: 0 };

const clockOrigin = Date.now();
let clockEpoch = -1;
let clockValue = 0;

/**
 * Whole milliseconds since rt was loaded, read once per event-loop turn: a small integer, so a
 * task's spawn time costs no heap number and no clock read per spawn (dump() ages need no more).
 */
export function coarseNow(): number {
  // Read once per turn: the cached value while the turn counter is armed and has not moved (a
  // small function, so the optimizer inlines it into a task's construction on Node 22 too, where
  // the whole of it was a call per spawn: ~50 instructions, callgrind).
  return turnState.armed === true && clockEpoch === turnState.epoch ? clockValue : readCoarseClock();
}

/** The coarse clock's read, once per turn (see coarseNow). */
function readCoarseClock(): number {
  clockEpoch = currentEpoch();
  const ms = Date.now() - clockOrigin;
  // `| 0` makes it a small integer (a difference of two doubles is kept as a heap number, and
  // optimized code that inlines the spawn stored a fresh one in every task: 16 B per task,
  // issue 16); past 2^30 ms (12.4 days) of uptime the value stays a plain number.
  clockValue = ms <= 0x3fffffff ? ms | 0 : ms;
  return clockValue;
}

/** Milliseconds since rt was loaded, precise (for ages in dumps). */
export function preciseNow(): number {
  return Date.now() - clockOrigin;
}
