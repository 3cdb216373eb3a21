// Test doubles: a reader that yields fixed chunks (then end of stream), and a helper that
// cuts a byte string at given points.
import type { AsyncRead } from '@rt/io';

export class ChunkReader implements AsyncRead {
  readonly #chunks: Uint8Array[];
  #pending: Uint8Array | undefined;
  reads = 0;

  constructor(chunks: Uint8Array[]) {
    this.#chunks = [...chunks];
  }

  read(buf: Uint8Array): Promise<number> {
    this.reads++;
    const chunk = this.#pending ?? this.#chunks.shift();
    if (chunk === undefined) return Promise.resolve(0);
    const n = Math.min(chunk.length, buf.length);
    buf.set(chunk.subarray(0, n));
    this.#pending = n < chunk.length ? chunk.subarray(n) : undefined;
    return Promise.resolve(n);
  }
}

/** Cuts `bytes` into pieces at the given offsets (taken modulo its length, sorted). */
export function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => (bytes.length === 0 ? 0 : p % bytes.length)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let last = 0;
  for (const p of at) {
    if (p > last) pieces.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  if (last < bytes.length) pieces.push(bytes.subarray(last));
  return pieces;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
