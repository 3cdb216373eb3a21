// The RESP codec: mini-redis's `RespParser` as a `Decoder` for `@rt/util`'s `Framed`, and
// its `ReplyWriter` batches as the `Encoder`. The codec does not parse on its own: it points
// the parser at the live bytes of the `BytesMut` that `FramedRead` reads into (no copy, and
// no view per command: `src.storage`/`src.start`, with one Buffer over the storage kept
// until the storage changes), lets it parse one command, and consumes that command's bytes.
//
// A decoded command is the parser itself, holding views of the read buffer: valid until the
// next `decode` or the next read into that buffer (the connection executes each command
// before it decodes the next one; `Db` copies the values it keeps).
import type { BytesMut, Decoder, Encoder } from '@rt/util';
import type { ReplyWriter } from './reply-writer.js';
import { RespParser, type RespLimits } from './resp-parser.js';

/**
 * Decodes RESP2 commands (multibulk and inline) and encodes batches of replies.
 *
 * - `decode(src)` returns the parser with the next command (`argc`, `string(i)`,
 *   `bytes(i)`; `argc` 0 is an empty command to skip), or `undefined` when `src` holds no
 *   whole command. The memory limits are the parser's ({@link RespLimits}).
 * - `decodeEof(src)` drops an incomplete last command (the client went away in the middle
 *   of it, which Redis also treats as a plain disconnect).
 * - `encode(replies, dst)` moves the replies encoded in a `ReplyWriter` to `dst` and clears
 *   the writer.
 *
 * **Cancellation:** not applicable (synchronous); `FramedRead` keeps the bytes of a partial
 * command across aborted reads and the parser remembers how much it lacked.
 *
 * **Errors:** `decode` throws {@link ProtocolError} for a malformed or oversized request (the
 * connection must then be closed: the codec cannot resynchronise).
 *
 * **Example**
 * ```ts
 * const codec = new RespCodec();
 * const framed = new Framed(socket, codec);
 * const command = await framed.next();
 * if (command !== undefined) console.log(command.args());
 * ```
 */
export class RespCodec implements Decoder<RespParser>, Encoder<ReplyWriter> {
  readonly parser: RespParser;
  #storage: Uint8Array | undefined;
  #view: Buffer = Buffer.alloc(0);

  constructor(limits?: RespLimits) {
    this.parser = new RespParser(limits);
  }

  decode(src: BytesMut): RespParser | undefined {
    const length = src.length;
    if (length === 0) return undefined;
    const storage = src.storage;
    if (storage !== this.#storage) {
      // A Buffer over the whole storage, kept while BytesMut keeps the storage: no
      // allocation per command.
      this.#storage = storage;
      this.#view = Buffer.from(storage.buffer, storage.byteOffset, storage.byteLength);
    }
    const start = src.start;
    const parser = this.parser;
    parser.attach(this.#view, start, start + length);
    const argc = parser.next();
    if (argc < 0) return undefined;
    src.advance(parser.offset - start);
    return parser;
  }

  decodeEof(src: BytesMut): RespParser | undefined {
    const command = this.decode(src);
    if (command === undefined) src.clear();
    return command;
  }

  encode(replies: ReplyWriter, dst: BytesMut): void {
    dst.put(replies.view());
    replies.clear();
  }
}
