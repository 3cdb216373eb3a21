#!/usr/bin/env node
// The JavaScript cost of Framed alone: the length-delimited echo of framed.bench.mjs over an
// in-memory stream that never waits (each read hands over one message, each write takes all;
// it has the synchronous `tryWrite` of rt's sockets, which FramedWrite.flush tries first),
// so no syscall or event-loop turn hides the difference. Same run, interleaved rounds:
//
//   hand           read → parse the complete frames → writeAll them (framed-server.mjs's loop)
//   framed         Framed + LengthDelimitedCodec: for await frame → feed → flush when drained
//   framed-borrow  the same with { borrowFrames: true }
//
//   node benchmarks/framed-memory.bench.mjs      (~60 s)
//   RT_BENCH_QUICK=1 node benchmarks/framed-memory.bench.mjs   or --quick
//
// Prints CPU ns per message (process.cpuUsage of the measured run, after the warm-up runs;
// median of the rounds) and the cost ratios to `hand`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Framed, LengthDelimitedCodec } from '@rt/util';

const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const WARMUP = 4; // runs before the measured one: the JIT and the heap settle slowly for 30 KB frames

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
    // As rt's sockets: a synchronous write of what the socket can take now (FramedWrite uses it).
    tryWrite: (buf) => buf.length,
    writeAll: () => Promise.resolve(),
    flush: () => Promise.resolve(),
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

async function framed(message, count, field, borrowFrames = false) {
  const f = new Framed(stream(message, count), new LengthDelimitedCodec({ lengthFieldLength: field }), { borrowFrames, readSize: message.length });
  for await (const frame of f) {
    await f.feed(frame);
    if (f.readBuffer.length === 0) await f.flush();
  }
}

const variants = { hand, framed, 'framed-borrow': (m, c, f) => framed(m, c, f, true) };

// Child: `--child NAME SIZE FIELD COUNT` warms up, measures one run, prints ns per message.
// Each measurement runs in a fresh process, so one variant's garbage never lands on another.
const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const [name, size, field, count] = process.argv.slice(childAt + 1);
  const message = Buffer.alloc(Number(size), 0x78);
  for (let i = 0; i < WARMUP; i++) await variants[name](message, Number(count), Number(field));
  // No forced GC before the measured run: after a full GC the heap shrinks its young
  // generation and grows it back over the next runs, which costs an allocating variant
  // (measured: 6.5 µs instead of 2.2 µs per 30 KB frame of framed-borrow) and not hand. The
  // warm-up runs leave the same garbage behind as the measured run would anyway.
  // CPU time, not wall time: on a shared machine the wall clock also counts other programs.
  const start = process.cpuUsage();
  await variants[name](message, Number(count), Number(field));
  const used = process.cpuUsage(start);
  console.log(((used.user + used.system) * 1000) / Number(count));
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`length-delimited echo over an in-memory stream: CPU ns per message, median of ${ROUNDS} rounds (each a fresh process, interleaved); ratio = cost ÷ hand`);
console.log(`${'size'.padStart(7)}${'hand'.padStart(10)}${'framed'.padStart(10)}${'× hand'.padStart(9)}${'borrow'.padStart(10)}${'× hand'.padStart(9)}`);
// The messages are frames of a 1-byte (120) or 2-byte (0x7878) length field, as in framed.bench.
for (const [size, field] of [[121, 1], [2 + 0x7878, 2]]) {
  const count = Math.max(10_000, Math.round((quick ? 1e8 : 3e8) / size / 4));
  const ns = { hand: [], framed: [], 'framed-borrow': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(variants)) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, String(size), String(field), String(count)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
      ns[name].push(Number(run.stdout.trim()));
    }
  }
  const h = median(ns.hand);
  const f = median(ns.framed);
  const b = median(ns['framed-borrow']);
  console.log(`${String(size).padStart(7)}${h.toFixed(0).padStart(10)}${f.toFixed(0).padStart(10)}${(f / h).toFixed(2).padStart(9)}${b.toFixed(0).padStart(10)}${(b / h).toFixed(2).padStart(9)}`);
}
