// @rt/signal: Unix signals as cancel-safe streams, Tokio's `tokio::signal` in TypeScript.
//
// Which piece to reach for:
// - `ctrlC()` resolves on the next SIGINT: the usual "run until Ctrl-C" of a server.
// - `signal(kind)` returns a `Signal` stream for one kind (`'terminate'`, `'hangup'`,
//   `'windowChange'`, …): `await s.recv()`, `s.tryRecv()`, `for await (const _ of s)`,
//   `using s = signal(kind)` to stop listening at the end of the scope.
//
//     using terminate = signal('terminate');
//     await terminate.recv();        // SIGTERM no longer kills the process while open
//
// Deliveries nobody is waiting for are coalesced into one pending delivery per stream (as in
// Tokio); closing the last stream of a kind gives the signal its default action back.
// Cancellation: `recv`, iteration and `ctrlC` are cancel safe: an aborted wait loses no
// delivery.

export { ctrlC } from './ctrl-c.js';
export { Signal, signal } from './signal.js';
export { signalName } from './signal-kind.js';
export type { SignalKind } from './signal-kind.js';
export { SignalUnavailable, UnknownSignalKind } from './errors.js';
