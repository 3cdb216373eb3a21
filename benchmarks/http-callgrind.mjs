#!/usr/bin/env node
// Callgrind of one HTTP server process over an exact number of keep-alive requests, by
// function: what a request costs the server alone (no client in the process, unlike
// http-cost.mjs), in user-space instructions, nearly noise-free on a shared machine.
//
// The server (http.bench's: benchmarks/http-rt-server.mjs --fast, or node:http's
// baselines/http-node-server.mjs) runs under valgrind; benchmarks/c/http-count-client.c sends
// WARMUP requests (JIT warm-up), callgrind's counters are zeroed (callgrind_control -z), the
// client sends REQUESTS more on the same connections, and the counters are dumped before it
// closes them: the dump holds exactly those requests (plus the timers that fell in that time:
// the 250 ms sweep, the per-second Date), and no connection opens or closes inside it (a
// first version that ran a second client for the measured part counted V8 re-optimising the
// connection loop after the first client's connections closed: ~13,000 instructions per
// request that a steady server does not spend).
//
//   node benchmarks/http-callgrind.mjs [--server=rt-fast|node] [--path=/json] [--warmup=100000]
//        [--requests=20000] [--connections=64] [--top=40] [--out=/tmp/x.cg] [--rt-dist=/abs/index.js]
//        [--node-flags='--max-semi-space-size=1']   (V8 flags for the server)
//
// Prints instructions per request (also without V8's optimising compiler, which may still be
// at work in the window: compare that figure between builds), and the top functions (callgrind_annotate, inclusive and
// self) per request; JIT-compiled JavaScript shows as unnamed addresses (use --cpu-prof for
// those), N-API, V8's runtime and builtins, libc and the kernel entry points by name.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annotate, countedWindow, dumpTotal, findDump, inclusiveOf, jitNamer, removeDumps, topFunctions } from './lib/callgrind.mjs';
import { buildC } from './lib/loadgen.mjs';
import { have, SERVER_ENV } from './lib/proc.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const server = arg('server', 'rt-fast');
const path = arg('path', '/json');
const warmup = Number(arg('warmup', '100000'));
const requests = Number(arg('requests', '20000'));
const connections = Number(arg('connections', '64'));
const top = Number(arg('top', '40'));
const out = arg('out', `/tmp/http-callgrind-${process.pid}.cg`);
for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate', 'cc']) {
  if (!have(tool)) {
    console.error(`http-callgrind: needs ${tool} (apt-get install -y valgrind gcc)`);
    process.exit(1);
  }
}
const client = buildC('http-count-client');

const script = server === 'node' ? join(root, 'benchmarks/baselines/http-node-server.mjs') : join(root, 'benchmarks/http-rt-server.mjs');
const port = 20000 + (process.pid % 20000);
const serverArgs = server === 'node' ? [String(port)] : [String(port), '--fast'];
const env = { ...process.env, ...SERVER_ENV, RT_HTTP_IDLE_MS: '600000' };
const dist = arg('rt-dist', undefined);
if (dist !== undefined) env['RT_HTTP_DIST'] = dist;
// --perf-basic-prof: V8 writes /tmp/perf-<pid>.map (start, size, name of each piece of code it
// generates), so the JIT-compiled functions callgrind sees as bare addresses get their names.
// --node-flags='--max-semi-space-size=1': V8 flags for the server (e.g. a young generation of another size).
const nodeFlags = arg('node-flags', '').split(' ').filter(Boolean);
const child = spawn('valgrind', ['--tool=callgrind', '--dump-instr=no', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--perf-basic-prof', ...nodeFlags, script, ...serverArgs], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env,
});
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
await new Promise((resolve, reject) => {
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += chunk;
    if (/listening|[0-9]+\s*$/.test(text)) resolve();
  });
  child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr.slice(-2000)}`)));
});
await new Promise((resolve) => setTimeout(resolve, 500));

try {
  // The client: WARMUP requests, then (after the zeroing) REQUESTS more on the same connections.
  const run = await countedWindow(child.pid, client, [String(port), String(connections), String(requests), path, String(warmup)]);
  const dump = findDump(out);
  const total = dumpTotal(dump);
  console.log(`${server} ${path}: ${requests} requests (${run.seconds} s under valgrind), ${connections} connections`);
  // V8's optimising compiler and the scavenger, inclusive, from the same dump: a JIT that is
  // still (re)compiling inside the window moves the total by thousands per request between
  // runs of one build; the rest is the server's steady cost.
  const inclusiveText = annotate(dump, true);
  const compile = inclusiveOf(inclusiveText, /v8::internal::Runtime_CompileOptimized\(/);
  const gc = inclusiveOf(inclusiveText, /v8::internal::Heap::Scavenge\(\)/);
  const per = (n) => (n / requests).toFixed(0);
  console.log(`instructions per request: ${per(total)}; without the optimising compiler: ${per(total - compile)} (compiler ${per(compile)}, scavenges ${per(gc)})  (dump ${dump})`);
  const named = jitNamer(child.pid);
  if (top > 0) {
    for (const inclusive of [false, true]) {
      console.log(`\n${inclusive ? 'inclusive' : 'self'}, per request (top ${top}):`);
      const rows = topFunctions(inclusive ? inclusiveText : annotate(dump, false), total, requests, named).filter(([, , whole]) => inclusive || !whole);
      for (const [count, name] of rows.slice(0, top)) console.log(`${count.toFixed(0).padStart(8)}  ${name.slice(0, 150)}`);
    }
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  if (arg('out', undefined) === undefined) removeDumps(out, child.pid);
  else rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
}
