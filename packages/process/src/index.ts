// @rt/process: child processes on the rt runtime — Tokio's `tokio::process` for TypeScript.
//
// A guide:
// - Build a `Command` (program, `arg`/`args`, `env`/`envs`/`envRemove`/`envClear`,
//   `currentDir`, `stdin`/`stdout`/`stderr` as `Stdio.piped()`/`inherit()`/`null()` or
//   `'piped'`/`'inherit'`/`'null'`, `uid`/`gid`, `processGroup(0)`, `killOnDispose`).
// - Run it to completion with `output()` (collects stdout and stderr, read concurrently:
//   no deadlock when both pipes are full) or `status()` (just the `ExitStatus`).
// - Or `spawn()` a `Child`: its `stdin` is an `AsyncWrite`, `stdout`/`stderr` are
//   `AsyncRead`s (use every @rt/io tool on them: `copy`, `readToEnd`, `BufReader`…);
//   `wait()` (cancel safe), `tryWait()`, `kill()`, `startKill()`, `await using` with
//   `killOnDispose(true)` to kill it at the end of a scope.
// - Failures to start are `SpawnError`s carrying the errno (`ENOENT`, `EACCES`, …).
//
// Pipes are driven by the runtime's reactor where `@rt/mio-native` is available (reads go
// straight into your buffer, as on rt sockets), by Node's pipe streams elsewhere. Node
// reaps every child as it exits, so no child becomes a zombie, even one whose `Child` was
// dropped.
//
//     const child = new Command('sort').stdin('piped').stdout('piped').spawn();
//     await writeAll(child.stdin!, Buffer.from('b\na\n'));
//     await child.stdin!.shutdown();
//     const sorted = await readToString(child.stdout!); // 'a\nb\n'
//     const status = await child.wait(); // status.success === true

export { Command } from './command.js';
export { Child } from './child.js';
export { ChildStdin } from './child-stdin.js';
export { ChildStdout } from './child-stdout.js';
export { ChildStderr } from './child-stderr.js';
export { ExitStatus } from './exit-status.js';
export type { Output } from './output.js';
export { Stdio } from './stdio.js';
export type { StdioKind } from './stdio.js';
export { ProcessError, SpawnError } from './errors.js';
