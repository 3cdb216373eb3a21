#!/usr/bin/env node
// Bytes the echo server allocates per message (echo-callgrind.mjs's servers and client), with
// Node's `net` server as the baseline in the same run. The server runs with V8's --trace-gc-nvp
// (one line per collection, with the bytes `allocated` since the previous one) and --expose-gc;
// benchmarks/c/echo-count-client.c sends WARMUP messages, the server is made to collect (SIGUSR2
// → gc()), the client sends MESSAGES more on the same connections (one in flight on each), the
// server collects again (stdbuf makes V8's lines arrive as they are printed): the `allocated` of the collections between the two forced ones is
// exactly what those messages allocated (no connection opened or closed inside the window).
//
//   node benchmarks/echo-bytes.mjs [--servers=rt-stream,net] [--bytes=64] [--connections=64]
//        [--warmup=60000] [--messages=200000] [--node=/path/to/node[,/path/to/other]]
import { spawn } from 'node:child_process';
import { buildC } from './lib/loadgen.mjs';
import { echoServer } from './lib/echo-servers.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const servers = arg('servers', 'rt-stream,net').split(',');
const bytes = arg('bytes', '64');
const connections = arg('connections', '64');
const warmup = arg('warmup', '60000');
const messages = Number(arg('messages', '200000'));
const nodes = arg('node', process.execPath).split(',');
const client = buildC('echo-count-client');

/** Keeps everything `stream` prints; `until(test)` resolves with it once `test(text)` (a RegExp or a function) says yes. */
function collector(stream) {
  const state = { text: '', waiting: [] };
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    state.text += chunk;
    state.waiting = state.waiting.filter(({ test, resolve }) => !(test(state.text) && (resolve(state.text), true)));
  });
  state.until = (pattern) => new Promise((resolve) => {
    const test = typeof pattern === 'function' ? pattern : (text) => pattern.test(text);
    if (test(state.text)) resolve(state.text);
    else state.waiting.push({ test, resolve });
  });
  return state;
}

const allocatedIn = (text) => {
  let sum = 0;
  // Node 20-24 print `allocated=N`, Node 26 one JSON object per collection (`"allocated":N`).
  for (const match of text.matchAll(/(?: allocated=|"allocated":)(\d+)/g)) sum += Number(match[1]);
  return sum;
};

/** Forces a collection in the server and resolves with the sum of `allocated` printed up to it. */
async function collect(server, out) {
  const count = (text) => (text.match(/gc=mc[^\n]*\n/g) ?? []).length;
  const before = count(out.text);
  server.kill('SIGUSR2');
  // The forced collection's line (whole): one more mark-compact than before the signal.
  await out.until((text) => count(text) > before);
  return allocatedIn(out.text);
}

async function measure(node, name) {
  const server0 = echoServer(name);
  // The preload imports the server's script: a rung run by --eval (minimal-stream) is not one of these.
  if (server0 === undefined || server0.args[0].startsWith('--')) throw new Error(`echo-bytes: unknown or unsupported server ${name}`);
  const { args, env } = server0;
  const preload = `process.on('SIGUSR2', () => globalThis.gc()); process.argv.splice(1, 0, ${JSON.stringify(args[0])}); await import(${JSON.stringify(args[0])});`;
  // stdbuf -oL: V8 prints the trace with C stdio, block-buffered into a pipe; line-buffered, each
  // collection's line arrives when it happens.
  const server = spawn('stdbuf', ['-oL', node, '--single-threaded', '--random-seed=1', '--expose-gc', '--trace-gc-nvp', '--input-type=module', '--eval', preload, '--', ...args.slice(1)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const out = collector(server.stdout);
  try {
    const port = Number(/^(\d+)\s*$/m.exec(await out.until(/^\d+\s*$/m))[0]);
    const c = spawn(client, [String(port), connections, String(messages), bytes, warmup], { stdio: ['pipe', 'pipe', 'inherit'] });
    const cOut = collector(c.stdout);
    await cOut.until(/warm\n/);
    const before = await collect(server, out);
    c.stdin.write('go\n');
    await cOut.until(/\}\n/);
    const after = await collect(server, out);
    c.stdin.end('done\n');
    await new Promise((resolve) => c.once('exit', resolve));
    if (process.env.RT_ECHO_BYTES_DEBUG) console.error(name, { before, after, collections: (out.text.match(/allocated/g) ?? []).length });
    return (after - before) / messages;
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

for (const node of nodes) {
  const version = (await new Promise((resolve) => {
    const v = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    v.stdout.on('data', (chunk) => (text += chunk));
    v.once('exit', () => resolve(text.trim()));
  }));
  const rows = [];
  let base;
  for (const name of ['net', ...servers.filter((s) => s !== 'net')]) {
    const perMessage = await measure(node, name);
    if (name === 'net') base = perMessage;
    rows.push({ server: name, 'bytes/message': Math.round(perMessage), 'ratio vs net': (perMessage / base).toFixed(2) + 'x' });
  }
  console.log(`\necho server bytes allocated per message, Node ${version}: ${messages} messages of ${bytes} B over ${connections} connections after ${warmup}`);
  console.table(rows);
}
