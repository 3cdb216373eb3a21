#!/usr/bin/env node
// Instructions per frame of the length-delimited echo servers of framed.bench.mjs, counted
// by callgrind (user space only: the kernel's share of a read or write is not counted), so a
// few % can be told apart on a loaded machine where CPU time cannot.
//
// Each server (benchmarks/framed-server.mjs MODE FIELD) runs under
// `valgrind --tool=callgrind` twice, echoing N and then 2N frames per connection (a
// ping-pong per connection: send one frame, wait for its echo, as the C load generator), and
// exits once every connection closed. Instructions per frame = (I(2N) - I(N)) ÷ (N ×
// connections): start-up, JIT warm-up and exit cancel out.
//
//   node benchmarks/framed-callgrind.bench.mjs        (~3 min)
//   RT_FRAMED_MODES=hand,framed RT_FRAMED_CG="1x1,1x2" RT_FRAMED_CG_FRAMES=4000 node benchmarks/framed-callgrind.bench.mjs
//
// Needs valgrind, Linux, the built packages (`pnpm build`).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { have } from './lib/proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!have('valgrind')) throw new Error('framed-callgrind.bench: valgrind is not installed (apt-get install valgrind)');
const modes = (process.env['RT_FRAMED_MODES'] ?? 'hand,framed,framed-borrow,net').split(',');
// [connections, length-field bytes] cells; frames are all 'x' as in framed.bench (121 or 30842 bytes).
const cells = (process.env['RT_FRAMED_CG'] ?? '1x1,16x1,1x2').split(',').map((c) => c.split('x').map(Number));
const FRAMES = Number(process.env['RT_FRAMED_CG_FRAMES'] ?? 5000);
const sizeOf = (field) => (field === 1 ? 1 + 0x78 : 2 + 0x7878);

/** Ping-pong `frames` messages of `size` bytes on each of `connections` connections. */
async function drive(port, connections, size, frames) {
  const message = Buffer.alloc(size, 0x78);
  await Promise.all(
    Array.from({ length: connections }, () => new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      let left = frames;
      let received = 0;
      socket.on('connect', () => socket.write(message));
      socket.on('data', (chunk) => {
        received += chunk.length;
        while (received >= size) {
          received -= size;
          if (--left === 0) {
            socket.end();
            return;
          }
          socket.write(message);
        }
      });
      socket.on('error', reject);
      socket.on('close', resolve);
    })),
  );
}

/**
 * Instructions the server executed echoing `frames` frames per connection. A mode written
 * `framed@before` runs `framed` on the @rt/util build at RT_FRAMED_BEFORE (a copy of an
 * older packages/util/dist kept inside packages/util, e.g. packages/util/.before/dist/index.js).
 */
async function count(name, connections, field, frames) {
  const [mode, before] = name.split('@');
  const env = { ...process.env, RT_FRAMED_EXIT_AFTER: String(connections) };
  if (before !== undefined) {
    if (process.env['RT_FRAMED_BEFORE'] === undefined) throw new Error(`${name}: set RT_FRAMED_BEFORE to the older build's index.js`);
    env['RT_UTIL_DIST'] = pathToFileURL(resolvePath(process.env['RT_FRAMED_BEFORE'])).href; // a path, as framed.bench takes it
  }
  // RT_FRAMED_CG_KEEP=dir keeps each run's callgrind file there (for callgrind_annotate).
  const keep = process.env['RT_FRAMED_CG_KEEP'];
  const out = join(keep ?? tmpdir(), `framed-cg-${process.pid}-${name}-${connections}x${field}-${frames}.out`);
  // No background threads and a fixed GC schedule: the JIT compiles and the GC works on the
  // main thread at points set by the work done, not by the wall clock (under callgrind the
  // server runs ~50× slower, and time-driven heuristics would otherwise vary with the load).
  // Fixed hash and random seeds: V8 derives its hash secrets at start-up by a random number of
  // primality tests (measured: 0.7-4 M instructions that differ from run to run, ~±700 per frame
  // at N = 5000), and N and 2N must start alike for the start-up to cancel out.
  // RT_CALLGRIND_NODE_FLAGS adds node flags (e.g. --perf-basic-prof, to name the JIT code).
  const flags = ['--single-threaded', '--predictable-gc-schedule', '--hash-seed=1', '--random-seed=1', ...(process.env['RT_CALLGRIND_NODE_FLAGS'] ?? '').split(' ').filter(Boolean)];
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...flags, join(here, 'framed-server.mjs'), mode, String(field)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c) => {
      text += c;
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code}): ${stderr}`)));
  });
  await drive(port, connections, sizeOf(field), frames);
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  if (keep === undefined) rmSync(out, { force: true });
  const m = /Collected : (\d+)/.exec(stderr);
  if (m === null) throw new Error(`no callgrind total for ${name}: ${stderr.slice(-500)}`);
  return Number(m[1]);
}

console.log(`length-delimited echo, instructions per frame (callgrind, user space): (I(2N) - I(N)) / N frames, N = ${FRAMES} per connection`);
console.log(`${'server'.padEnd(20)}${'conns'.padStart(6)}${'size'.padStart(7)}${'instr/frame'.padStart(13)}${'÷ hand'.padStart(9)}`);
for (const [connections, field] of cells) {
  const frames = Math.max(50, Math.round(FRAMES / connections));
  const per = {};
  for (const mode of modes) {
    const one = await count(mode, connections, field, frames);
    const two = await count(mode, connections, field, 2 * frames);
    per[mode] = (two - one) / (frames * connections);
    const ratio = per.hand === undefined ? '' : (per[mode] / per.hand).toFixed(3);
    console.log(`${mode.padEnd(20)}${String(connections).padStart(6)}${String(sizeOf(field)).padStart(7)}${per[mode].toFixed(0).padStart(13)}${ratio.padStart(9)}`);
  }
}
