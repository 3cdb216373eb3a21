// @rt/fs: files and directories on the rt runtime — Tokio's `tokio::fs` for TypeScript.
//
// Which piece to pick:
// - Whole files in one call: `readFile` / `readToString` / `writeFile`.
// - Streaming: `File.open(path)` / `File.create(path)` / `OpenOptions` give a `File` that
//   is an `AsyncRead` and `AsyncWrite` of `@rt/io` (so `copy`, `BufReader`, `readExact`,
//   `writeAll`… work on it), plus `seek`, `setLen`, `syncAll`, `syncData`, `metadata`.
// - Directories: `readDir` (async iterable of `DirEntry`), `createDir`, `createDirAll`,
//   `removeDir`, `removeDirAll`.
// - Paths: `metadata`, `symlinkMetadata`, `tryExists`, `canonicalize`, `rename`, `copy`,
//   `hardLink`, `symlink`, `readLink`, `setPermissions`, `removeFile`.
//
// Execution strategy: every call is one (or a few) requests on libuv's threadpool through
// Node's callback `fs` API — the same threads `fs.promises` uses, without its per-call
// FileHandle/promise machinery and with caller-owned buffers. (`spawnBlocking` of
// @rt/scheduler would add a worker hop and structured cloning per call.) A `File` batches:
// it reads ahead up to 1 MiB per request and serves small reads from memory, and buffers
// writes to flush them 1 MiB at a time, so many small reads/writes do not each pay a
// thread hand-off (Tokio's slowdown in tokio#3664).
//
// Cancellation: every waiting call parks with the scheduler's contract, so a task abort
// or `{ signal }` rejects it with `Cancelled` at once. A request already on a thread cannot
// be interrupted and completes in the background — so, as in Tokio, a cancelled write,
// rename or removal may still take effect. Each function documents what state it leaves.
//
//     await using file = await File.create('hello.txt');
//     await writeAll(file, Buffer.from('hello\n'));
//     await file.flush();
//     console.log(await readToString('hello.txt'));

export { FsError } from './fs-error.js';
export { File } from './file.js';
export type { SeekFrom } from './file.js';
export { OpenOptions } from './open-options.js';
export { FileType } from './file-type.js';
export { Metadata, metadata, symlinkMetadata } from './metadata.js';
export { readFile, readToString } from './read-file.js';
export { writeFile } from './write-file.js';
export type { WriteFileOptions } from './write-file.js';
export { readDir, ReadDir, DirEntry } from './read-dir.js';
export { createDir } from './create-dir.js';
export { createDirAll } from './create-dir-all.js';
export type { CreateDirOptions } from './create-dir.js';
export { removeFile } from './remove-file.js';
export { removeDir } from './remove-dir.js';
export { removeDirAll } from './remove-dir-all.js';
export { rename } from './rename.js';
export { copy } from './copy.js';
export { hardLink } from './hard-link.js';
export { canonicalize } from './canonicalize.js';
export { tryExists } from './try-exists.js';
export { symlink } from './symlink.js';
export { readLink } from './read-link.js';
export { setPermissions } from './set-permissions.js';
export type { PathLike } from './internal/validate.js';
