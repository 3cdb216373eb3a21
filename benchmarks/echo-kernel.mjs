#!/usr/bin/env node
// Where an echo server's kernel time per message goes: the servers of echo.bench.mjs (64 B × 64
// by default) under the C load generator, each round profiled with `perf record -e cpu-clock -g`
// on the server's process, every sample sorted by its call chain into the kinds of work below,
// and each kind's share of the samples turned into µs per message with the server's CPU per
// message of the same run (/proc, all threads). Samples of every round of a row are pooled.
//
//   user           the process's own code (JavaScript, V8, Node, libuv, libc, the addon; Rust)
//   read           read/recvfrom: the socket's receive path and the copy out, with the
//                  system call's entry and exit
//   send           send/write: the sender's own TCP transmit, with the system call's entry and
//                  exit (without the two kinds below)
//   send: peer rx  inside the server's send, loopback runs the receiving socket's TCP input in
//                  a softirq on the sender's stack: the load generator's receive work, charged
//                  to the server (without the wake-up below)
//   wake peer      waking whoever waits on the receiving socket (sock_def_readable: the
//                  generator's epoll callback and try_to_wake_up, its IPI when on the other core)
//   preempted      a context switch at the end of a system call: the thread was taken off its
//                  CPU (mostly right after a send whose wake-up preempted it) and later put back
//   epoll          epoll_wait / epoll_pwait that did not sleep (the ready list, the copy out;
//                  libuv's epoll_pwait and rt's own epoll_wait alike)
//   epoll sleep    a blocking epoll_wait that found nothing: switching out and back in
//   faults         page faults
//   irq            interrupts and timers (perf's own sampling interrupt is one)
//   other kernel   other system calls (futex, mmap, …) and kernel work without a system call
//                  (named with RT_KERNEL_VERBOSE=1)
//
// On this VM (a PVM guest) `perf` has only software events, and a cpu-clock sample taken while
// interrupts were off lands where they come back on (pvm_irq_enable): the call chain still says
// which kernel path it was, which is all the sorting uses.
//
//   node benchmarks/echo-kernel.mjs                   rt-stream, tokio, C, net, rt; 3 rounds
//   RT_ECHO_SERVERS=rt-stream,C,C-touch  C-touch: the C server writing RT_KERNEL_TOUCH bytes (1024)
//                  of a 16 MiB ring per message, as a young generation's allocation would
//   RT_ECHO_SERVERS=rt-stream,tokio RT_ECHO_ROUNDS=7 node benchmarks/echo-kernel.mjs
//   RT_ECHO_SPIN=both node benchmarks/echo-kernel.mjs  also with the spinning generator (`/spin`
//                  rows; echo.bench.mjs's RT_ECHO_SPIN), each server's two modes back to back
//   RT_ECHO_PIN=1  servers on core 0, the generator on core 1 (taskset)
//   RT_ECHO_REWARM=300  an unmeasured generator run of that many ms before each profiled one
//                  (echo.bench.mjs's RT_ECHO_REWARM: the page faults of a Node server's first run
//                  after idling)
//   RT_ECHO_CELL=64x16384  connections × message bytes
//   RT_ECHO_SERVERS=rt-stream,rt-stream-before RT_KERNEL_ADDON_BEFORE=/tmp/old  rt-stream on another
//                  build of the addon too (a directory with build/Release/mio_native.node)
//   RT_KERNEL_VERBOSE=1    also the leading kernel functions of `other kernel`, `epoll` and `read`
//
// Needs: perf allowed to profile the kernel (root, or kernel.perf_event_paranoid ≤ 1), a C
// compiler, the built packages; the Tokio row as echo.bench.mjs (Debian's cargo + librust-tokio-dev).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { buildC, buildTokioEcho, echoCell, loadgenResult, parseConfigs, runLoadgen } from './lib/loadgen.mjs';
import { echoServer } from './lib/echo-servers.mjs';
import { have, sleep, startPrintingPort, threadCounters } from './lib/proc.mjs';

if (!have('perf')) {
  console.log('echo-kernel: no perf on PATH (apt-get install linux-perf)');
  process.exit(0);
}
const loadgen = buildC('loadgen');
const cServer = buildC('echo-server');
const native = {
  C: { path: cServer },
  // The C server writing RT_KERNEL_TOUCH bytes (default 1024) of a 16 MiB ring per message (echo-server.c's
  // ECHO_SERVER_TOUCH): the same system calls with a runtime's memory traffic in user space.
  'C-touch': { path: cServer, env: { ECHO_SERVER_TOUCH: process.env['RT_KERNEL_TOUCH'] ?? '1024' } },
  tokio: buildTokioEcho(),
};
const chosen = (process.env['RT_ECHO_SERVERS'] ?? 'rt-stream,tokio,C,net,rt').split(',');
const rounds = Number(process.env['RT_ECHO_ROUNDS'] ?? 3);
const spinModes = { 1: [true], both: [false, true] }[process.env['RT_ECHO_SPIN'] ?? ''] ?? [false];
const pin = process.env['RT_ECHO_PIN'] === '1';
const rewarmMs = Number(process.env['RT_ECHO_REWARM'] ?? 0);
const verbose = process.env['RT_KERNEL_VERBOSE'] === '1';
const [[connections, size]] = parseConfigs(process.env['RT_ECHO_CELL'], [[64, 64]]);
const warmupMs = 300;
const measureMs = 1500;
const frequency = 2999;

const servers = [];
for (const name of chosen) {
  let command;
  let args;
  let env;
  if (native[name] !== undefined) {
    if (native[name].path === undefined) {
      console.log(`${name} row left out: ${native[name].missing}`);
      continue;
    }
    [command, args, env] = [native[name].path, [], native[name].env];
  } else if (name === 'rt-stream-before') {
    // rt-stream on another build of the addon (RT_KERNEL_ADDON_BEFORE: a directory holding
    // build/Release/mio_native.node, loaded through mio-native's RT_MIO_NATIVE_DIR).
    const node = echoServer('rt-stream');
    if (process.env['RT_KERNEL_ADDON_BEFORE'] === undefined) throw new Error('rt-stream-before needs RT_KERNEL_ADDON_BEFORE');
    [command, args, env] = [process.execPath, node.args, { ...node.env, RT_MIO_NATIVE_DIR: process.env['RT_KERNEL_ADDON_BEFORE'] }];
  } else {
    const node = echoServer(name);
    if (node === undefined) throw new Error(`unknown server ${name}`);
    [command, args, env] = [process.execPath, node.args, node.env];
  }
  if (pin) [command, args] = ['taskset', ['-c', '0', command, ...args]];
  servers.push({ name, ...(await startPrintingPort(name, command, args, env)) });
}

const KINDS = ['user', 'read', 'send', 'send: peer rx', 'wake peer', 'preempted', 'epoll', 'epoll sleep', 'faults', 'irq', 'other kernel'];

/** The system call a kernel sample belongs to: the libc wrapper that entered the kernel (the first user frame), else the kernel's handler. */
function syscallOf(frames, kernelFrames) {
  const wrapper = frames[kernelFrames];
  if (wrapper !== undefined) {
    const name = wrapper.replace(/^__libc_|^__/, '');
    if (['send', 'sendto', 'write', 'writev', 'sendmsg'].includes(name)) return 'send';
    if (['read', 'recv', 'recvfrom', 'readv', 'recvmsg'].includes(name)) return 'read';
    if (name.startsWith('epoll_wait') || name.startsWith('epoll_pwait')) return 'epoll';
  }
  const handler = frames.slice(0, kernelFrames).find((f) => f.startsWith('__x64_sys_') || f === 'ksys_read' || f === 'ksys_write');
  if (handler === undefined) return undefined;
  if (/sendto|write|sendmsg/.test(handler)) return 'send';
  if (/recvfrom|read|recvmsg/.test(handler)) return 'read';
  if (/epoll/.test(handler)) return 'epoll';
  return undefined;
}

/** The kind of work of one sample, from its call chain (leaf first; the first `kernelFrames` in the kernel). */
function kindOf(frames, kernelFrames) {
  if (kernelFrames === 0) return 'user';
  const kernel = frames.slice(0, kernelFrames);
  const has = (name) => kernel.includes(name);
  if (kernel.some((f) => f.startsWith('asm_exc_page_fault') || f === 'handle_mm_fault')) return 'faults';
  if (has('exit_to_user_mode_loop') && has('schedule')) return 'preempted';
  if (has('do_epoll_wait') && has('schedule')) return 'epoll sleep';
  if (kernel.some((f) => f.startsWith('asm_sysvec_') || f.startsWith('asm_common_interrupt') || f === 'hrtimer_interrupt')) return 'irq';
  if (has('sock_def_readable') || has('sock_def_write_space') || has('ep_poll_callback')) return 'wake peer';
  const call = syscallOf(frames, kernelFrames);
  if (call === 'send') return has('handle_softirqs') || has('net_rx_action') ? 'send: peer rx' : 'send';
  return call ?? 'other kernel';
}

/** Samples per kind (and, verbose, the kernel leaf functions of `other kernel` and `send`) of a perf.data file. */
function sortSamples(file) {
  const script = spawnSync('perf', ['script', '-i', file, '-F', 'ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
  const leaves = new Map();
  // perf script prints each sample's chain, leaf first, one frame a line, and a blank line after it.
  for (const sample of script.stdout.split('\n\n')) {
    const lines = sample.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const frames = [];
    let kernelFrames = 0;
    for (const line of lines) {
      const m = /^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/.exec(line);
      if (m === null) continue;
      if (m[2].includes('kernel.kallsyms') && kernelFrames === frames.length) kernelFrames++;
      frames.push(m[1].replace(/\+0x[0-9a-f]+$/, ''));
    }
    if (frames.length === 0) continue;
    const kind = kindOf(frames, kernelFrames);
    counts[kind]++;
    if (verbose && (kind === 'other kernel' || kind === 'epoll' || kind === 'read')) {
      const named = frames.find((f) => !f.includes('irq_enable') && !f.startsWith('_raw_spin') && !f.startsWith('__raw_callee')) ?? frames[0];
      const key = `${kind}: ${named}`;
      leaves.set(key, (leaves.get(key) ?? 0) + 1);
    }
  }
  return { counts, leaves };
}

const cells = servers.flatMap((server) => spinModes.map((spin) => ({ ...server, spin, row: spin ? `${server.name}/spin` : server.name })));
const totals = new Map(cells.map((cell) => [cell.row, { samples: Object.fromEntries(KINDS.map((kind) => [kind, 0])), cpuUs: [], sysUs: [], userUs: [], leaves: new Map(), gen: [] }]));
const file = `/tmp/echo-kernel-${process.pid}.data`;
try {
  for (let round = 0; round < rounds; round++) {
    const shift = (round * spinModes.length) % cells.length;
    for (const { name, child, port, spin, row } of [...cells.slice(shift), ...cells.slice(0, shift)]) {
      if (rewarmMs > 0) loadgenResult(runLoadgen(loadgen, { port, connections, size, warmupMs: 0, measureMs: rewarmMs, pinned: pin, spin }), name);
      const perf = spawn('perf', ['record', '-q', '-F', String(frequency), '-e', 'cpu-clock', '-g', '-p', String(child.pid), '-o', file], { stdio: 'ignore' });
      await sleep(300); // perf attached
      const before = threadCounters(child.pid);
      const run = runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs, pinned: pin, spin });
      const after = threadCounters(child.pid);
      perf.kill('SIGINT');
      await new Promise((resolve) => perf.once('exit', resolve));
      let user = 0;
      let system = 0;
      for (const [tid, a] of after) {
        const b = before.get(tid) ?? { user: 0, system: 0 };
        user += a.user - b.user;
        system += a.system - b.system;
      }
      const cell = echoCell(loadgenResult(run, name), user + system, warmupMs, measureMs);
      const messages = cell.perSecond * ((warmupMs + measureMs) / 1000);
      const total = totals.get(row);
      total.cpuUs.push(cell.cpuPerMessageUs);
      total.userUs.push((user / messages) * 1e6);
      total.sysUs.push((system / messages) * 1e6);
      total.gen.push(cell.sleeps / messages);
      const { counts, leaves } = sortSamples(file);
      // Each round's samples, weighted so that every round counts by its CPU per message.
      const n = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
      for (const kind of KINDS) total.samples[kind] += (counts[kind] / n) * cell.cpuPerMessageUs;
      for (const [key, count] of leaves) total.leaves.set(key, (total.leaves.get(key) ?? 0) + (count / n) * cell.cpuPerMessageUs);
    }
  }
} finally {
  for (const { child } of servers) child.kill();
  rmSync(file, { force: true });
  rmSync(`${file}.old`, { force: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const pad = (s, n) => String(s).padStart(n);
console.log(
  `echo ${connections} × ${size} B, ${rounds} rounds of ${warmupMs} + ${measureMs} ms, perf cpu-clock at ${frequency} Hz on the server; ` +
    `${spinModes.map((spin) => (spin ? 'spinning' : 'blocking')).join(' + ')} generator${pin ? ', pinned' : ''}${rewarmMs > 0 ? `, ${rewarmMs} ms rewarm` : ''}; load ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim().replace(/.*load average: /, '')}`,
);
console.log('µs per message: CPU, user and sys from /proc (medians of the rounds); then each kind of work (samples pooled over the rounds, each round weighted by its CPU per message); gen slp = the generator\'s sleeps per message');
console.log(`${'server'.padEnd(16)}${pad('CPU', 7)}${pad('user', 7)}${pad('sys', 7)}${KINDS.map((kind) => pad(kind, Math.max(8, kind.length + 2))).join('')}${pad('gen slp', 9)}`);
for (const { row } of cells) {
  const total = totals.get(row);
  const share = (kind) => total.samples[kind] / rounds;
  console.log(
    `${row.padEnd(16)}${pad(median(total.cpuUs).toFixed(2), 7)}${pad(median(total.userUs).toFixed(2), 7)}${pad(median(total.sysUs).toFixed(2), 7)}` +
      `${KINDS.map((kind) => pad(share(kind).toFixed(2), Math.max(8, kind.length + 2))).join('')}${pad(median(total.gen).toFixed(3), 9)}`,
  );
}
if (verbose) {
  for (const { row } of cells) {
    const leaves = [...totals.get(row).leaves].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(`${row}: ${leaves.map(([key, us]) => `${key} ${(us / rounds).toFixed(2)}`).join('; ')}`);
  }
}
