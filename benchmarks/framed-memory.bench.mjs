#!/usr/bin/env node
// The JavaScript cost of Framed alone: the length-delimited echo of framed.bench.mjs over an
// in-memory stream that never waits (each read hands over one message, each write takes all;
// it has the synchronous `tryWrite` of rt's sockets, which FramedWrite.flush tries first),
// so no syscall or event-loop turn hides the difference. Same run, interleaved rounds:
//
//   hand           read → parse the complete frames → writeAll them (framed-server.mjs's loop)
//   framed         Framed + LengthDelimitedCodec: for await frame → feed while more is
//                  buffered, send the last one (framed-server.mjs's loop)
//   framed-borrow  the same with { borrowFrames: true }
//   framed-copy, framed-borrow-copy  the same with a codec without encodeHead: send copies
//                  every payload into the write buffer (as before it wrote payloads of 8 KiB
//                  or more from the frame with the stream's gather writev)
//
//   node benchmarks/framed-memory.bench.mjs      (~60 s)
//   RT_BENCH_QUICK=1 node benchmarks/framed-memory.bench.mjs   or --quick
//
// Prints CPU ns per message (process.cpuUsage of the measured run, after the warm-up runs;
// median of the rounds) and the cost ratios to `hand`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawn } from '@rt/scheduler';

// RT_UTIL_DIST=path: @rt/util from another build (the old one of a before/after pair).
// RT_FRAMED_IN_TASK=1: every variant runs inside an rt task, as framed-server.mjs's
// connections do (promises then pay the scheduler's promise hooks).
const { Framed, LengthDelimitedCodec } = await import(process.env['RT_UTIL_DIST'] ?? '@rt/util');
const inTask = process.env['RT_FRAMED_IN_TASK'] === '1';

const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const ROUNDS = Number(process.env['RT_FRAMED_ROUNDS'] ?? (quick ? 3 : 7));
const WARMUP = 4; // runs before the measured one: the JIT and the heap settle slowly for 30 KB frames

const SETTLED = Promise.resolve();

function stream(message, count) {
  let left = count;
  return {
    read(buf) {
      if (left-- <= 0) return Promise.resolve(0);
      if (buf.length < message.length) throw new Error('read buffer smaller than a message');
      buf.set(message);
      return Promise.resolve(message.length);
    },
    write: (buf) => Promise.resolve(buf.length),
    // As rt's sockets: a gather write (FramedWrite.send writes a large payload with it).
    writev: (bufs) => {
      let n = 0;
      for (const b of bufs) n += b.length;
      return Promise.resolve(n);
    },
    // As rt's sockets: a synchronous write of what the socket can take now (FramedWrite uses it).
    tryWrite: (buf) => buf.length,
    // As rt's sockets: a synchronous gather write (FramedWrite.send tries it for a large payload).
    tryWritev: (bufs) => {
      let n = 0;
      for (const b of bufs) n += b.length;
      return n;
    },
    writeAll: () => SETTLED, // as rt's sockets when the write completes at once
    flush: () => SETTLED, // as rt's sockets: nothing buffered, a shared settled promise
    shutdown: () => Promise.resolve(),
  };
}

async function hand(message, count, field) {
  const socket = stream(message, count);
  const buf = Buffer.allocUnsafe(64 * 1024);
  let end = 0;
  for (;;) {
    const n = await socket.read(buf.subarray(end));
    if (n === 0) break;
    end += n;
    let at = 0;
    while (end - at >= field) {
      let length = 0;
      for (let i = 0; i < field; i++) length = length * 256 + buf[at + i];
      if (end - at < field + length) break;
      at += field + length;
    }
    if (at > 0) {
      await socket.writeAll(buf.subarray(0, at));
      buf.copy(buf, 0, at, end);
      end -= at;
    }
  }
}

/** LengthDelimitedCodec without encodeHead: FramedWrite copies every payload. */
class CopyingLengthDelimitedCodec extends LengthDelimitedCodec {
  encodeHead = undefined;
}

async function framed(message, count, field, borrowFrames = false, copy = false) {
  const options = { lengthFieldLength: field };
  const codec = copy ? new CopyingLengthDelimitedCodec(options) : new LengthDelimitedCodec(options);
  const f = new Framed(stream(message, count), codec, { borrowFrames, readSize: message.length });
  for await (const frame of f) {
    if (f.readBuffer.length === 0) await f.send(frame);
    else await f.feed(frame);
  }
}

const variants = {
  hand,
  framed,
  'framed-copy': (m, c, f) => framed(m, c, f, false, true),
  'framed-borrow': (m, c, f) => framed(m, c, f, true),
  'framed-borrow-copy': (m, c, f) => framed(m, c, f, true, true),
};

// Child: `--child NAME SIZE FIELD COUNT` warms up, measures one run, prints ns per message.
// Each measurement runs in a fresh process, so one variant's garbage never lands on another.
const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const [name, size, field, count] = process.argv.slice(childAt + 1);
  const message = Buffer.alloc(Number(size), 0x78);
  const run = inTask ? (...args) => spawn(() => variants[name](...args)) : variants[name];
  for (let i = 0; i < WARMUP; i++) await run(message, Number(count), Number(field));
  // No forced GC before the measured run: after a full GC the heap shrinks its young
  // generation and grows it back over the next runs, which costs an allocating variant
  // (measured: 6.5 µs instead of 2.2 µs per 30 KB frame of framed-borrow) and not hand. The
  // warm-up runs leave the same garbage behind as the measured run would anyway.
  // CPU time, not wall time: on a shared machine the wall clock also counts other programs.
  const start = process.cpuUsage();
  await run(message, Number(count), Number(field));
  const used = process.cpuUsage(start);
  console.log(((used.user + used.system) * 1000) / Number(count));
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`length-delimited echo over an in-memory stream${inTask ? ', in an rt task' : ''}${process.env['RT_UTIL_DIST'] ? ` (@rt/util from ${process.env['RT_UTIL_DIST']})` : ''}: CPU ns per message, median of ${ROUNDS} rounds (each a fresh process, interleaved); ratio = cost ÷ hand`);
console.log(`${'size'.padStart(7)}${'hand'.padStart(10)}${Object.keys(variants).slice(1).map((name) => `${name.padStart(20)}${'× hand'.padStart(9)}`).join('')}`);
// The messages are frames of a 1-byte (120) or 2-byte (0x7878) length field, as in framed.bench.
for (const [size, field] of [[121, 1], [2 + 0x7878, 2]]) {
  const count = Math.max(10_000, Math.round((quick ? 1e8 : 3e8) / size / 4));
  const ns = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(variants)) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, String(size), String(field), String(count)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
      ns[name].push(Number(run.stdout.trim()));
    }
  }
  const h = median(ns.hand);
  const cells = Object.keys(variants).slice(1).map((name) => `${median(ns[name]).toFixed(0).padStart(20)}${(median(ns[name]) / h).toFixed(2).padStart(9)}`);
  console.log(`${String(size).padStart(7)}${h.toFixed(0).padStart(10)}${cells.join('')}`);
  // New ÷ old per round: the direct payload write against the copying path (same round).
  for (const name of ['framed', 'framed-borrow']) {
    const ratios = ns[name].map((x, i) => x / ns[`${name}-copy`][i]);
    console.log(`  ${name} ÷ ${name}-copy: median ${median(ratios).toFixed(2)}× (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  }
}
