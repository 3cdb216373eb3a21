// Process helpers shared by the benchmark scripts: CPU time from /proc, free ports, waiting
// for a server to listen, starting server processes.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** True when `command` is on PATH. */
export function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Clock ticks per second of /proc/<pid>/stat's times (getconf CLK_TCK; 100 if unknown). */
export const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time (user + system, all threads) of a process so far, in seconds, from
 * /proc/<pid>/stat. When the process is gone: returns `fallback` if one is given, else throws.
 */
export function cpuSeconds(pid, ...fallback) {
  try {
    const { user, system } = cpuTimes(pid);
    return user + system;
  } catch (error) {
    if (fallback.length > 0) return fallback[0];
    throw error;
  }
}

/**
 * User and system CPU time (all threads) of a process so far, in seconds, from
 * /proc/<pid>/stat: `user` is the process's own code (JavaScript, the addon, libc), `system`
 * the kernel's work for it (syscalls: for an echo server, mostly TCP). Throws when the
 * process is gone.
 */
export function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / clockTicks, system: Number(fields[12]) / clockTicks }; // utime, stime
}

/**
 * Times the main thread of a process has slept so far (voluntary context switches of
 * /proc/<pid>/task/<pid>/status): for an event loop, the waits in epoll that blocked. NaN when
 * the process is gone.
 */
export function sleeps(pid) {
  try {
    return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))[1]);
  } catch {
    return Number.NaN;
  }
}

/**
 * Times the main thread of a process was preempted so far (involuntary context switches of
 * /proc/<pid>/task/<pid>/status): taken off the CPU while it still had work, e.g. by a task its
 * own write woke on the same CPU. NaN when the process is gone.
 */
export function preemptions(pid) {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))[1]);
  } catch {
    return Number.NaN;
  }
}

/**
 * Every live thread of a process so far, by thread id: `user` and `system` CPU seconds
 * (/proc/<pid>/task/<tid>/stat's utime and stime), `sleeps` and `preemptions` (its voluntary
 * and involuntary context switches, /proc/<pid>/task/<tid>/status). A Map; empty when the
 * process is gone. Node names all its threads `node`, so the main thread (tid = pid) is the
 * only one told apart: the others are V8's platform workers (concurrent compilation, GC
 * helpers), libuv's thread pool, the signal and inspector threads.
 */
export function threadCounters(pid) {
  const threads = new Map();
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      threads.set(Number(tid), {
        user: Number(fields[11]) / clockTicks,
        system: Number(fields[12]) / clockTicks,
        sleeps: Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)[1]),
        preemptions: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)[1]),
      });
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return threads;
}

/**
 * Minor page faults of a process so far (/proc/<pid>/stat's minflt): each is a page the kernel
 * had to map (and zero) on first touch, e.g. after the allocator gave memory back. NaN when the
 * process is gone.
 */
export function minorFaults(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return NaN;
  }
}

/**
 * CPU time of a process so far, in seconds, with nanosecond resolution: the sum of
 * /proc/<pid>/task/<tid>/schedstat's time on CPU over its live threads (stat's utime + stime
 * count 10 ms ticks, too coarse for a benchmark that costs a few hundred ms). Falls back to
 * `cpuSeconds` where schedstat is missing. Threads that have exited are not counted.
 */
export function cpuSecondsFine(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return cpuSeconds(pid, NaN);
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return ns > 0 ? ns / 1e9 : cpuSeconds(pid, NaN);
}

/** ms a thread spent runnable without a CPU so far (/proc/.../schedstat's second field). */
export function runQueueMs(path) {
  try {
    return Number(readFileSync(path, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}
/** The same summed over a process's threads (wrk runs its load on a thread of its own). */
export function runQueueAllMs(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + (runQueueMs(`/proc/${pid}/task/${tid}/schedstat`) || 0), 0);
  } catch {
    return NaN;
  }
}
/** The VM's steal time so far, ms (all CPUs: /proc/stat's first line, eighth value). */
export const stealMs = () => (Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8]) * 1000) / clockTicks;

/** The CPU a thread last ran on (/proc/.../stat's processor field); NaN when it is gone. */
export function lastCpu(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  } catch {
    return NaN;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether 127.0.0.1:port accepts a connection now. */
export function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Tries 127.0.0.1:port every 50 ms, at most `attempts` times: true once it accepts a
 * connection, false when `child` has exited or every attempt failed.
 */
export async function waitForPort(port, child, attempts = 200) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await accepts(port)) return true;
    if (child.exitCode !== null) return false;
    await sleep(50);
  }
  return false;
}

/**
 * The environment the HTTP benchmarks start their servers (ours and the baselines alike) with:
 * glibc's heap trim threshold fixed at 64 MiB. By default glibc gives the top of its heap back
 * to the kernel once more than 128 KiB of it is free (a threshold that moves up for good the
 * first time a large mmap'd block is freed), and node:http's socket reads are 64 KiB `malloc`
 * blocks freed in bulk by each scavenge: so whether a node:http process pays ~100 page faults
 * per 1 MiB upload (re-mapping and zeroing the pages it gave back) or ~1 depends on that
 * process's allocation history, and its CPU per upload moved between 310 and 550 µs from one
 * server process to the next of the same build (this is why http-upload-gc.bench and
 * http.bench's upload row disagreed: 86–104 against 22–26 faults per request for node:http in
 * back-to-back runs, rt 0.1–0.6 in both). Fixed, every process gets the low-fault figure: the
 * baseline's best case, not a lucky or unlucky one.
 *
 * Fixing the trim threshold also turns off glibc's dynamic mmap threshold (glibc does so for any
 * of the two set by hand), which by default rises to the size of the largest mmap'd block freed
 * (up to 32 MiB on 64-bit): left at 128 KiB, every 1 MiB `malloc` a process cannot serve from
 * free heap is a fresh `mmap`, 256 page faults zeroed by the kernel and an `munmap` at its free.
 * rt's `arrayBuffer()` of a 1 MiB body paid that on every upload (256–269 faults per upload,
 * 918–1,730 µs against 429–488 for node:http, whose 1 MiB `Buffer` came from the free heap its
 * 64 KiB socket reads leave), a default glibc process only once. So the mmap threshold is fixed
 * too, at the dynamic rule's ceiling: every process gets what glibc converges to by itself.
 */
export const SERVER_ENV = { MALLOC_TRIM_THRESHOLD_: String(64 * 1024 * 1024), MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024) };

/**
 * Starts a server process on a known port; resolves once it accepts connections. `env`: added
 * to this process's environment for the child; `stderr`: 'pipe' to read the child's stderr.
 */
export async function startListening(name, command, args, port, env = undefined, stderr = 'inherit') {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', stderr], env: env === undefined ? process.env : { ...process.env, ...env } });
  child.stdout.resume();
  if (await waitForPort(port, child)) return { name, child, port };
  if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
  child.kill();
  throw new Error(`${name} did not start listening on ${port}`);
}

/** The spaces V8 counts as its old generation's objects (`OldGenerationSizeOfObjects`), as `--trace-gc-verbose` names them. */
const OLD_GENERATION_SPACE = /\] (?:Old|Code|Large object|Code large object|Trusted|Trusted large object|Map) space, +used: +([0-9]+) KB/;

/**
 * `startListening` with `--trace-gc` put before `args` (a Node server's arguments): the result's
 * `gc` counts the process's scavenges and mark-compacts as it prints them, and holds the V8 heap
 * in use and committed after the last one (`heapMb`, `committedMb`).
 * `oldGeneration: true` adds `--trace-gc-verbose --trace-incremental-marking`: `gc.oldGenerationKb`,
 * V8's old-generation objects after the last GC (old, code and large-object spaces: the size V8
 * compares with its 8 MiB incremental-marking activation threshold), `gc.overThreshold`, the GCs
 * that left it above 8 MiB, and `gc.limitMarkings`, incremental markings started on the
 * allocation limit (see the http README's "What flips Node 20's upload rows").
 */
export async function startTracingGc(name, command, args, port, env = undefined, { oldGeneration = false } = {}) {
  const flags = oldGeneration ? ['--trace-gc', '--trace-gc-verbose', '--trace-incremental-marking'] : ['--trace-gc'];
  const server = await startListening(name, command, [...flags, ...args], port, env);
  const gc = { scavenges: 0, markCompacts: 0, heapMb: NaN, committedMb: NaN, oldGenerationKb: NaN, overThreshold: 0, limitMarkings: 0 };
  let tail = '';
  let oldGenerationKb = 0;
  server.child.stdout.on('data', (chunk) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop();
    for (const line of lines) {
      if (oldGeneration) {
        const space = OLD_GENERATION_SPACE.exec(line);
        if (space !== null) {
          oldGenerationKb += Number(space[1]);
          continue;
        }
        if (line.includes('] All spaces, ')) {
          // The end of one GC's space list: the old generation it left.
          gc.oldGenerationKb = oldGenerationKb;
          if (oldGenerationKb > 8192) gc.overThreshold++;
          oldGenerationKb = 0;
          continue;
        }
        if (line.includes('[IncrementalMarking] Start (allocation limit)')) gc.limitMarkings++;
      }
      if (line.includes(': Scavenge ')) gc.scavenges++;
      else if (line.includes(': Mark-Compact ')) gc.markCompacts++;
      else continue;
      // "… MB: Scavenge 9.8 (27.2) -> 9.6 (27.2) MB": the heap in use (committed) after this GC.
      const after = /-> ([0-9.]+) \(([0-9.]+)\)/.exec(line);
      if (after !== null) {
        gc.heapMb = Number(after[1]);
        gc.committedMb = Number(after[2]);
      }
    }
  });
  return { ...server, gc };
}

/** Starts a server process that prints its port on its first stdout line; resolves with it. `env`: added to this process's environment. */
export async function startPrintingPort(name, command, args, env = undefined) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...(env === undefined ? {} : { env: { ...process.env, ...env } }) });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code})`)));
  });
  return { child, port };
}
