// The runtime's clock: real time from `performance.now()`, or a virtual time that stands
// still while paused and moves only by `advance` (Tokio's `time::Clock`).
//
// Readings are milliseconds (fractional) on one monotonic scale per clock. Pausing freezes
// the reading; resuming continues from the frozen (possibly advanced) reading at the
// speed of real time, so readings never go backwards across pause/advance/resume. The
// paused reading starts at a whole millisecond, so timers of whole milliseconds land on it.

// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { performance } = process.getBuiltinModule('node:perf_hooks');
import { atTurnEnd, currentEpoch } from '@rt/scheduler/primitives';

/** What turnNow() registers at the turn's end: nothing to run, only the immediate ref'd. */
const noop = (): void => {};

/** A monotonic millisecond clock that can be paused and advanced. */
export class Clock {
  /** Added to `performance.now()` while running. */
  private offset = 0;
  /** The frozen reading while paused, else NaN. */
  private frozenAt = Number.NaN;
  /** The event-loop turn whose first `turnNow()` read `turnReading` (-1: none since the last pause or resume). */
  private turn = -1;
  private turnReading = 0;

  constructor(startPaused = false) {
    if (startPaused) this.frozenAt = Math.ceil(performance.now());
  }

  /** True while the clock stands still. */
  get paused(): boolean {
    return !Number.isNaN(this.frozenAt);
  }

  /** The current reading in milliseconds. */
  now(): number {
    return Number.isNaN(this.frozenAt) ? performance.now() + this.offset : this.frozenAt;
  }

  /**
   * The reading as of the current event-loop turn's first call: a running clock is read once
   * per turn; a paused clock's reading is exact (so it follows `advance` within a turn). Never
   * behind a reading this turn's first call could have seen, never ahead of `now()`. A turn
   * ends at the turn counter's immediate; while a reading is cached that immediate is ref'd
   * (`atTurnEnd`), so libuv's poll phase does not block inside a turn whose reading it would
   * make stale (as libuv refreshes its loop time after the poll phase). Unref'd, a turn whose
   * first read fell in the timers or check phase spanned the next blocking poll: readings in
   * that poll phase's callbacks lagged by the whole wait (review rv, 300 ms in its fixture).
   */
  turnNow(): number {
    if (!Number.isNaN(this.frozenAt)) return this.frozenAt;
    const turn = currentEpoch();
    if (turn !== this.turn) {
      this.turn = turn;
      this.turnReading = performance.now() + this.offset;
      atTurnEnd(noop);
    }
    return this.turnReading;
  }

  /** Freezes the clock; returns false if it was already paused. */
  pause(): boolean {
    if (this.paused) return false;
    // A whole millisecond (rounded up: never backwards), so whole-ms durations land exactly.
    this.frozenAt = Math.ceil(this.now());
    return true;
  }

  /** Lets the clock run again from its frozen reading; returns false if it was not paused. */
  resume(): boolean {
    if (!this.paused) return false;
    this.offset = this.frozenAt - performance.now();
    this.frozenAt = Number.NaN;
    this.turn = -1; // a reading cached before the pause is behind the resumed clock
    return true;
  }

  /** Moves a paused clock forward by `ms` (non-negative, finite; checked by the caller). */
  advance(ms: number): void {
    if (!this.paused) throw new Error('clock: advance on a running clock');
    this.frozenAt += ms;
  }
}
