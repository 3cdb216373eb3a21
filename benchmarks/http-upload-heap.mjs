// What an upload server keeps alive per connection (issue 18): the rt server (benchmarks/http-rt-server.mjs
// --fast) or the floor on rt's sockets (http-upload-floor-server.mjs --fresh=whole), preloaded with
// lib/heap-probe.cjs. Each probe is two full GCs in the server, then V8's space sizes (old generation
// = old + code + large-object (+ trusted) spaces, the size V8 compares with its 8 MiB activation
// threshold) and, with --snapshots=DIR, a heap snapshot; with snapshots, what is alive in one probe and
// not in another is printed by constructor (self sizes; strings and code by their kind), ÷ N.
//
// Default: under load. Probes after start, mid-load (wrk, N connections, 1 MiB POSTs to --path) and
// after the load (its connections closed).
// `--parked`: no wrk; the states a connection is in under load, one at a time, made exactly: N
// connections each with a request head and 64 KiB of a 1 MiB body sent (the server waiting in the
// body's read), then the rest sent and the answer read (each idle on keep-alive, waiting for the
// next head), then closed. The differences ÷ N are the bytes one connection holds in each state,
// with no mix of phases as under wrk's load.
//
//   node benchmarks/http-upload-heap.mjs rt|floor [--path=/upload-buffer] [--connections=64]
//     [--seconds=8] [--node=/abs/node] [--snapshots=DIR] [--root=DIR (another worktree's build)]
//     [--parked] [--top=40]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { have, SERVER_ENV, sleep } from './lib/proc.mjs';

const here = fileURLToPath(new globalThis.URL('..', import.meta.url));
const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const which = process.argv[2];
if (which !== 'rt' && which !== 'floor') throw new Error('usage: http-upload-heap.mjs rt|floor [options]');
const path = option('path', '/upload-buffer');
const connections = Number(option('connections', 64));
const seconds = Number(option('seconds', 8));
const nodeBinary = option('node', process.execPath);
const snapshots = option('snapshots', undefined);
const root = option('root', here);
const parked = process.argv.includes('--parked');
if (!parked && !have('wrk')) throw new Error('wrk is not installed');

const scratch = mkdtempSync(join(tmpdir(), 'rt-upload-heap-'));
const lua = join(scratch, 'upload.lua');
writeFileSync(lua, `wrk.method = "POST"\nwrk.body = string.rep("u", 1024 * 1024)\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);

const script = which === 'rt' ? [join(root, 'benchmarks/http-rt-server.mjs'), '0', '--fast'] : [join(root, 'benchmarks/http-upload-floor-server.mjs'), '0', '--fresh=whole'];
const server = spawn(nodeBinary, ['--expose-gc', '-r', join(here, 'benchmarks/lib/heap-probe.cjs'), ...script], {
  env: { ...process.env, ...SERVER_ENV, ...(snapshots ? { RT_HEAP_SNAPSHOT_DIR: snapshots } : {}) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const waiters = [];
server.stdout.on('data', (data) => {
  out += data;
  for (const waiter of waiters.splice(0)) waiter();
});
async function line(pattern) {
  for (;;) {
    const match = pattern.exec(out);
    if (match) {
      out = out.slice(match.index + match[0].length);
      return match;
    }
    await new Promise((resolve) => waiters.push(resolve));
  }
}
async function probe() {
  server.kill('SIGUSR2');
  return JSON.parse((await line(/heap-probe (.*)\n/))[1]);
}

const kb = (n) => (n / 1024).toFixed(0);
const version = nodeBinary === process.execPath ? process.version : nodeBinary.replace(/.*\/(node2[0-9]).*/, '$1');
const port = Number((await line(/listening on ([0-9]+)/))[1]);
await sleep(500);
/** [label, probe, baseline probe] for the snapshot diffs. */
const diffs = [];
if (parked) {
  const start = await probe();
  const sockets = await Promise.all(Array.from({ length: connections }, () => new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  })));
  const size = 1024 * 1024;
  const head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${size}\r\n\r\n`;
  for (const socket of sockets) socket.write(head + 'u'.repeat(64 * 1024));
  await sleep(1000);
  const body = await probe();
  const answers = sockets.map((socket) => new Promise((resolve) => {
    let got = '';
    socket.on('data', (data) => {
      got += data;
      if (got.endsWith(`\r\n\r\n${size}`)) resolve();
    });
  }));
  for (const socket of sockets) socket.write('u'.repeat(size - 64 * 1024));
  await Promise.all(answers);
  await sleep(500);
  const idle = await probe();
  for (const socket of sockets) socket.destroy();
  await sleep(1000);
  const closed = await probe();
  const per = (a, b) => ((a - b) / connections).toFixed(0);
  console.log(`${which} ${path}, ${connections} connections parked, ${version}`);
  console.log(`old generation KB: after start ${kb(start.old)}, each mid-body ${kb(body.old)}, each idle on keep-alive ${kb(idle.old)}, closed ${kb(closed.old)}`);
  console.log(`old generation per connection: mid-body ${per(body.old, closed.old)} B, idle on keep-alive ${per(idle.old, closed.old)} B`);
  diffs.push([`alive with each connection mid-body and not once closed`, body, closed], [`alive with each connection idle on keep-alive and not once closed`, idle, closed]);
} else {
  const start = await probe();
  let requests = 0;
  const load = new Promise((resolve) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', lua, `http://127.0.0.1:${port}${path}`], { timeout: (seconds + 30) * 1000 }, (_error, stdout) => {
      requests = Number(/([0-9]+) requests in/.exec(stdout ?? '')?.[1] ?? 0);
      resolve();
    });
  });
  await sleep((seconds * 1000) / 2);
  const loaded = await probe();
  await load;
  await sleep(500);
  const after = await probe();
  console.log(`${which} ${path}, ${connections} connections, ${version}: ${requests} uploads`);
  console.log(`old generation KB: after start ${kb(start.old)}, mid-load ${kb(loaded.old)}, after the load ${kb(after.old)}; old space ${kb(start.spaces.old_space)} / ${kb(loaded.spaces.old_space)} / ${kb(after.spaces.old_space)}, code ${kb(start.spaces.code_space)} / ${kb(loaded.spaces.code_space)} / ${kb(after.spaces.code_space)}`);
  diffs.push(['alive mid-load and not after', loaded, after], ['alive after the load and not after start', after, start, 1]);
}
server.kill('SIGTERM');
rmSync(scratch, { recursive: true, force: true });

/** Count and self size of a snapshot's nodes by constructor (objects, closures) or kind (strings, code, …). */
function summary(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const named = new Set(['object', 'closure', 'native', 'hidden', 'array', 'object shape']);
  const groups = new Map();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const key = named.has(type) ? `${type} ${snapshot.strings[nodes[i + nameAt]].slice(0, 60)}` : type;
    const group = groups.get(key) ?? { count: 0, size: 0 };
    group.count += 1;
    group.size += nodes[i + sizeAt];
    groups.set(key, group);
  }
  return groups;
}
if (snapshots) {
  for (const [title, probed, base, whole] of diffs) {
    const to = summary(probed.file);
    const from = summary(base.file);
    const per = whole ? 1 : connections;
    const rows = [];
    for (const [key, group] of to) {
      const other = from.get(key) ?? { count: 0, size: 0 };
      if (group.size !== other.size || group.count !== other.count) rows.push({ key, count: group.count - other.count, size: group.size - other.size });
    }
    for (const [key, group] of from) if (!to.has(key)) rows.push({ key, count: -group.count, size: -group.size });
    rows.sort((a, b) => b.size - a.size);
    const heap = rows.filter((row) => !row.key.startsWith('native')).reduce((sum, row) => sum + row.size, 0);
    const external = rows.filter((row) => row.key.startsWith('native')).reduce((sum, row) => sum + row.size, 0);
    console.log(`${title}: ${heap} B of V8 heap${whole ? '' : `, ${(heap / per).toFixed(0)} B per connection`} (+ ${external} B of ArrayBuffer memory outside it); by constructor (count, bytes${whole ? '' : ', per connection'}):`);
    for (const row of rows.slice(0, Number(option('top', 40)))) console.log(`  ${String(row.count).padStart(6)} ${String(row.size).padStart(9)}${whole ? '' : ` ${(row.size / per).toFixed(0).padStart(7)}`}  ${row.key}`);
  }
}
