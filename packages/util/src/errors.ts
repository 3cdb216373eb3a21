import { IoError } from '@rt/io';

/**
 * A frame is longer than the codec allows: a length prefix above `maxFrameLength`
 * (`LengthDelimitedCodec`), a chunk without delimiter past `maxLength`
 * (`AnyDelimiterCodec`), or a frame to encode that is too long. Raised as soon as the
 * length is known, before any of the frame is buffered, so a hostile peer cannot make a
 * reader allocate without bound. Code `ERR_RT_FRAME_TOO_LARGE`.
 *
 * `length` is the announced (or seen so far) length, `maxFrameLength` the limit.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await frames.next(); }
 * catch (error) { if (error instanceof FrameTooLarge) console.log(error.length, error.maxFrameLength); }
 * ```
 */
export class FrameTooLarge extends IoError {
  readonly length: number;
  readonly maxFrameLength: number;
  constructor(length: number, maxFrameLength: number, what = 'frame') {
    super('ERR_RT_FRAME_TOO_LARGE', `${what} of ${length === Infinity ? 'more than 2^53' : length} bytes is longer than the maximum of ${maxFrameLength}`);
    this.length = length;
    this.maxFrameLength = maxFrameLength;
  }
}
