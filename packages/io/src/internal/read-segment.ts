// The loop behind readUntil, readLine and Lines.nextLine: take bytes out of a buffered
// reader up to and including a delimiter, refusing to hold more than `max` bytes of one
// segment. The accumulated bytes live in a Segment the caller owns: readUntil makes a
// fresh one per call (an abort loses it), Lines keeps one for its lifetime (an abort keeps
// it, which is what makes nextLine cancel safe).
import type { WaitOptions } from '@rt/scheduler';
import type { AsyncBufRead } from '../async-read.js';
import { LineTooLong } from '../io-error.js';

export class Segment {
  chunks: Buffer[] = [];
  length = 0;
  /** After a LineTooLong in the middle of a segment: drop bytes through the next delimiter. */
  skipping = false;

  /** The bytes gathered so far, as one Buffer, and resets the segment. */
  drain(): Buffer {
    const chunks = this.chunks;
    const out = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.length);
    this.chunks = [];
    this.length = 0;
    return out;
  }
}

/**
 * Fills `segment` up to and including `delimiter`. Resolves true when the delimiter was
 * found, false at end of stream (the segment may hold a partial last segment then).
 */
export async function readSegment(
  reader: AsyncBufRead,
  delimiter: number,
  max: number,
  segment: Segment,
  options: WaitOptions | undefined,
): Promise<boolean> {
  for (;;) {
    const available = await reader.fillBuf(options);
    if (available.length === 0) {
      segment.skipping = false;
      return false;
    }
    const at = available.indexOf(delimiter);
    if (segment.skipping) {
      if (at < 0) {
        reader.consume(available.length);
        continue;
      }
      reader.consume(at + 1);
      segment.skipping = false;
      continue;
    }
    const content = segment.length + (at < 0 ? available.length : at);
    if (content > max) {
      // Drop what we hold; if the delimiter is in view, drop through it, else skip the rest
      // of the segment on the next call.
      segment.chunks = [];
      segment.length = 0;
      if (at < 0) {
        reader.consume(available.length);
        segment.skipping = true;
      } else {
        reader.consume(at + 1);
      }
      throw new LineTooLong(content, max);
    }
    const take = at < 0 ? available.length : at + 1;
    segment.chunks.push(Buffer.from(available.subarray(0, take)));
    segment.length += take;
    reader.consume(take);
    if (at >= 0) return true;
  }
}
