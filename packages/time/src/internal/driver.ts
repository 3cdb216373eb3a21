// The time driver: one per runtime, attached as a `Handle` extension. How and why:
//
// - It owns the runtime's clock and one timer wheel. Every timer (a Sleep, a timeout, an
//   interval's sleep) is a wheel entry; inserting and removing are O(1) and allocate
//   nothing, which is where rt beats one Node `Timeout` object per timer. Timers due within
//   the next 4,096 ms go to the near layer in front of the wheel instead (near.ts: one
//   bucket per millisecond, no cascade); `process` merges the two in deadline order.
// - It arms ONE Node timer (setTimeout), for the earliest tick the wheel has work at. It
//   re-arms only when a new entry is due before the armed tick; removals never re-arm (the
//   timer may then fire for nothing, polls, and re-arms for the true next tick). When the
//   timer fires it polls the wheel up to the clock's current millisecond and fires the
//   expired entries in deadline order, one tick per microtask (`fireUntil`), so each tick's
//   callbacks run before the next tick fires.
// - The Node timer is ref'd only while some timer has a waiter (`waiting > 0`), so the
//   process exits when nothing awaits a timer, and stays alive while something does.
// - Paused clock: no Node timer is armed (real time does not matter). `advance` moves the
//   clock and fires what became due. With auto-advance on, when something waits on a timer
//   and the runtime looks idle (two event-loop turns with no timer activity and no forced
//   yields), the clock jumps to the next deadline; never while the runtime reports
//   external work in flight (blocking tasks, tracked I/O): then it looks again in 1 ms.
import { Handle as HandleOf, RuntimeShutdown } from '@rt/scheduler';
import { reportLater } from '@rt/scheduler/primitives';
import type { RtError } from '@rt/scheduler';
import { Clock } from './clock.js';
import { Wheel, WheelEntry } from './wheel.js';
import { NearLayer as NearLayerOf } from './near.js';

// Module-local copies of the imports read at every `currentDriver` and timer removal (an imported
// binding is read through its module cell with a TDZ check each time, a module's own `const` is
// folded): issue 16, @rt/net's README, pass eu30; this package's README, passes lc31 and dr32.
const Handle = HandleOf;
type Handle = HandleOf;
const NearLayer = NearLayerOf;
type NearLayer<E extends WheelEntry = WheelEntry> = NearLayerOf<E>;

/** The extension key the driver is attached under (its description names it in metrics). */
export const TIME_KEY: unique symbol = Symbol('rt.time');

/** Node's setTimeout limit (a longer delay fires at once). */
const MAX_NODE_DELAY = 2 ** 31 - 1;

/** A timer the driver can fire: a wheel entry with what to do when it expires. */
export abstract class TimerEntry extends WheelEntry {
  /** @internal Called once when the deadline is reached (the entry is already unlinked). */
  abstract fire(): void;
  /** @internal Called at runtime shutdown for an entry still pending (already unlinked). */
  abstract abandon(error: RtError): void;
}

/** The per-runtime time driver. */
export class TimeDriver {
  readonly clock: Clock;
  private readonly wheel: Wheel<TimerEntry>;
  private readonly near: NearLayer<TimerEntry>;
  private readonly handle: Handle | undefined;
  private readonly autoAdvance: boolean;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private timerRefed = false;
  private unrefArmed = false;
  /** The tick the Node timer is armed for (Infinity: not armed). */
  private armedTick = Infinity;
  /** Timers that a waiter awaits: the Node timer is ref'd while this is above 0. */
  private waiting = 0;
  /** Bumped on every insert, removal, wake-up and fire: the auto-advance idle test. */
  private activity = 0;
  private idleCheckArmed = false;
  private idleSeen = -1;
  private idleYields = -1;
  private isShut = false;
  /** Entries registered already due (a timeout with a past deadline): fired next turn. */
  private due: TimerEntry[] = [];
  private dueArmed = false;
  /** Where a `fireUntil` continued on the next microtask stops (see there). */
  private stepUntil = 0;
  /** Counters for metrics(). */
  private fired = 0;
  private autoAdvances = 0;

  constructor(handle: Handle | undefined, startPaused = false, autoAdvance = true) {
    this.handle = handle;
    this.clock = new Clock(startPaused);
    this.autoAdvance = autoAdvance;
    this.wheel = new Wheel<TimerEntry>(Math.floor(this.clock.now()));
    this.near = new NearLayer<TimerEntry>(Math.floor(this.clock.now()));
  }

  /** Creates the driver for a runtime, from its configuration. */
  static create(this: void, handle: Handle): TimeDriver {
    return new TimeDriver(handle, handle.config.startPaused, handle.config.autoAdvance);
  }

  /** True once the runtime shut the driver down. */
  get shut(): boolean {
    return this.isShut;
  }

  /** Timers in the wheel (pending, including ones nobody waits on). */
  get size(): number {
    return this.wheel.size + this.near.size + this.due.length;
  }

  /** The clock's reading, in milliseconds. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Registers `entry` to fire at `deadline` (clock milliseconds, rounded up to the next
   * tick; `now` is the clock's reading if the caller has it). Returns false, registering
   * nothing but setting `entry.when`, when the rounded deadline has already been reached.
   */
  insert(entry: TimerEntry, deadline: number, now: number = this.clock.now()): boolean {
    if (this.isShut) throw this.shutdownError();
    const tick = Math.ceil(deadline);
    if (tick <= now) {
      entry.when = tick;
      return false;
    }
    if (!this.near.tryInsert(entry, tick, Math.floor(now))) {
      const wheel = this.wheel;
      // An empty wheel may lag far behind the clock; catching up costs nothing then.
      if (wheel.size === 0) wheel.poll(Math.floor(now));
      wheel.insert(entry, tick);
    }
    this.activity++;
    if (tick < this.armedTick && !this.clock.paused) this.armAt(tick, now);
    return true;
  }

  /**
   * Registers an entry whose deadline may already be reached: such an entry fires on the
   * next event-loop turn instead of at once (so work that is ready now wins a timeout).
   */
  insertOrQueue(entry: TimerEntry, deadline: number, now: number = this.clock.now()): void {
    if (this.insert(entry, deadline, now)) return;
    this.due.push(entry);
    if (!this.dueArmed) {
      this.dueArmed = true;
      setImmediate(this.fireDue);
    }
  }

  /** Unregisters `entry`; a no-op when it is not registered. */
  remove(entry: TimerEntry): void {
    if (entry.linked) {
      if (NearLayer.holds(entry)) this.near.remove(entry);
      else this.wheel.remove(entry);
      this.activity++;
      return;
    }
    const index = this.due.indexOf(entry);
    if (index >= 0) this.due.splice(index, 1);
  }

  /**
   * Calls `visit` with every registered entry (in no particular order); `visit` must not
   * insert or remove. O(entries): for the rare abort of a task's group of timers.
   */
  each(visit: (entry: TimerEntry) => void): void {
    this.near.each(visit);
    this.wheel.each(visit);
    for (const entry of this.due) visit(entry);
  }

  /** A waiter started awaiting a registered timer. */
  addWaiter(): void {
    this.activity++;
    this.waiting++;
    if (!this.timerRefed && this.timer !== undefined) {
      this.timer.ref();
      this.timerRefed = true;
    }
    if (this.clock.paused) this.armIdleCheck();
  }

  /**
   * A waiter stopped awaiting (woken, cancelled). The Node timer is unref'd on the next
   * turn if nothing waits then: ref/unref cross into C++, and code that awaits timers one
   * after another would otherwise toggle it on every wait.
   */
  removeWaiter(): void {
    this.activity++;
    if (--this.waiting === 0 && this.timerRefed && !this.unrefArmed) {
      this.unrefArmed = true;
      setImmediate(this.reconcileRef);
    }
  }

  /**
   * Fires every timer due at the clock's current reading, one tick per microtask (see
   * `fireUntil`), then re-arms. `advance` and the paused clock's auto-advance use it too: their
   * later ticks fire on the following microtasks (before `advance()`'s awaited turn ends).
   */
  process(): void {
    this.fireUntil(Math.floor(this.clock.now()));
  }

  /**
   * Fires every timer due up to tick `now` in deadline order, then re-arms. Stepwise (for
   * every caller: the Node timer's turn, `advance`, the auto-advance): after each tick that expired something,
   * the rest continues on the next microtask, so the reactions of that tick's timers run
   * before the next tick fires, as Node runs the microtasks after each `setTimeout` callback.
   * A backlog of many due ticks (a long synchronous stretch) then does not make the first
   * timers' callbacks wait until the last tick has been fired: the median lateness falls,
   * the total work and the worst lateness do not change. It stays one macrotask (it stops at
   * `now`, read when the turn began), and a timer disposed of by a callback of an earlier
   * tick no longer fires, as with `clearTimeout` (a `.then` callback: code after an
   * `await` of the sleep resumes a microtask later, after the next tick has fired).
   */
  private fireUntil(now: number): void {
    const wheel = this.wheel;
    const near = this.near;
    // Deadline order across the two: at equal ticks the wheel's entries first (they were
    // inserted earlier, see near.ts). `nextExpiration` of the wheel may be a cascade point.
    for (;;) {
      const fromNear = near.nextTick();
      const fromWheel = wheel.nextExpiration();
      const before = this.fired;
      if (fromNear !== undefined && fromNear <= now && (fromWheel === undefined || fromNear < fromWheel)) {
        near.fire(fromNear, this.expire);
      } else if (fromWheel !== undefined && fromWheel <= now) {
        wheel.poll(fromWheel, this.expire);
      } else {
        break;
      }
      if (this.fired !== before) {
        this.stepUntil = now;
        queueMicrotask(this.step);
        return;
      }
    }
    wheel.poll(now, this.expire);
    near.advance(now);
    this.rearm();
  }

  /** The rest of a `fireUntil` (see there). */
  private readonly step = (): void => {
    if (!this.isShut) this.fireUntil(this.stepUntil);
  };

  /** The earliest tick at which `process` has work (an expiry or a cascade), or undefined. */
  private nextExpiration(): number | undefined {
    const fromNear = this.near.nextTick();
    const fromWheel = this.wheel.nextExpiration();
    if (fromNear === undefined) return fromWheel;
    return fromWheel === undefined || fromNear < fromWheel ? fromNear : fromWheel;
  }

  /** Freezes the clock (Tokio's `pause`). Returns false if it was already paused. */
  pause(): boolean {
    if (!this.clock.pause()) return false;
    this.disarm();
    if (this.waiting > 0) this.armIdleCheck();
    return true;
  }

  /** Lets the clock run again. Returns false if it was not paused. */
  resume(): boolean {
    if (!this.clock.resume()) return false;
    this.rearm();
    return true;
  }

  /** Moves the paused clock forward by `ms` and fires what became due. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.process();
  }

  /** Counters shown in `runtime.metrics().drivers['rt.time']`. */
  metrics(): Record<string, number | boolean> {
    return {
      pendingTimers: this.size,
      waitingTimers: this.waiting,
      firedTimers: this.fired,
      autoAdvances: this.autoAdvances,
      paused: this.clock.paused,
      nodeTimerRefed: this.timerRefed && this.timer !== undefined,
    };
  }

  /** Runtime shutdown: every pending timer rejects its waiter with RuntimeShutdown. */
  shutdown(): void {
    if (this.isShut) return;
    this.isShut = true;
    this.disarm();
    const error = this.shutdownError();
    const entries = [...this.wheel.drain(), ...this.near.drain(), ...this.due];
    this.due = [];
    for (const entry of entries) entry.abandon(error);
  }

  /** The typed error of a timer used after shutdown. */
  shutdownError(): RuntimeShutdown {
    const name = this.handle?.config.name;
    return new RuntimeShutdown(`the runtime${name === undefined ? '' : ` ${JSON.stringify(name)}`} has shut down: its timers are gone`);
  }

  /** Fires one expired entry, straight from the wheel's walk of its slot. */
  private readonly expire = (entry: TimerEntry): void => {
    this.fired++;
    this.activity++;
    try {
      entry.fire();
    } catch (error) {
      // Firing settles a promise; it cannot throw unless an invariant broke. Report it on
      // its own turn, and keep the other timers alive.
      reportLater(error);
    }
  };

  private readonly reconcileRef = (): void => {
    this.unrefArmed = false;
    if (this.waiting === 0 && this.timerRefed && this.timer !== undefined) {
      this.timer.unref();
      this.timerRefed = false;
    }
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerRefed = false;
    this.armedTick = Infinity;
    if (!this.isShut) this.fireUntil(Math.floor(this.clock.now()));
  };

  private readonly fireDue = (): void => {
    this.dueArmed = false;
    const due = this.due;
    this.due = [];
    for (const entry of due) {
      this.fired++;
      this.activity++;
      entry.fire();
    }
  };

  private rearm(): void {
    if (this.isShut) return;
    if (this.clock.paused) {
      if (this.waiting > 0) this.armIdleCheck();
      return;
    }
    const next = this.nextExpiration();
    if (next === undefined) {
      this.disarm();
      return;
    }
    if (next < this.armedTick) this.armAt(next, this.clock.now());
  }

  private armAt(tick: number, now: number): void {
    this.armedTick = tick;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = Math.min(MAX_NODE_DELAY, Math.max(1, Math.ceil(tick - now)));
    const timer = setTimeout(this.onTimer, delay);
    this.timerRefed = this.waiting > 0;
    if (!this.timerRefed) timer.unref();
    this.timer = timer;
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerRefed = false;
    this.armedTick = Infinity;
  }

  private armIdleCheck(): void {
    if (this.idleCheckArmed || !this.autoAdvance || this.isShut) return;
    this.idleCheckArmed = true;
    this.idleSeen = -1;
    setImmediate(this.idleCheck);
  }

  /** Auto-advance: runs on its own turns while paused and something waits on a timer. */
  private readonly idleCheck = (): void => {
    this.idleCheckArmed = false;
    if (this.isShut || !this.clock.paused || this.waiting === 0) return;
    if (this.handle !== undefined && this.handle.pendingExternalWork > 0) {
      // Blocking work or I/O is in flight: its result may come before the next timer.
      this.idleCheckArmed = true;
      this.idleSeen = -1;
      setTimeout(this.idleCheck, 1);
      return;
    }
    const yields = this.handle?.metrics().forcedYields ?? 0;
    if (this.idleSeen !== this.activity || this.idleYields !== yields) {
      // Something ran since the last look: give it one more turn before calling it idle.
      this.idleSeen = this.activity;
      this.idleYields = yields;
      this.idleCheckArmed = true;
      setImmediate(this.idleCheck);
      return;
    }
    this.advanceToNextTimer();
    if (this.waiting > 0) this.armIdleCheck();
  };

  /** Jumps the paused clock to the next tick at which some timer fires, and fires it. */
  private advanceToNextTimer(): void {
    const before = this.fired;
    while (this.fired === before) {
      const next = this.nextExpiration();
      if (next === undefined) return;
      const now = this.clock.now();
      if (next > now) this.clock.advance(next - now);
      this.autoAdvances++;
      this.process();
    }
  }
}

/**
 * A driver for code that has no runtime left: every use fails with RuntimeShutdown. Made when
 * first needed, not at load: a driver holds its wheel and near layer (~75 kB of arrays), which
 * a process whose runtimes never shut down under a timer would keep for nothing (@rt/http
 * README, "What a server loads").
 */
let shutDown: TimeDriver | undefined;

function shutDownDriver(): TimeDriver {
  if (shutDown === undefined) {
    shutDown = new TimeDriver(undefined);
    shutDown.shutdown();
  }
  return shutDown;
}

/**
 * The last runtime `currentDriver` answered for, and its driver: fields of a module-local
 * constant, not module `let`s, which TurboFan reads with a temporal-dead-zone check each time
 * (issue 16: the scheduler's README, pass eu29; this package's README, pass dr32).
 */
const lastSeen: { handle: Handle | undefined; driver: TimeDriver | undefined } = {
  handle: undefined,
  driver: undefined,
};

/** The time driver of the current runtime (the current task's, else the default runtime's). */
export function currentDriver(): TimeDriver {
  const handle = Handle.current();
  const last = lastSeen.driver;
  if (handle === lastSeen.handle && last !== undefined && !last.shut) return last;
  if (handle.isShutdown) return shutDownDriver();
  // `config.enableTime` is not enforced: the default runtime records it as false, and a
  // wheel that nobody uses costs nothing, so timers work on every runtime.
  const driver = handle.extension(TIME_KEY, TimeDriver.create);
  lastSeen.handle = handle;
  lastSeen.driver = driver;
  return driver;
}
