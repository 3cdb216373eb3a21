// @rt/io: byte streams you pull from and push to, with backpressure, and the tools over
// them — Tokio's `tokio::io` for TypeScript.
//
// Which piece to pick:
// - Implement or accept `AsyncRead` (`read(buf)` → bytes read, 0 = end) and `AsyncWrite`
//   (`write(buf)` → bytes accepted, `flush()`, `shutdown()`); every method takes
//   `{ signal }`. Sockets, pipes and files of rt all have this shape.
// - Move bytes: `readExact`, `readToEnd`, `readToString`, `writeAll`, `copy`, `copyBuf`,
//   `copyBidirectional` (a proxy in one call, shutdown propagated).
// - Frame them: `BufReader` (`fillBuf`/`consume`, `readUntil`, `readLine`, `lines()` with a
//   `maxLineLength` guard), `BufWriter`, typed reads/writes (`readU32`, `writeU64Le`, …).
// - Test them: `duplex(maxBufSize)` is an in-memory pipe with real backpressure; `empty`,
//   `sink`, `repeat` are the trivial streams.
// - Share them: `split` into halves for two tasks, `join` a reader and a writer into one.
// - Plug into Node and the Web: `toNodeReadable`/`toNodeWritable`/`toNodeDuplex` (for
//   `tls.connect({ socket })`, HTTP), `fromNodeReadable`/`fromNodeWritable`/
//   `fromNodeDuplex`, `toWebReadable`/`toWebWritable`,
//   `fromWebReadable`/`fromWebWritable`, and `stdin()`/`stdout()`/`stderr()`.
//
// Cancel safety is documented on each method, as in Tokio: `read`, `write`, `fillBuf` and
// `Lines.nextLine` lose nothing when aborted; `readExact`, `writeAll`, `readLine`, `copy`
// may leave work half done (each says what is lost or kept).
//
//     const [client, server] = duplex(64 * 1024);
//     await writeAll(client, new TextEncoder().encode('hello\nworld\n'));
//     await client.shutdown();
//     for await (const line of new BufReader(server).lines()) console.log(line);

export type { AsyncRead, AsyncBufRead } from './async-read.js';
export type { AsyncWrite } from './async-write.js';
export {
  IoError,
  UnexpectedEof,
  WriteZero,
  BrokenPipe,
  StreamClosed,
  InvalidData,
  LineTooLong,
  ResourceBusy,
} from './io-error.js';
export type { IoErrorOptions } from './io-error.js';
export { duplex, DuplexStream } from './duplex.js';
export { readExact } from './read-exact.js';
export { readToEnd, readToString } from './read-to-end.js';
export type { ReadToEndOptions } from './read-to-end.js';
export { writeAll } from './write-all.js';
export { copy, copyBuf, fastCopy } from './copy.js';
export type { CopyOptions } from './copy.js';
export { copyBidirectional } from './copy-bidirectional.js';
export { BufReader } from './buf-reader.js';
export type { BufReaderOptions } from './buf-reader.js';
export { Lines } from './lines.js';
export type { LinesOptions } from './lines.js';
export { BufWriter } from './buf-writer.js';
export type { BufWriterOptions } from './buf-writer.js';
export { split, join, ReadHalf, WriteHalf, Join } from './split.js';
export { empty, Empty } from './empty.js';
export { sink, Sink } from './sink.js';
export { repeat, Repeat } from './repeat.js';
export {
  readU8,
  readI8,
  readU16,
  readU16Le,
  readI16,
  readI16Le,
  readU32,
  readU32Le,
  readI32,
  readI32Le,
  readU64,
  readU64Le,
  readI64,
  readI64Le,
  readF32,
  readF32Le,
  readF64,
  readF64Le,
} from './read-typed.js';
export {
  writeU8,
  writeI8,
  writeU16,
  writeU16Le,
  writeI16,
  writeI16Le,
  writeU32,
  writeU32Le,
  writeI32,
  writeI32Le,
  writeU64,
  writeU64Le,
  writeI64,
  writeI64Le,
  writeF32,
  writeF32Le,
  writeF64,
  writeF64Le,
} from './write-typed.js';
export { toNodeReadable, fromNodeReadable, NodeReadableReader } from './node-readable.js';
export type { ToNodeReadableOptions } from './node-readable.js';
export { toNodeWritable, fromNodeWritable, NodeWritableWriter } from './node-writable.js';
export type { ToNodeWritableOptions, FromNodeWritableOptions } from './node-writable.js';
export { toNodeDuplex, fromNodeDuplex } from './node-duplex.js';
export type { ToNodeDuplexOptions } from './node-duplex.js';
export { toWebReadable, fromWebReadable, WebReadableReader } from './web-readable.js';
export type { ToWebReadableOptions } from './web-readable.js';
export { toWebWritable, fromWebWritable, WebWritableWriter } from './web-writable.js';
export { stdin, stdout, stderr } from './stdio.js';
