// Instruction counts under callgrind, shared by the benchmark scripts that count them. Two ways:
// - a whole run (ping-pong-callgrind, spawn-callgrind, handle-shapes): `callgrindInstructions`,
//   V8 with --single-threaded --predictable-gc-schedule, so GC and compilation land the same way
//   from run to run, and --random-seed=1: V8 (Node 24+) seeds its string hashing at start-up by
//   testing random candidates for primality (`HashSeed::InitializeRoots`, `detail::sprp`), which
//   cost 0 to ~16M instructions per process at random (±130 instructions per round trip of the
//   ping-pong benches at 60,000 round trips); with a fixed seed it costs the same every run;
// - one server process between a zeroing and a dump (http-callgrind.mjs, echo-callgrind.mjs):
//   `countedWindow`, the dump's file, its total, inclusive counts of named functions, and the top
//   functions per operation with JIT code named from V8's perf map (`node --perf-basic-prof`
//   writes /tmp/perf-<pid>.map: start, size, name of each piece of code it generates; callgrind
//   sees JIT code as bare addresses).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { have } from './proc.mjs';

/** Throws unless valgrind is installed (`who` names the caller in the message). */
export function requireValgrind(who) {
  if (!have('valgrind')) throw new Error(`${who}: valgrind is not installed (apt-get install valgrind)`);
}

/** V8's flags for a whole-run count (see the top of this file). */
export const CALLGRIND_V8_FLAGS = ['--single-threaded', '--predictable-gc-schedule', '--random-seed=1'];

/**
 * Instructions `node script ...args` executes under callgrind, with `env` added to the environment
 * and V8 run with `v8Flags` (CALLGRIND_V8_FLAGS unless given).
 */
export function callgrindInstructions(node, script, args, env = {}, v8Flags = CALLGRIND_V8_FLAGS) {
  const dir = mkdtempSync(join(tmpdir(), 'rt-callgrind-'));
  try {
    const out = join(dir, 'callgrind.out');
    const child = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, node, ...v8Flags, script, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${args.join(' ')} under callgrind exited ${child.status}: ${child.stderr.slice(-2000)}`);
    const total = dumpTotal(out);
    if (Number.isNaN(total)) throw new Error(`${args.join(' ')}: no summary line in the callgrind output`);
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dump callgrind_control -d wrote next to `out` (it adds a suffix). */
export function findDump(out) {
  const dir = out.slice(0, out.lastIndexOf('/'));
  const base = out.slice(out.lastIndexOf('/') + 1);
  return execFileSync('ls', ['-1', dir], { encoding: 'utf8' }).split('\n').filter((f) => f.startsWith(base) && f !== base).map((f) => join(dir, f))[0];
}

/** Removes `out` and every dump written next to it, and the perf map of `pid`. */
export function removeDumps(out, pid) {
  const dir = out.slice(0, out.lastIndexOf('/'));
  const base = out.slice(out.lastIndexOf('/') + 1);
  for (const f of execFileSync('ls', ['-1', dir], { encoding: 'utf8' }).split('\n')) if (f.startsWith(base)) rmSync(join(dir, f));
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

/** A dump's total instructions. */
export function dumpTotal(dump) {
  const text = readFileSync(dump, 'utf8');
  return Number(/^summary: (\d+)/m.exec(text)?.[1] ?? /^totals: (\d+)/m.exec(text)?.[1]);
}

/** callgrind_annotate's output for `dump` (inclusive or self counts). */
export function annotate(dump, inclusive) {
  return execFileSync('callgrind_annotate', [`--inclusive=${inclusive ? 'yes' : 'no'}`, '--threshold=100', dump], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** The inclusive count of the first function whose line matches `pattern` (0 when none). */
export function inclusiveOf(inclusiveText, pattern) {
  const line = inclusiveText.split('\n').find((l) => pattern.test(l));
  return line === undefined ? 0 : Number(/^\s*([0-9,]+)/.exec(line)[1].replace(/,/g, ''));
}

/** Replaces callgrind's bare JIT addresses in a line with the names in /tmp/perf-<pid>.map. */
export function jitNamer(pid) {
  const ranges = [];
  try {
    for (const line of readFileSync(`/tmp/perf-${pid}.map`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      if (m !== null) ranges.push([parseInt(m[1], 16), parseInt(m[2], 16), m[3]]);
    }
  } catch {
    // no map: addresses stay bare
  }
  const nameOf = (address) => {
    // The last code placed at an address wins.
    for (let i = ranges.length - 1; i >= 0; i--) {
      const [start, size, name] = ranges[i];
      if (address >= start && address < start + size) return name.replace(/^(JS|LazyCompile|Function):/, '').slice(0, 110);
    }
    return undefined;
  };
  return (text) => text.replace(/\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/, (whole, hex) => {
    const name = nameOf(parseInt(hex, 16));
    return name === undefined ? whole : `JIT ${name}`;
  });
}

/**
 * The functions of an annotated dump, largest first: [count per operation, name] (JIT code
 * named by `named`), and whether the row holds (nearly) the whole total: the frames below main
 * that callgrind_control -z leaves at it, which a self view leaves out.
 */
export function topFunctions(annotated, total, operations, named) {
  const rows = [];
  for (const line of annotated.split('\n')) {
    if (!/^\s*[0-9,]+ .*\S/.test(line) || /PROGRAM TOTALS/.test(line)) continue;
    const m = /^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line);
    if (m === null) continue;
    const count = Number(m[1].replace(/,/g, ''));
    rows.push([count / operations, named(m[2]), count >= 0.98 * total]);
  }
  return rows;
}

/**
 * Runs a fixed-count client (benchmarks/c/*-count-client.c: it prints "warm" after its warm-up,
 * waits for a line, runs the counted part, prints one JSON line, waits for a line, then closes)
 * against the server under callgrind with pid `serverPid`: zeroes the counters after the
 * warm-up and dumps them (as "measured") before the connections close, so the dump holds
 * exactly the counted part. Resolves with the client's JSON line once it has exited.
 */
export async function countedWindow(serverPid, client, args) {
  const c = spawn(client, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const clientExit = new Promise((resolve) => c.once('exit', resolve));
  let clientOut = '';
  const clientLine = (pattern) => new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(clientOut)) {
        c.stdout.off('data', onData);
        resolve(clientOut);
      }
    };
    const onData = (chunk) => {
      clientOut += chunk;
      check();
    };
    c.stdout.on('data', onData);
    void clientExit.then((code) => reject(new Error(`client exited ${code}`)));
    check();
  });
  await clientLine(/warm\n/);
  execFileSync('callgrind_control', ['-z', String(serverPid)], { stdio: 'ignore' });
  c.stdin.write('go\n');
  const run = JSON.parse(/\{.*\}/.exec(await clientLine(/\}\n/))[0]);
  execFileSync('callgrind_control', ['-d', 'measured', String(serverPid)], { stdio: 'ignore' });
  c.stdin.end('done\n');
  await clientExit;
  return run;
}

/**
 * Instructions of one counted window of `node script ...args` (with `env` added, V8 run with
 * `v8Flags` and --expose-gc): the script reads `process.ppid` twice (sync.bench.mjs with
 * SYNC_BENCH_WINDOW=1), its only getppid(2) calls, and callgrind (--dump-before=getppid) dumps
 * and zeroes its counters at each, so the second of the three dumps holds exactly what ran
 * between them: no start-up, no compilation of the warm-up, no exit. Returns the window's total
 * and what `inspect(dump, pid)` returns (called before the dumps are removed; with
 * `perfMap`, V8 writes /tmp/perf-<pid>.map for `jitNamer`, removed afterwards).
 */
export function callgrindWindow(node, script, args, env = {}, { v8Flags = CALLGRIND_V8_FLAGS, perfMap = false, inspect } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rt-callgrind-'));
  const out = join(dir, 'callgrind.out');
  let pid;
  try {
    const flags = [...v8Flags, '--expose-gc', ...(perfMap ? ['--perf-basic-prof'] : [])];
    const child = spawnSync('valgrind', ['--tool=callgrind', '--dump-instr=no', '--dump-before=getppid', `--callgrind-out-file=${out}`, node, ...flags, script, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    pid = Number(/==(\d+)==/.exec(child.stderr)?.[1]);
    if (child.status !== 0) throw new Error(`${args.join(' ')} under callgrind exited ${child.status}: ${child.stderr.slice(-2000)}`);
    const dumps = execFileSync('ls', ['-1', dir], { encoding: 'utf8' }).split('\n').filter((f) => f.startsWith('callgrind.out.'));
    if (dumps.length !== 2) throw new Error(`${args.join(' ')}: ${dumps.length} getppid dumps, not 2 (another getppid call in the run?)`);
    const window = `${out}.2`;
    const total = dumpTotal(window);
    return { total, inspected: inspect?.(window, pid) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (perfMap && pid !== undefined) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}
