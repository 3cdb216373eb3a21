// Where the 1 MiB upload's CPU goes: an upload row of http.bench.mjs (wrk, keep-alive, 8
// connections, POST of 1 MiB) against @rt/http (`FastResponse`, benchmarks/http-rt-server.mjs
// --fast) and node:http (baselines/http-node-server.mjs), both run with `--trace-gc`, rounds
// alternating. The route is `--path=` (default /upload: rt reads with a BYOB reader into a reused
// 64 KiB buffer, node counts and drops its 'data' chunks; /upload-stream: rt iterates the body
// and drops the chunks; /upload-buffer: rt `arrayBuffer()`, node one Buffer sized by Content-Length
// with the chunks copied in). Prints per
// request: server CPU µs (from /proc), minor page faults (/proc minflt), and V8 scavenges and
// mark-compacts (counted from --trace-gc), the V8 heap in use after the last GC (MB, from the same
// lines: V8 starts incremental marking on its allocation limit only once the old generation is
// over 8 MB, and counts every ArrayBuffer byte allocated since the last mark-compact against that
// limit; see the http README's upload section), and the ratio node ÷ rt of CPU per request.
// `old gen KB`: V8's old-generation objects after the last GC (--trace-gc-verbose: old, code and
// large-object spaces), the size V8 compares with its 8 MiB activation threshold; `GCs > 8 MiB`:
// the GCs of the row that left it above; `limit markings`: incremental markings started on the
// allocation limit (--trace-incremental-marking), each one a mark-compact (the README's "What
// flips Node 20's upload rows").
// Both servers run with lib/proc.mjs's SERVER_ENV (glibc's heap trim threshold fixed). Without
// it this bench and http.bench's BYOB row disagreed (node ÷ rt 1.88–2.72× here, 1.41–1.72×
// there): rt cost the same in both (200–225 µs), node:http did not, because here its process
// paid 86–104 minor page faults per upload and there 22–26. node:http's 64 KiB socket-read
// blocks are `malloc`ed and freed in bulk by each scavenge, and glibc gives the heap top back
// to the kernel or not depending on the process's allocation history (its dynamic threshold),
// so which figure a run got was luck of the process, not a property of either bench's load.
//
//   node benchmarks/http-upload-gc.bench.mjs [--path=/upload] [--node=/abs/node]   (3 rounds × 3 s;
//     RT_HTTP_ROUNDS, RT_HTTP_SECONDS; --node: both servers on that Node binary)
//   --compare-root=DIR   also that worktree's build (its benchmarks/http-rt-server.mjs --fast, every
//     package from there: e.g. the base commit, installed and built) in the same rounds
//   --compare=/abs/path/index.js   also another build of @rt/http (a copy of its dist kept in packages/http,
//     RT_HTTP_DIST of http-rt-server.mjs) on this tree's other packages, in the same rounds
//   --node-retain=MB   node:http's process keeps MB of small objects alive (benchmarks/lib/retain-heap.cjs,
//     preloaded), so its old generation is as large as rt's server's: a diagnostic of the GC state, not
//     a baseline (node:http's own process has ~3.6 MB; rt's server ~9 MB, most of it code and sources)
//   --rt-retain=MB   both rt servers (this build's and the compared one) keep MB of small objects alive
//     the same way: how much more heap each takes before its upload rows go into V8's mark-compact state
//     (the margin under the 8 MB threshold; the http README's "Room under V8's 8 MB")
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, have, minorFaults, SERVER_ENV, startTracingGc } from './lib/proc.mjs';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));
const seconds = Number(process.env['RT_HTTP_SECONDS'] ?? 3);
const rounds = Number(process.env['RT_HTTP_ROUNDS'] ?? 3);
// --path=/upload,/upload-stream,/upload-buffer: those rows one after the other on the same server
// processes (http.bench.mjs's order), all rounds of one before the next.
const paths = (process.argv.find((arg) => arg.startsWith('--path='))?.slice('--path='.length) ?? '/upload').split(',');
const nodeBinary = process.argv.find((arg) => arg.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;
const compareRoot = process.argv.find((arg) => arg.startsWith('--compare-root='))?.slice('--compare-root='.length);
const compare = process.argv.find((arg) => arg.startsWith('--compare='))?.slice('--compare='.length);
const nodeRetain = process.argv.find((arg) => arg.startsWith('--node-retain='))?.slice('--node-retain='.length);
const rtRetain = process.argv.find((arg) => arg.startsWith('--rt-retain='))?.slice('--rt-retain='.length);
/** The preload and environment of an rt server: with --rt-retain, retain-heap.cjs and its size. */
const rtPreload = rtRetain === undefined ? [] : ['--expose-gc', '-r', join(root, 'benchmarks/lib/retain-heap.cjs')];
const rtEnv = rtRetain === undefined ? {} : { RT_RETAIN_MB: rtRetain };
const rtLabel = rtRetain === undefined ? '' : `, +${rtRetain} MB kept`;
if (!have('wrk')) {
  console.error('http-upload-gc.bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}
buildWorkspaces(root, ['packages/http', 'packages/macros']);

const scratch = mkdtempSync(join(tmpdir(), 'rt-upload-gc-'));
const script = join(scratch, 'upload.lua');
writeFileSync(script, `wrk.method = "POST"\nwrk.body = string.rep("u", 1024 * 1024)\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);

/** CPU seconds and minor faults of a process so far, from /proc/<pid>/stat. */
function stat(pid) {
  return { minflt: minorFaults(pid), cpu: cpuSeconds(pid, NaN) };
}

function wrk(port, duration, path) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', '-c8', `-d${duration}s`, '-s', script, `http://127.0.0.1:${port}${path}`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, stdout) => {
      const total = /([0-9]+) requests in/.exec(stdout);
      if (error || !total || /Non-2xx|Socket errors/.test(stdout)) return reject(new Error(`wrk ${args.join(' ')}: ${error?.message ?? stdout}`));
      resolve(Number(total[1]));
    });
  });
}

async function start(name, file, args, preload = [], env = {}, tree = root) {
  const port = await freePort();
  return startTracingGc(name, nodeBinary, [...preload, join(tree, file), String(port), ...args], port, { ...SERVER_ENV, ...env }, { oldGeneration: true });
}

const servers = [];
try {
  const nodeVersion = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`wrk -t1 -c8, POST 1 MiB to ${paths.join(' then ')}, keep-alive; ${seconds} s per run, ${rounds} alternating rounds; servers on Node ${nodeVersion}; machine shared with other work`);
  servers.push(await start(`@rt/http (FastResponse${rtLabel})`, 'benchmarks/http-rt-server.mjs', ['--fast'], rtPreload, rtEnv));
  if (compare !== undefined) servers.push(await start(`@rt/http (FastResponse, compared build${rtLabel})`, 'benchmarks/http-rt-server.mjs', ['--fast'], rtPreload, { ...rtEnv, RT_HTTP_DIST: compare }));
  else if (compareRoot !== undefined) servers.push(await start(`@rt/http (FastResponse, compared build${rtLabel})`, 'benchmarks/http-rt-server.mjs', ['--fast'], rtPreload, rtEnv, compareRoot));
  servers.push(nodeRetain === undefined
    ? await start('node:http', 'benchmarks/baselines/http-node-server.mjs', [])
    : await start(`node:http (+${nodeRetain} MB kept)`, 'benchmarks/baselines/http-node-server.mjs', [], ['--expose-gc', '-r', join(root, 'benchmarks/lib/retain-heap.cjs')], { RT_RETAIN_MB: nodeRetain }));
  for (const server of servers) await wrk(server.port, 1, paths[0]); // warm-up (JIT)
  const rows = [];
  for (const path of paths) for (let round = 0; round < rounds; round++) {
    for (let s = 0; s < servers.length; s++) {
      const server = servers[(s + round) % servers.length];
      const before = stat(server.child.pid);
      const gc = { ...server.gc };
      const requests = await wrk(server.port, seconds, path);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the last --trace-gc lines
      const after = stat(server.child.pid);
      rows.push({
        ...(paths.length > 1 ? { path } : {}),
        round: round + 1,
        server: server.name,
        requests,
        'CPU µs/req': Math.round(((after.cpu - before.cpu) * 1e6) / requests),
        'faults/req': ((after.minflt - before.minflt) / requests).toFixed(1),
        'scavenges/100 req': (((server.gc.scavenges - gc.scavenges) * 100) / requests).toFixed(1),
        'mark-compacts/100 req': (((server.gc.markCompacts - gc.markCompacts) * 100) / requests).toFixed(1),
        'heap MB': server.gc.heapMb.toFixed(1),
        'old gen KB': server.gc.oldGenerationKb,
        'GCs > 8 MiB': server.gc.overThreshold - gc.overThreshold,
        'limit markings': server.gc.limitMarkings - gc.limitMarkings,
      });
    }
    const [rt, ...others] = servers.map((server) => rows.findLast((row) => row.server === server.name));
    const node = others.at(-1);
    rows.push({ round: round + 1, server: 'node ÷ rt (CPU/req)', 'CPU µs/req': (node['CPU µs/req'] / rt['CPU µs/req']).toFixed(2) });
    if (others.length > 1) rows.push({ round: round + 1, server: 'node ÷ compared build (CPU/req)', 'CPU µs/req': (node['CPU µs/req'] / others[0]['CPU µs/req']).toFixed(2) });
  }
  console.table(rows);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
