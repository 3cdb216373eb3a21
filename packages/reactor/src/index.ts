// @rt/reactor: the I/O driver. It registers fds with an event source (the epoll addon of
// `@rt/mio-native`, or a fake for tests) and turns batches of readiness events into woken
// waiters. `@rt/net` builds its sockets on it; application code rarely uses it directly.
//
// A guide:
// - `Reactor`: `Reactor.current()` is the runtime's one reactor (one epoll fd per
//   runtime; net, process and multi-thread register through it); `register(fd, interest)`
//   → `Registration`; `readyQueue`; `metrics()`; `close()`.
// - `ReadyQueue`: the streams a dispatch found ready, served one at a time (per reactor).
// - `Registration`: `readiness(interest, { signal })` waits (cancel safe),
//   `clearReadiness(event)` after EAGAIN, `tryIo`/`io` wrap the try-syscall-clear loop,
//   `deregister()` before closing the fd; `whenReady`/`readyCallback` are the callback
//   waits a driver serving its own queue uses (no promise per wait); `ReadyCallback.disarm()`.
// - `intoRegistration`: the key of a source's method handing its fd and live registration to
//   a new owner (`@rt/net`'s TcpStream → `@rt/tls`), with no deregister + register between.
// - `ReadyEvent`: what a wait resolves to (Ready bits + tick, one integer).
// - `ReactorBackend`: the event-source contract; `NativeBackend` (epoll) and
//   `FakeBackend` (push events by hand, deterministic tests) implement it.
// - `Interest`, `Ready`: the bit sets, re-exported from `@rt/mio-native`.
//
// Example (the read loop of a non-blocking socket):
//   const registration = Reactor.current().register(fd, Interest.READABLE | Interest.WRITABLE);
//   const n = await registration.io(Interest.READABLE, () => sys.read(fd, buffer), { signal });
export { Reactor } from './reactor.js';
export type { ReactorOptions, ReactorMetrics } from './reactor.js';
export { ReadyCallback, Registration, intoRegistration } from './registration.js';
export type { RegisteredFd, WaitOptions } from './registration.js';
export { ReadyEvent } from './ready-event.js';
export { ClosedError } from './closed-error.js';
export { ReadyQueue } from './ready-queue.js';
export type { Serve, ServeTurn } from './ready-queue.js';
export { NativeBackend } from './native-backend.js';
export { FakeBackend } from './fake-backend.js';
export type { ReactorBackend } from './backend.js';
export { Interest, Ready } from '@rt/mio-native';
// The one errno table (numbers, names, Tokio's kinds), for packages that may not import the
// addon's package directly (`@rt/fs`).
export { errno, errnoName, errnoOf, errorKind, systemErrorFields } from '@rt/mio-native';
export type { ErrorKind, SystemErrorFields } from '@rt/mio-native';
