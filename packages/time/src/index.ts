// @rt/time: timers on the runtime's own timer wheel, and a clock that tests can pause.
//
// Which one to pick:
// - Wait for a while: `await sleep(ms)`; until an instant: `await sleepUntil(deadline)`.
//   Both return a `Sleep` you can keep, `reset()` to another deadline, or dispose of.
// - Give up on slow work: `await timeout(ms, work)` rejects with `Elapsed`; pass
//   `(signal) => work(signal)` so the work is aborted too. `timeoutAt(deadline, work)`.
// - Do something periodically: `const ticker = interval(ms)`, then `await ticker.tick()` or
//   `for await (const at of ticker)`; `MissedTickBehavior` says what late ticks do.
// - Measure: `Instant.now()`, `instant.elapsed()`, `later.durationSince(earlier)`.
// - Test time-dependent code instantly: `pause()` (or `Builder.startPaused()`), then
//   `await advance(ms)`, or just await: while paused and idle the clock auto-advances to the
//   next timer (switch off with `Builder.autoAdvance(false)`). `resume()` lets it run.
//
// Durations are milliseconds (numbers, fractions allowed, rounded up to the next ms).
// Every runtime has its own clock and timer wheel, armed on a single Node timer; a timer
// keeps the process alive only while something awaits it.
//
// ```ts
// import { sleep, timeout, interval, Instant, Elapsed } from '@rt/time';
// const start = Instant.now();
// await sleep(10);
// try { await timeout(50, (signal) => fetch(url, { signal })); } catch (e) { if (e instanceof Elapsed) retry(); }
// for await (const _ of interval(1_000)) if (start.elapsed() > 5_000) break;
// ```
export { Instant } from './instant.js';
export { Sleep, sleep, sleepUntil } from './sleep.js';
export { timeout, timeoutAt } from './timeout.js';
export type { TimeoutWork } from './timeout.js';
export { Interval, MissedTickBehavior, interval, intervalAt } from './interval.js';
export { pause, resume, advance } from './clock.js';
export { Elapsed, ClockStateError } from './errors.js';
