// @rt/console: see inside a running rt program, as tokio-console does for Tokio.
//
// - In the program: build the runtime with `Builder.console({ addr })` (or run with
//   `RT_CONSOLE=127.0.0.1:6669`); `main()` of `@rt/macros` then serves it, or call
//   `serveConsole(handle)` yourself. The server speaks a versioned JSON-lines protocol on
//   loopback (see the README) and costs nothing until a console asks for a snapshot.
// - Outside it: `rt-console ADDR` serves a live, sortable task table with the warnings on a
//   local web page; `rt-console --json ADDR` prints one snapshot and exits; `ConsoleClient`
//   is the same protocol for scripts.
//
//     const server = await serveConsole(Handle.current(), { addr: '127.0.0.1:6669' });
//     // elsewhere: npx rt-console --json 127.0.0.1:6669
//
// Cancellation: `ConsoleClient.connect` and `snapshot` take a signal; see each.

export { serveConsole, ConsoleServer, takeSnapshot, takeMultiThreadSnapshot } from './server.js';
export type { ServeConsoleOptions } from './server.js';
export { ConsoleClient } from './client.js';
export { serveWebUi, WebUi } from './web.js';
export { PROTOCOL_VERSION, MAX_LINE, parseRequest } from './protocol.js';
export type { Hello, Snapshot, SnapshotTask, SnapshotResource, SnapshotWorker, Request } from './protocol.js';
