// @rt/util: the toolkit most services need on top of the runtime (Tokio's tokio-util and
// tokio-stream for rt).
//
// Which piece to pick:
// - Shut down cleanly: a `CancellationToken` tree says "stop" (`cancel()`, `cancelled()`,
//   `signal` for any `{ signal }` API, `childToken()`, `dropGuard()`), a `TaskTracker`
//   waits for the work in flight (`spawn`, `track`, `close`, `wait`).
export { CancellationToken, DropGuard } from './cancellation-token.js';
export { TaskTracker } from './task-tracker.js';
// - Frame a byte stream: `new Framed(socket, codec)` (or `FramedRead` / `FramedWrite` for one
//   direction) gives `next()` / `for await` of messages and `send`/`feed`/`flush`/`close`.
//   Codecs: `LinesCodec` (text lines), `LengthDelimitedCodec` (length-prefixed frames, every
//   option of Tokio's builder), `AnyDelimiterCodec`, `BytesCodec`; write your own against
//   `Decoder`/`Encoder` over a `BytesMut` (frames leave its front without a copy).
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
export { FramedWrite } from './framed-write.js';
export type { FramedWriteOptions } from './framed-write.js';
export { Framed } from './framed.js';
export type { FramedOptions } from './framed.js';
