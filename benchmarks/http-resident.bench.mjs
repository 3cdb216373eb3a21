// What an @rt/http server process loads and keeps: a minimal `serve()` server
// (benchmarks/lib/resident-server.mjs: @rt/macros' main and @rt/http's dist, as
// benchmarks/http-rt-server.mjs loads them), measured after start (and after `--requests=N`
// GET + 1 MiB POST pairs from this process): the heap after four full GCs in the server
// (`heapUsed`, and V8's old generation, the size V8 compares with its 8 MiB marking threshold),
// the rt modules it loaded (count and source bytes, from the inspector's Debugger.scriptParsed)
// and the source bytes of Node's own scripts. The baseline is another worktree's build
// (`--compare-root`, e.g. the base commit, installed and built), measured in the same run,
// runs alternating; and a bare Node process that prints a line (what Node itself keeps).
//
//   node benchmarks/http-resident.bench.mjs [--compare-root=DIR] [--node=/abs/node ...] [--runs=3]
//     [--requests=N] [--list]   (--list: every rt module this tree's server loaded, with its size)
// Heap figures are deterministic to a few kB from run to run, except that now and then (1 run in
// ~8 on Node 20, more on a loaded machine) `gc()` leaves ~150-250 kB that the heap snapshot's own
// GC then frees (floating garbage, not resident): the least of the runs is printed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildWorkspaces } from './lib/build.mjs';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url)).replace(/\/$/, '');
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const compareRoot = arg('compare-root');
const runs = Number(arg('runs') ?? 3);
const requests = Number(arg('requests') ?? 0);
const nodes = [process.execPath, ...process.argv.filter((a) => a.startsWith('--node=')).map((a) => a.slice('--node='.length))];
const server = fileURLToPath(new globalThis.URL('./lib/resident-server.mjs', import.meta.url));
buildWorkspaces(root, ['packages/http', 'packages/macros']);

/** One server process of `tree` (or a bare process for null) on `node`: its measurement. */
function measure(node, tree) {
  const args = tree === null
    ? ['--expose-gc', '--input-type=module', '-e', `console.log('listening on 0');
process.on('SIGUSR2', () => { for (let i = 0; i < 4; i++) globalThis.gc(); console.log(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed, oldGeneration: NaN, scripts: [] })); });
const keep = setInterval(() => {}, 1e9); process.once('SIGTERM', () => clearInterval(keep));`]
    : ['--expose-gc', server, tree];
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let out = '';
    let asked = false;
    child.stdout.on('data', async (chunk) => {
      out += chunk;
      const listening = /listening on (\d+)\n/.exec(out);
      if (listening !== null && !asked) {
        asked = true;
        out = out.slice(listening.index + listening[0].length);
        for (let i = 0; i < requests && tree !== null; i++) {
          const base = `http://127.0.0.1:${listening[1]}`;
          await (await fetch(`${base}/`)).text();
          await (await fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(1 << 20) })).text();
        }
        setTimeout(() => child.kill('SIGUSR2'), 200);
      }
      const line = out.indexOf('\n');
      if (asked && line > 0) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(JSON.parse(out.slice(0, line)));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!asked || out.indexOf('\n') <= 0) reject(new Error(`${node} ${tree}: exited ${code} before measuring`));
    });
  });
}

/** An rt package's module (ESM as file:// URLs, CommonJS as paths). */
const isRt = (url) => /^(file:\/\/)?\//.test(url) && url.includes('/packages/');
const least = (values) => Math.min(...values);
const trees = [root, ...(compareRoot === undefined ? [] : [compareRoot])];
const label = (tree) => (tree === null ? 'bare node' : tree === root ? 'this tree' : `compare ${tree}`);
for (const node of nodes) {
  const version = (await measureVersion(node)).trim();
  const results = new Map([...trees, null].map((tree) => [tree, []]));
  for (let run = 0; run < runs; run++) for (const tree of [...trees, null]) results.get(tree).push(await measure(node, tree));
  console.log(`\nNode ${version}${requests > 0 ? `, after ${requests} GET + 1 MiB POST pairs` : ', after start'} (least of ${runs} runs)`);
  console.log('server        | heapUsed kB | old gen kB | rt modules | rt source B | node source B');
  console.log('--------------|-------------|------------|------------|-------------|--------------');
  const rows = new Map();
  for (const tree of [...trees, null]) {
    const list = results.get(tree);
    const rt = list[0].scripts.filter((s) => isRt(s.url));
    const row = {
      heapUsed: least(list.map((r) => r.heapUsed)) / 1000,
      oldGeneration: least(list.map((r) => r.oldGeneration)) / 1000,
      modules: rt.length,
      source: rt.reduce((sum, s) => sum + s.length, 0),
      nodeSource: list[0].scripts.filter((s) => s.url.startsWith('node:')).reduce((sum, s) => sum + s.length, 0),
    };
    rows.set(tree, row);
    const cells = tree === null ? [row.heapUsed.toFixed(1), '', '', '', ''] : [row.heapUsed.toFixed(1), row.oldGeneration.toFixed(1), String(row.modules), String(row.source), String(row.nodeSource)];
    console.log(`${label(tree).slice(0, 13).padEnd(13)} | ${cells.map((c, i) => c.padStart([11, 10, 10, 11, 13][i])).join(' | ')}`);
  }
  if (compareRoot !== undefined) {
    const a = rows.get(root);
    const b = rows.get(compareRoot);
    console.log(`this tree - compare: heapUsed ${(a.heapUsed - b.heapUsed).toFixed(1)} kB, old gen ${(a.oldGeneration - b.oldGeneration).toFixed(1)} kB, ${a.modules - b.modules} modules, ${a.source - b.source} B of rt source; ratio of rt's own heap (over bare node) ${((a.heapUsed - rows.get(null).heapUsed) / (b.heapUsed - rows.get(null).heapUsed)).toFixed(3)}`);
  }
  if (process.argv.includes('--list')) {
    console.log('\nrt modules this tree loaded (source bytes):');
    for (const s of results.get(root)[0].scripts.filter((x) => isRt(x.url)).sort((x, y) => y.length - x.length)) {
      console.log(`${String(s.length).padStart(7)}  ${s.url.slice(s.url.indexOf('/packages/') + 10)}`);
    }
  }
}

function measureVersion(node) {
  return new Promise((resolve) => {
    const child = spawn(node, ['-p', 'process.versions.node']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(out));
  });
}
