// Pass mt29: `timeout(ms, notify.notified())` when the deadline wins. A `Notified` is marked
// `thenParksOwnWait`: `timeout` ends the wait its `then` registered, as Tokio's timeout drops the
// `Notified` future (which leaves the Notify's waiters and passes on a `notify_one` it got). A
// `Notified` whose wait ended so, before any notification, registers afresh when awaited again (a
// retry). Before, every elapsed `timeout(ms, notify.notified())` stayed registered and parked in
// the task until a notification came, and the next `notifyOne()` went to the oldest of those
// abandoned waits (its promise ignored by the timeout): the notification was lost, the task that
// was really waiting was not woken. A loop `for (;;) { try { await timeout(1000, n.notified()) }
// catch (Elapsed) { … } }` grew by one wait (~1.7 KB) per elapsed second.
import { Notify } from '@rt/sync';
import { describeTimeoutNotified } from './support/timeout-specs.js';

// The specs are shared with shared.Notify (@rt/multi-thread's test/channels-timeout-elapsed.test.ts).

describeTimeoutNotified('timeout(ms, notified) around a Notify wait, when the deadline wins', () => new Notify());
