import type { WaitOptions } from '@rt/scheduler';
import { currentDriver, type TimeDriver } from './internal/driver.js';
import { checkDuration, checkPeriod, describe } from './internal/validate.js';
import { instantAt, milliseconds, type Instant } from './instant.js';
import { Sleep } from './sleep.js';

/**
 * What an {@link Interval} does when ticks were missed because `tick()` was called late
 * (Tokio's `MissedTickBehavior`).
 *
 * - `Burst` (default): fire the missed ticks as fast as possible until caught up, keeping
 *   the original schedule (`start + n * period`).
 * - `Delay`: the next tick is one period after the late one; the schedule shifts.
 * - `Skip`: drop the missed ticks; the next one is the next multiple of the period on the
 *   original schedule.
 *
 * **Cancellation:** not applicable (a value). **Errors:** none.
 *
 * **Example**
 * ```ts
 * const ticker = interval(100);
 * ticker.missedTickBehavior = MissedTickBehavior.Skip;
 * ```
 */
export const MissedTickBehavior = {
  Burst: 'burst',
  Delay: 'delay',
  Skip: 'skip',
} as const;

/** One of {@link MissedTickBehavior}'s values. */
export type MissedTickBehavior = (typeof MissedTickBehavior)[keyof typeof MissedTickBehavior];

const behaviors: ReadonlySet<string> = new Set(Object.values(MissedTickBehavior));

/** Tokio counts a tick as missed only when it is more than 5 ms late. */
const LATE_BY = 5;

/**
 * Ticks at a fixed period (Tokio's `Interval`): `await ticker.tick()` completes at the next
 * tick and returns its scheduled instant. Made by `interval` and `intervalAt`.
 *
 * Ticks are scheduled at `start + n * period` on the runtime's clock; late calls are
 * handled by `missedTickBehavior`. The interval is async-iterable
 * (`for await (const at of ticker)`); leaving the loop leaves the interval usable. One
 * `tick()` may be pending at a time. It rests on one `Sleep`: no Node timer of its own.
 *
 * **Cancellation:** `tick` is cancel safe: if the wait is aborted (task or signal), the tick
 * is not consumed; the next `tick()` returns it. Disposing of the interval rejects a
 * pending `tick` with `Cancelled`.
 *
 * **Errors:** `tick` rejects with `Cancelled`, or `RuntimeShutdown` after the runtime shut
 * down, and with a TypeError if another `tick()` is pending.
 *
 * **Example**
 * ```ts
 * const ticker = interval(1_000);
 * for await (const at of ticker) {
 *   console.log('tick at', at.toString());
 *   if (done()) break;
 * }
 * ```
 */
export class Interval implements AsyncIterable<Instant>, Disposable {
  /** The period in milliseconds. */
  readonly period: number;
  private readonly driver: TimeDriver;
  private readonly delay: Sleep;
  private behavior: MissedTickBehavior = MissedTickBehavior.Burst;
  private ticking = false;
  /** The exact time of the next tick (the Sleep's deadline is this, rounded up to a ms). */
  private next: number;

  /** @internal Intervals come from `interval` and `intervalAt`. */
  constructor(driver: TimeDriver, start: number, period: number) {
    this.driver = driver;
    this.period = period;
    this.next = start;
    this.delay = new Sleep(driver, start, undefined);
  }

  /** What happens to missed ticks; `Burst` unless set. */
  get missedTickBehavior(): MissedTickBehavior {
    return this.behavior;
  }

  set missedTickBehavior(behavior: MissedTickBehavior) {
    if (!behaviors.has(behavior)) throw new TypeError(`Interval.missedTickBehavior: expected one of ${[...behaviors].map((b) => JSON.stringify(b)).join(', ')}, got ${describe(behavior)}`);
    this.behavior = behavior;
  }

  /**
   * Completes at the next tick and returns the instant it was scheduled for. The first tick
   * of `interval(period)` completes at once.
   *
   * **Cancellation:** cancel safe: an aborted `tick()` consumes no tick.
   *
   * **Errors:** `Cancelled`; `RuntimeShutdown`; TypeError if a tick is already pending or
   * the options are bad.
   *
   * **Example**
   * ```ts
   * const ticker = interval(10);
   * await ticker.tick(); // at once
   * await ticker.tick(); // 10 ms later
   * ```
   */
  async tick(options?: WaitOptions): Promise<Instant> {
    if (this.ticking) throw new TypeError('Interval.tick: another tick() of this interval is still pending');
    this.ticking = true;
    try {
      await this.delay.wait(options);
    } finally {
      this.ticking = false;
    }
    const at = this.next;
    const now = this.driver.now();
    this.schedule(now > at + LATE_BY ? this.nextAfterMissed(at, now) : at + this.period);
    return instantAt(at);
  }

  /**
   * Restarts the schedule one period from now (Tokio's `reset`).
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** none.
   *
   * **Example**
   * ```ts
   * ticker.reset(); // next tick in one period
   * ```
   */
  reset(): void {
    this.schedule(this.driver.now() + this.period);
  }

  /** Makes the next tick complete at once; the schedule continues from now. **Errors:** none. */
  resetImmediately(): void {
    this.schedule(this.driver.now());
  }

  /** Makes the next tick come `ms` milliseconds from now. **Errors:** RangeError for a bad `ms`. */
  resetAfter(ms: number): void {
    this.schedule(this.driver.now() + checkDuration(ms, 'Interval.resetAfter(ms)'));
  }

  /** Makes the next tick come at `deadline`. **Errors:** TypeError if it is not an Instant. */
  resetAt(deadline: Instant): void {
    this.schedule(milliseconds(deadline, 'Interval.resetAt(deadline)'));
  }

  /** Endless iteration over the ticks; `break` leaves the interval as it is. */
  [Symbol.asyncIterator](): AsyncIterator<Instant> {
    return {
      next: async (): Promise<IteratorResult<Instant>> => ({ value: await this.tick(), done: false }),
      return: async (): Promise<IteratorResult<Instant>> => ({ value: undefined, done: true }),
    };
  }

  /** Stops the interval: its timer is removed and a pending `tick()` rejects with `Cancelled`. */
  [Symbol.dispose](): void {
    this.delay[Symbol.dispose]();
  }

  private schedule(at: number): void {
    this.next = at;
    this.delay.resetTo(at);
  }

  private nextAfterMissed(scheduled: number, now: number): number {
    switch (this.behavior) {
      case MissedTickBehavior.Burst:
        return scheduled + this.period;
      case MissedTickBehavior.Delay:
        return now + this.period;
      case MissedTickBehavior.Skip:
        return now + this.period - ((now - scheduled) % this.period);
    }
  }
}

/**
 * An {@link Interval} whose first tick completes at once and the next ones every `period`
 * milliseconds (Tokio's `interval`).
 *
 * **Cancellation:** see `Interval.tick`.
 *
 * **Errors:** RangeError if `period` is 0, negative, NaN or non-finite; TypeError for a
 * non-number.
 *
 * **Example**
 * ```ts
 * const ticker = interval(100);
 * await ticker.tick(); // now
 * await ticker.tick(); // +100 ms
 * ```
 */
export function interval(period: number): Interval {
  checkPeriod(period, 'interval(period)');
  const driver = currentDriver();
  return new Interval(driver, driver.now(), period);
}

/**
 * An {@link Interval} whose first tick is at `start` and the next ones every `period`
 * milliseconds (Tokio's `interval_at`).
 *
 * **Cancellation:** see `Interval.tick`.
 *
 * **Errors:** RangeError for a bad `period`; TypeError if `start` is not an Instant.
 *
 * **Example**
 * ```ts
 * const ticker = intervalAt(Instant.now().add(1_000), 1_000); // first tick in 1 s
 * ```
 */
export function intervalAt(start: Instant, period: number): Interval {
  const at = milliseconds(start, 'intervalAt(start)');
  checkPeriod(period, 'intervalAt(period)');
  return new Interval(currentDriver(), at, period);
}
