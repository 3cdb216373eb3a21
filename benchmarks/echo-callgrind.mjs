#!/usr/bin/env node
// Callgrind of one echo server process over an exact number of messages: what a message costs
// the server alone (no client in the process, unlike echo-cost.mjs), in user-space
// instructions, nearly noise-free on a shared machine. The server runs under valgrind;
// benchmarks/c/echo-count-client.c sends WARMUP messages (JIT warm-up), callgrind's counters
// are zeroed (callgrind_control -z), the client sends MESSAGES more on the same connections
// (one in flight on each), and the counters are dumped before it closes them: the dump holds
// exactly those messages, with no connection opened or closed inside it.
//
//   node benchmarks/echo-callgrind.mjs [--server=rt-stream|rt-plain|rt-await-task|rt-await|rt|minimal-stream|net] [--bytes=64]
//        [--connections=64] [--warmup=60000] [--messages=40000] [--top=40] [--groups]
//        [--node=/path/to/node] [--out=/tmp/x.cg [--keep-map]] [--jit-threads]
//
//   rt-stream       net.bench.mjs --serve native: TcpStream, a task per connection, the
//                   read/writeAll loop (echo.bench.mjs's rt-stream row)
//   rt-plain        net.bench.mjs --serve native-plain: the same loop on TcpStream, no task
//                   (plain async functions): what being in a task adds is rt-stream − rt-plain
//   rt-await-task   echo-rt-server.mjs with RT_ECHO_AWAIT_EACH=1 RT_ECHO_IN_TASK=1: the raw
//                   reactor loop plus the user loop's own `await` and `subarray`, in an rt task
//                   per connection (no TcpStream)
//   rt-await        the same without the task
//   rt              echo-rt-server.mjs: the raw reactor, no TcpStream, no task
//   minimal-stream  echo-ladder-servers.mjs: TcpStream's promise shape in a task, nothing else
//   net             echo-net-server.mjs: Node's `net` (the baseline)
//
// Prints instructions per message (also the steady figure without V8's optimising compiler,
// which may still be at work in the window, and the garbage collector, which moves by a few
// hundred per message from run to run), and the top functions
// (self, then inclusive) per message with JIT code named from `--perf-basic-prof`'s map.
// With the default warm-up TurboFan may still compile the `rt-stream` loop inside the window (net
// README, pass ts24: 838–1,410 compiler instructions per message); --warmup=150000 avoids it.
// --groups adds the self counts summed by kind (JavaScript, V8 builtins, N-API, libc/kernel entry, …).
// --jit-threads runs node without --single-threaded: TurboFan compiles on its own thread, as in a
// plain run (when it compiles, so which type feedback it has, can change the code: net README,
// pass ec26).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { annotate, countedWindow, dumpTotal, findDump, inclusiveOf, jitNamer, removeDumps, topFunctions } from './lib/callgrind.mjs';
import { buildC } from './lib/loadgen.mjs';
import { have } from './lib/proc.mjs';
import { echoServer, printedPort } from './lib/echo-servers.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const server = arg('server', 'rt-stream');
const bytes = Number(arg('bytes', '64'));
const connections = Number(arg('connections', '64'));
const warmup = Number(arg('warmup', '60000'));
const messages = Number(arg('messages', '40000'));
const top = Number(arg('top', '40'));
const node = arg('node', process.execPath);
const out = arg('out', `/tmp/echo-callgrind-${process.pid}.cg`);
for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate', 'cc']) {
  if (!have(tool)) {
    console.error(`echo-callgrind: needs ${tool} (apt-get install -y valgrind gcc)`);
    process.exit(1);
  }
}
const client = buildC('echo-count-client');

const spec = echoServer(server);
if (spec === undefined) {
  console.error(`echo-callgrind: unknown --server=${server}`);
  process.exit(2);
}
const child = spawn('valgrind', ['--tool=callgrind', '--dump-instr=no', `--callgrind-out-file=${out}`, node, ...(process.argv.includes('--jit-threads') ? [] : ['--single-threaded']), '--perf-basic-prof', ...spec.args], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: spec.env,
});
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
const port = await printedPort(child, () => stderr);

try {
  // The client: WARMUP messages, then (after the zeroing) MESSAGES more on the same connections.
  const run = await countedWindow(child.pid, client, [String(port), String(connections), String(messages), String(bytes), String(warmup)]);
  const dump = findDump(out);
  const total = dumpTotal(dump);
  const inclusiveText = annotate(dump, true);
  const selfText = annotate(dump, false);
  // TurboFan's work in the window: entered through Runtime_CompileOptimized on some V8s, through
  // Runtime_OptimizeTurbofanEager (Node 24) on others, all of them through Compiler::CompileOptimized
  // (pass na28: on Node 24 the runtime entry's name alone missed ~850 per message in some runs).
  const compile =
    Math.max(inclusiveOf(inclusiveText, /v8::internal::Runtime_CompileOptimized\(/), inclusiveOf(inclusiveText, /v8::internal::Compiler::CompileOptimized\(/)) +
    inclusiveOf(inclusiveText, /v8::internal::OptimizingCompileDispatcher::InstallOptimizedFunctions\(/);
  const gc = inclusiveOf(inclusiveText, /v8::internal::Heap::Scavenge\(\)/);
  const markCompact = inclusiveOf(inclusiveText, /v8::internal::Heap::MarkCompact\(\)/);
  const per = (n) => (n / messages).toFixed(0);
  console.log(`${server} (${node === process.execPath ? `node ${process.version}` : node}): ${messages} messages of ${bytes} B over ${connections} connections (${run.seconds} s under valgrind)`);
  // The steady figure: the scavenges move by ±400 per message between runs of one build (when
  // the young generation fills up inside the window), the compiler by whether TurboFan is
  // still at work in it; compare builds by it and give the scavenges apart.
  console.log(`instructions per message: ${per(total)}; steady (without the compiler and the GC): ${per(total - compile - gc - markCompact)} (compiler ${per(compile)}, scavenges ${per(gc)}, mark-compact ${per(markCompact)})`);
  const named = jitNamer(child.pid);
  const selfRows = topFunctions(selfText, total, messages, named).filter(([, , whole]) => !whole);
  if (process.argv.includes('--groups')) {
    const groups = new Map();
    const kind = (name) => {
      if (name.startsWith('JIT ')) return /^JIT (Builtin|BytecodeHandler|Stub|RegExp)/.test(name) ? 'V8 builtins (JIT-placed)' : 'JavaScript (JIT code)';
      if (/napi_|v8impl|node_api/.test(name)) return 'N-API';
      if (/Builtins_/.test(name)) return 'V8 builtins';
      if (/\.node\]$/.test(name)) return 'the addon (mio.c)';
      if (/v8::/.test(name)) return 'V8 runtime (C++: GC, hooks, API)';
      if (/node::|uv_|uv__/.test(name)) return 'Node and libuv';
      if (/libc\.so|ld-linux/.test(name)) return 'libc (syscall wrappers, malloc)';
      return 'other (unnamed: JIT code without a map entry)';
    };
    for (const [count, name] of selfRows) groups.set(kind(name), (groups.get(kind(name)) ?? 0) + count);
    console.log('\nself, summed by kind, per message:');
    for (const [name, count] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${count.toFixed(0).padStart(8)}  ${name}`);
  }
  if (top > 0) {
    console.log(`\nself, per message (top ${top}):`);
    for (const [count, name] of selfRows.slice(0, top)) console.log(`${count.toFixed(0).padStart(8)}  ${name.slice(0, 150)}`);
    console.log(`\ninclusive, per message (top ${top}):`);
    for (const [count, name] of topFunctions(inclusiveText, total, messages, named).slice(0, top)) console.log(`${count.toFixed(0).padStart(8)}  ${name.slice(0, 150)}`);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  if (arg('out', undefined) === undefined) removeDumps(out, child.pid);
  else if (!process.argv.includes('--keep-map')) rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  else console.log(`perf map kept: /tmp/perf-${child.pid}.map`);
}
