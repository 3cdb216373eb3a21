// A Buffer's bytes as a plain Uint8Array over the same memory: the engine's own `subarray`
// of a plain Uint8Array costs much less than Buffer's (which builds a Buffer through Node's
// constructor), so code that takes many views of one Buffer keeps this alias for them.

/** `buffer`'s memory as a plain Uint8Array (no copy). */
export function plainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
