import { currentDriver } from './internal/driver.js';
import { checkDuration, describe } from './internal/validate.js';

let make: (milliseconds: number) => Instant;

/**
 * A point in time on the current runtime's clock: monotonic, in milliseconds, and subject
 * to the paused test clock (`pause`, `advance`, auto-advance), like Tokio's `Instant`.
 *
 * Instants are immutable values. Durations are plain numbers of milliseconds (possibly
 * fractional). Readings come from the runtime of the current task (outside a task, the
 * default runtime), so compare instants of one runtime only.
 *
 * **Cancellation:** not applicable (a value; nothing waits).
 *
 * **Errors:** `add`/`sub` throw a RangeError for a negative, NaN or non-finite duration;
 * the comparisons throw a TypeError when given something that is not an Instant.
 *
 * **Example**
 * ```ts
 * const start = Instant.now();
 * await sleep(10);
 * console.log(start.elapsed() >= 10); // true
 * ```
 */
export class Instant {
  static {
    make = (milliseconds) => new Instant(milliseconds);
  }

  readonly #milliseconds: number;

  private constructor(milliseconds: number) {
    this.#milliseconds = milliseconds;
  }

  /**
   * The current reading of the runtime's clock.
   *
   * **Cancellation:** not applicable. **Errors:** none.
   *
   * **Example**
   * ```ts
   * const now = Instant.now();
   * ```
   */
  static now(): Instant {
    return new Instant(currentDriver().now());
  }

  /**
   * Milliseconds elapsed since this instant (0 if it is in the future).
   *
   * **Cancellation:** not applicable. **Errors:** none.
   *
   * **Example**
   * ```ts
   * const start = Instant.now(); work(); console.log(`${start.elapsed()} ms`);
   * ```
   */
  elapsed(): number {
    return Math.max(0, currentDriver().now() - this.#milliseconds);
  }

  /**
   * Milliseconds from `earlier` to this instant, saturating at 0 when `earlier` is later.
   *
   * **Cancellation:** not applicable. **Errors:** TypeError if `earlier` is not an Instant.
   *
   * **Example**
   * ```ts
   * const a = Instant.now(); const b = a.add(5); console.log(b.durationSince(a)); // 5
   * ```
   */
  durationSince(earlier: Instant): number {
    return Math.max(0, this.#milliseconds - milliseconds(earlier, 'durationSince'));
  }

  /**
   * The instant `ms` milliseconds later.
   *
   * **Cancellation:** not applicable. **Errors:** RangeError for a negative, NaN or
   * non-finite `ms`.
   *
   * **Example**
   * ```ts
   * const deadline = Instant.now().add(1000);
   * ```
   */
  add(ms: number): Instant {
    return new Instant(this.#milliseconds + checkDuration(ms, 'Instant.add(ms)'));
  }

  /**
   * The instant `ms` milliseconds earlier.
   *
   * **Cancellation:** not applicable. **Errors:** RangeError for a negative, NaN or
   * non-finite `ms`.
   *
   * **Example**
   * ```ts
   * const aSecondAgo = Instant.now().sub(1000);
   * ```
   */
  sub(ms: number): Instant {
    return new Instant(this.#milliseconds - checkDuration(ms, 'Instant.sub(ms)'));
  }

  /**
   * Orders two instants: negative if this one is earlier, 0 if equal, positive if later
   * (usable as an `Array.prototype.sort` comparator).
   *
   * **Cancellation:** not applicable. **Errors:** TypeError if `other` is not an Instant.
   *
   * **Example**
   * ```ts
   * instants.sort((a, b) => a.compare(b));
   * ```
   */
  compare(other: Instant): number {
    return Math.sign(this.#milliseconds - milliseconds(other, 'compare'));
  }

  /** True if this instant is strictly earlier than `other`. Same rules as `compare`. */
  isBefore(other: Instant): boolean {
    return this.#milliseconds < milliseconds(other, 'isBefore');
  }

  /** True if this instant is strictly later than `other`. Same rules as `compare`. */
  isAfter(other: Instant): boolean {
    return this.#milliseconds > milliseconds(other, 'isAfter');
  }

  /** True if both instants are the same point in time. Same rules as `compare`. */
  equals(other: Instant): boolean {
    return this.#milliseconds === milliseconds(other, 'equals');
  }

  /** The clock reading in milliseconds (so `a < b` and `b - a` work on instants). */
  valueOf(): number {
    return this.#milliseconds;
  }

  /** For debugging: `Instant(123.456 ms)`. */
  toString(): string {
    return `Instant(${this.#milliseconds} ms)`;
  }
}

/** @internal An Instant at a clock reading (for the package's own modules). */
export function instantAt(milliseconds: number): Instant {
  return make(milliseconds);
}

/** @internal The clock reading of an Instant, checking its type. */
export function milliseconds(instant: Instant, what: string): number {
  if (!(instant instanceof Instant)) throw new TypeError(`${what}: expected an Instant, got ${describe(instant)}`);
  return instant.valueOf();
}
