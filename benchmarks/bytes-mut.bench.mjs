#!/usr/bin/env node
// Decoding a byte stream into length-prefixed frames, in memory: @rt/util's BytesMut +
// LengthDelimitedCodec (frames taken from the front without a copy, the partial frame kept
// in place) against the usual Node pattern (Buffer.concat of the partial frame with each new
// chunk, frames cut with subarray), in the same run. The stream is 64-byte frames (4-byte
// big-endian length + 60 bytes), delivered in chunks of a fixed size, so frames straddle
// chunk boundaries as they do off a socket.
//
//   node benchmarks/bytes-mut.bench.mjs          (~10 s)
//   RT_BENCH_QUICK=1 node benchmarks/bytes-mut.bench.mjs   or --quick
//
// Prints frames/s of each and the ratio (BytesMut ÷ concat; > 1 means BytesMut is faster).
import { BytesMut, LengthDelimitedCodec } from '@rt/util';

const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const FRAME = 64;
const FRAMES = quick ? 200_000 : 1_000_000;
const ROUNDS = quick ? 3 : 7;
const stream = Buffer.alloc(FRAME * FRAMES);
for (let i = 0; i < FRAMES; i++) {
  stream.writeUInt32BE(FRAME - 4, i * FRAME);
  stream[i * FRAME + 4] = i & 0xff;
}

function chunks(size) {
  const out = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, Math.min(stream.length, at + size)));
  return out;
}

function viaBytesMut(input) {
  const codec = new LengthDelimitedCodec();
  const buf = new BytesMut();
  let frames = 0;
  let check = 0;
  for (const chunk of input) {
    // What FramedRead does: read into the spare room, then decode every whole frame.
    buf.spare(chunk.length).set(chunk);
    buf.commit(chunk.length);
    for (let frame; (frame = codec.decode(buf)) !== undefined; ) {
      frames++;
      check += frame[0];
    }
  }
  return [frames, check];
}

function viaConcat(input) {
  let pending = null;
  let frames = 0;
  let check = 0;
  for (const chunk of input) {
    // Own the bytes (a socket's chunk is a fresh Buffer; here the chunks share `stream`).
    const data = pending === null ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length > 8 * 1024 * 1024) throw new Error('frame too large');
      if (data.length - at - 4 < length) break;
      const frame = data.subarray(at + 4, at + 4 + length);
      frames++;
      check += frame[0];
      at += 4 + length;
    }
    pending = at === data.length ? null : data.subarray(at);
  }
  return [frames, check];
}

function time(fn, input) {
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  const [frames, check] = fn(input);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (frames !== FRAMES) throw new Error(`${fn.name} decoded ${frames} frames, expected ${FRAMES}`);
  return { seconds, check };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`decode ${FRAMES} frames of ${FRAME} B in memory, median of ${ROUNDS} rounds (interleaved); ratio = frames/s of BytesMut ÷ Buffer.concat`);
console.log(`${'chunk'.padStart(8)}${'BytesMut Mframes/s'.padStart(21)}${'concat Mframes/s'.padStart(19)}${'ratio'.padStart(8)}`);
for (const size of [1460, 16 * 1024, 64 * 1024]) {
  const input = chunks(size);
  const runs = { bytesMut: [], concat: [] };
  for (let i = 0; i < 2; i++) {
    time(viaBytesMut, input);
    time(viaConcat, input);
  }
  for (let i = 0; i < ROUNDS; i++) {
    const a = time(viaBytesMut, input);
    const b = time(viaConcat, input);
    if (a.check !== b.check) throw new Error('the two decoders disagree');
    runs.bytesMut.push(a.seconds);
    runs.concat.push(b.seconds);
  }
  const rate = (s) => FRAMES / s / 1e6;
  const a = rate(median(runs.bytesMut));
  const b = rate(median(runs.concat));
  console.log(`${String(size).padStart(8)}${a.toFixed(2).padStart(21)}${b.toFixed(2).padStart(19)}${(a / b).toFixed(2).padStart(8)}`);
}
