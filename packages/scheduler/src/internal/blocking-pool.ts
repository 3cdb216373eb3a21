// The blocking pool behind spawnBlocking: worker threads, created lazily up to
// maxBlockingThreads, each running one job at a time. A job is data (a module URL, an export
// name, structured-clonable arguments), because closures cannot cross threads.
//
// Workers start from an inline bootstrap (`eval: true`) that dynamically imports the job's
// module, so no bootstrap file has to be located on disk. An idle worker is unref'd (it never
// keeps the process alive) and exits after threadKeepAlive ms; idle workers are reused LIFO,
// so the warmest one (its module cache already loaded) runs the next job.
import type { TransferListItem, Worker } from 'node:worker_threads';
import type { RuntimeConfig } from '../builder.js';
import { describe } from './describe.js';
import type { Task } from './task.js';
import { RUNNING } from './task.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isAbsolute } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');
// node:worker_threads when the pool makes its first worker.

const bootstrap = `
'use strict';
const { parentPort } = require('node:worker_threads');
const modules = new Map();
function serialize(error) {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack, code: error.code };
  }
  return { value: error };
}
function post(result) {
  try {
    parentPort.postMessage(result);
  } catch (error) {
    parentPort.postMessage([false, serialize(error)]);
  }
}
async function load(url) {
  const module = await import(url);
  modules.set(url, module);
  return module;
}
async function finish(pending) {
  try {
    post([true, await pending]);
  } catch (error) {
    post([false, serialize(error)]);
  }
}
function call(module, exportName, url, args) {
  const fn = module[exportName];
  if (typeof fn !== 'function') {
    throw new TypeError('spawnBlocking: module ' + url + ' has no exported function ' + JSON.stringify(exportName) + ' (found ' + typeof fn + ')');
  }
  return fn(...args);
}
// A job is [url, exportName, args]; the answer is [true, value] or [false, error].
// Synchronous functions of an already loaded module answer without a microtask hop.
parentPort.on('message', (job) => {
  const url = job[0];
  try {
    const module = modules.get(url);
    if (module === undefined) {
      finish(load(url).then((loaded) => call(loaded, job[1], url, job[2])));
      return;
    }
    const value = call(module, job[1], url, job[2]);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') finish(value);
    else post([true, value]);
  } catch (error) {
    post([false, serialize(error)]);
  }
});
`;

export interface BlockingOptions {
  url: string;
  exportName: string;
  args: readonly unknown[];
  transferList: readonly TransferListItem[];
}

interface SerializedError {
  name?: string;
  message?: string;
  stack?: string;
  code?: unknown;
  value?: unknown;
}

function deserialize(error: SerializedError): unknown {
  if (error.message === undefined) return error.value;
  const result = new Error(error.message);
  if (error.name !== undefined) Object.defineProperty(result, 'name', { value: error.name, writable: true, configurable: true });
  if (error.stack !== undefined) result.stack = error.stack;
  if (error.code !== undefined) (result as Error & { code?: unknown }).code = error.code;
  return result;
}

class PoolWorker {
  readonly worker: Worker;
  task: Task | undefined = undefined;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  /** Whether the thread currently keeps the process alive (only while it runs a job). */
  referenced = true;

  constructor(readonly pool: BlockingPool) {
    this.worker = new (process.getBuiltinModule('node:worker_threads').Worker)(bootstrap, { eval: true });
    this.worker.on('message', (message: [boolean, unknown]) => pool.done(this, message));
    this.worker.on('error', (error) => pool.crashed(this, error));
    this.worker.on('exit', (code) => pool.crashed(this, new Error(`spawnBlocking: the worker thread exited with code ${code}`)));
  }
}

export class BlockingPool {
  private readonly all = new Set<PoolWorker>();
  private readonly idleWorkers: PoolWorker[] = [];
  private queue: { task: Task; job: BlockingOptions }[] = [];
  private queueHead = 0;
  busy = 0;
  private terminated = false;

  constructor(private readonly config: Readonly<RuntimeConfig>) {}

  get threads(): number {
    return this.all.size;
  }

  get idle(): number {
    return this.idleWorkers.length;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Jobs running or waiting for a thread. */
  get pending(): number {
    return this.busy + this.queued;
  }

  /** Checks a spawnBlocking call at once (TypeErrors name the bad value). */
  static validate(moduleUrl: unknown, exportName: unknown, args: unknown, options: unknown): BlockingOptions {
    if (typeof moduleUrl === 'function' || typeof exportName === 'function') {
      throw new TypeError(
        'spawnBlocking(moduleUrl, exportName, args) takes a module and the name of its exported function, not a function: ' +
          'closures cannot cross threads. Put the function in a module and pass e.g. ' +
          "spawnBlocking(new URL('./work.mjs', import.meta.url), 'work', [input]).",
      );
    }
    let url: string;
    if (moduleUrl instanceof URL) url = moduleUrl.href;
    else if (typeof moduleUrl === 'string' && /^(file|data|node):/.test(moduleUrl)) url = moduleUrl;
    else if (typeof moduleUrl === 'string' && isAbsolute(moduleUrl)) url = pathToFileURL(moduleUrl).href;
    else {
      throw new TypeError(
        `spawnBlocking: moduleUrl must be a URL (file:, data: or node:) or an absolute path, got ${describe(moduleUrl)}`,
      );
    }
    if (typeof exportName !== 'string' || exportName === '') {
      throw new TypeError(`spawnBlocking: exportName must be a non-empty string, got ${describe(exportName)}`);
    }
    if (args !== undefined && !Array.isArray(args)) {
      throw new TypeError(`spawnBlocking: args must be an array, got ${describe(args)}`);
    }
    const list = (args ?? []) as readonly unknown[];
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] === 'function') {
        throw new TypeError(`spawnBlocking: args[${i}] is ${describe(list[i])}; functions cannot cross threads`);
      }
    }
    let transferList: readonly TransferListItem[] = [];
    if (options !== undefined && options !== null && typeof options === 'object') {
      const given = (options as { transferList?: unknown }).transferList;
      if (given !== undefined && !Array.isArray(given)) {
        throw new TypeError(`spawnBlocking: options.transferList must be an array, got ${describe(given)}`);
      }
      if (given !== undefined) transferList = given as TransferListItem[];
    }
    return { url, exportName, args: list, transferList };
  }

  private readonly onAbortQueued = (task: Task): void => this.abortQueued(task);

  submit(task: Task, job: BlockingOptions): void {
    const worker = this.idleWorkers.pop() ?? (this.all.size < this.config.maxBlockingThreads ? this.spawnWorker() : undefined);
    if (worker !== undefined) return this.dispatch(worker, task, job);
    task.onAbort = this.onAbortQueued;
    this.queue.push({ task, job });
  }

  private spawnWorker(): PoolWorker {
    const worker = new PoolWorker(this);
    this.all.add(worker);
    return worker;
  }

  private dispatch(worker: PoolWorker, task: Task, job: BlockingOptions): void {
    if (worker.idleTimer !== undefined) {
      clearTimeout(worker.idleTimer);
      worker.idleTimer = undefined;
    }
    task.state = RUNNING;
    task.onAbort = undefined;
    worker.task = task;
    this.busy++;
    if (!worker.referenced) {
      worker.referenced = true;
      worker.worker.ref();
    }
    try {
      worker.worker.postMessage([job.url, job.exportName, job.args], job.transferList as TransferListItem[]);
    } catch (error) {
      // Not structured-clonable: the job fails, the worker stays usable.
      worker.task = undefined;
      this.busy--;
      task.finishError(error);
      this.release(worker);
    }
  }

  private abortQueued(task: Task): void {
    const index = this.queue.findIndex((entry, i) => i >= this.queueHead && entry.task === task);
    if (index >= 0) this.queue.splice(index, 1);
    task.finishCancelled();
  }

  done(worker: PoolWorker, message: [boolean, unknown]): void {
    const task = worker.task;
    worker.task = undefined;
    this.busy--;
    if (task !== undefined) {
      if (message[0]) task.finishValue(message[1]);
      else task.finishError(deserialize((message[1] ?? {}) as SerializedError));
    }
    this.release(worker);
  }

  /** A worker is free: give it the next queued job, or park it as idle (unref'd, with a keep-alive timer). */
  private release(worker: PoolWorker): void {
    if (this.terminated) return;
    const next = this.queueHead < this.queue.length ? this.queue[this.queueHead++] : undefined;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    if (next !== undefined) return this.dispatch(worker, next.task, next.job);
    worker.referenced = false;
    worker.worker.unref();
    this.idleWorkers.push(worker);
    worker.idleTimer = setTimeout(() => this.retire(worker), this.config.threadKeepAlive);
    worker.idleTimer.unref();
  }

  private retire(worker: PoolWorker): void {
    const index = this.idleWorkers.indexOf(worker);
    if (index >= 0) this.idleWorkers.splice(index, 1);
    this.all.delete(worker);
    worker.idleTimer = undefined;
    void worker.worker.terminate();
  }

  /** A worker died (an uncaught error, process.exit in the job, or termination). */
  crashed(worker: PoolWorker, error: unknown): void {
    if (!this.all.delete(worker)) return;
    if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer);
    const index = this.idleWorkers.indexOf(worker);
    if (index >= 0) this.idleWorkers.splice(index, 1);
    const task = worker.task;
    worker.task = undefined;
    if (task !== undefined) {
      this.busy--;
      task.finishError(error);
    }
    void worker.worker.terminate();
    // Keep the queue moving on a fresh thread.
    if (!this.terminated && this.queueHead < this.queue.length && this.all.size < this.config.maxBlockingThreads) {
      this.release(this.spawnWorker());
    }
  }

  /** Runtime shutdown: queued and running jobs end as cancelled, every thread is terminated. */
  terminate(reason: unknown): void {
    if (this.terminated) return;
    this.terminated = true;
    const queue = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const { task } of queue) {
      task.cancelReason ??= reason;
      task.finishCancelled();
    }
    for (const worker of this.all) {
      if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer);
      const task = worker.task;
      worker.task = undefined;
      if (task !== undefined) {
        task.cancelReason ??= reason;
        task.finishCancelled();
      }
      void worker.worker.terminate();
    }
    this.all.clear();
    this.idleWorkers.length = 0;
    this.busy = 0;
  }
}
