// @rt/macros: the entry points users type first.
//
// - `main(fn)` builds a runtime, runs your program on it, sets the exit code and shuts down
//   cleanly on SIGINT/SIGTERM (Tokio's `#[tokio::main]`); `main(entry, { flavor:
//   'multi_thread' })` runs a module's export in every worker of `@rt/multi-thread`.
// - `test(name, fn, { startPaused })` is a jest test on a fresh runtime (`#[tokio::test]`).
// - `select({ a: (signal) => …, b: (signal) => … })` takes the first branch to finish and
//   aborts the rest (`select!`).
// - `join(...)` waits for every operation; `tryJoin(...)` stops at the first failure and
//   aborts the rest (`join!`, `try_join!`).
export { main, MultiThreadNotInstalled } from './main.js';
export type { MainOptions, MultiThreadMainOptions } from './main.js';
export { test } from './test.js';
export type { TestOptions } from './test.js';
export { select, SelectError } from './select.js';
export type { Branch, Branches, BranchValue, SelectOptions, SelectResult } from './select.js';
export { join, joinWith, tryJoin, tryJoinWith } from './join.js';
export type { Joinable, JoinResults } from './join.js';
