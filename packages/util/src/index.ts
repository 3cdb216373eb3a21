// @rt/util: the toolkit most services need on top of the runtime — Tokio's tokio-util (and
// the StreamMap of tokio-stream) for rt. Pure TypeScript over @rt/io, @rt/time and
// @rt/scheduler; no native code.
//
// Which piece to pick:
// - Shut down cleanly: a `CancellationToken` tree says "stop" (`cancel()`, `cancelled()`,
//   `signal` for any `{ signal }` API, `childToken()`, `dropGuard()`,
//   `runUntilCancelled(fn)`), a `TaskTracker` waits for the work in flight (`spawn`, `track`,
//   `close`, `wait`).
// - Frame a byte stream: `new Framed(socket, codec)` (or `FramedRead` / `FramedWrite` for one
//   direction) gives `next()` / `for await` of messages and `send`/`feed`/`flush`/`close`.
//   Codecs: `LinesCodec` (text lines), `LengthDelimitedCodec` (length-prefixed frames, every
//   option of Tokio's builder), `AnyDelimiterCodec`, `BytesCodec`; write your own against
//   `Decoder`/`Encoder` over a `BytesMut` (frames leave its front without a copy).
// - Time and streams: `DelayQueue` (values that come out after their own delay, on the
//   runtime's clock), `StreamMap` (keyed async iterables merged fairly), `JoinMap` (a
//   `JoinSet` whose tasks have keys).
//
// Cancel safety is documented on each method: `FramedRead.next`, `cancelled()`,
// `TaskTracker.wait`, `DelayQueue.next`, `StreamMap.next` and `JoinMap.joinNext` lose
// nothing when aborted; `FramedWrite.send` says what it leaves written.
//
//     const shutdown = new CancellationToken();
//     const framed = new Framed(socket, new LinesCodec({ maxLength: 1024 }));
//     for (;;) {
//       const line = await shutdown.runUntilCancelled((signal) => framed.next({ signal }));
//       if (line === undefined) break; // shutting down, or the peer closed
//       await framed.send(line.toUpperCase());
//     }

export { CancellationToken, DropGuard } from './cancellation-token.js';
export { TaskTracker } from './task-tracker.js';
export { BytesMut } from './bytes-mut.js';
export { decodeEofDefault } from './codec.js';
export type { Decoder, Encoder } from './codec.js';
export { FrameTooLarge } from './errors.js';
export { BytesCodec } from './bytes-codec.js';
export { LinesCodec } from './lines-codec.js';
export type { LinesCodecOptions } from './lines-codec.js';
export { AnyDelimiterCodec } from './any-delimiter-codec.js';
export type { AnyDelimiterCodecOptions } from './any-delimiter-codec.js';
export { LengthDelimitedCodec, DEFAULT_MAX_FRAME_LENGTH } from './length-delimited-codec.js';
export type { LengthDelimitedCodecOptions } from './length-delimited-codec.js';
export { FramedRead } from './framed-read.js';
export type { FramedReadOptions } from './framed-read.js';
export { DIRECT_PAYLOAD_MIN, FramedWrite } from './framed-write.js';
export type { FramedWriteOptions } from './framed-write.js';
export { Framed } from './framed.js';
export type { FramedOptions } from './framed.js';
export { DelayQueue } from './delay-queue.js';
export type { Expired } from './delay-queue.js';
export { StreamMap } from './stream-map.js';
export { JoinMap } from './join-map.js';
export type { JoinMapResult } from './join-map.js';
