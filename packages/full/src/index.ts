// @rt/full: the whole runtime in one install, named as Tokio's modules.
//
//   import { spawn, select, net, sync, time } from '@rt/full';
//   const [tx, rx] = sync.mpsc.channel<string>(16);
//
// Namespaces: `runtime` (Runtime, Builder, Handle), `task` (spawn, JoinHandle, JoinSet,
// yieldNow, spawnBlocking, TaskLocal), `time`, `sync`, `io`, `util` (tokio-util), `net`, `tls`,
// `http`, `signal`, `process`, `fs`, `multiThread`, `console` (rt-console's program side and client);
// plus the entry points
// `spawn`, `main`, `test`, `select`, `join`, `tryJoin` at the top level. Each feature is also
// a subpath (`@rt/full/sync`, `@rt/full/net`, …; see the README for which package each pulls
// in). This package has no code of its own.
export * as runtime from './runtime.js';
export * as task from './task.js';
export * as time from '@rt/time';
export * as sync from '@rt/sync';
export * as io from '@rt/io';
export * as util from '@rt/util';
export * as net from '@rt/net';
export * as tls from '@rt/tls';
export * as http from '@rt/http';
export * as signal from '@rt/signal';
export * as process from '@rt/process';
export * as fs from '@rt/fs';
export * as multiThread from '@rt/multi-thread';
export * as console from '@rt/console';
export { spawn } from '@rt/scheduler';
export { join, main, select, test, tryJoin } from '@rt/macros';
