// The bootstrap every worker thread of a multi-thread runtime runs (dist/internal/worker-main.js,
// started by the supervisor in src/runtime/multi-thread-runtime.ts).
//
// 1. Builds this worker's current-thread runtime (`${name}-worker-${index}`, I/O and time
//    enabled: its own epoll and timer wheel) and sets `currentWorker()`.
// 2. Starts the worker halves of the services (src/internal/services.ts) inside a task of that
//    runtime, then tells the supervisor it is `ready`.
// 3. For each `run` post: imports the entry and runs the export as the runtime's main task
//    with `{ index, count, signal }` + args, and reports the value or the error (`finished`).
// 4. On `shutdown`: aborts the entry's signal, shuts the runtime down (its tasks are aborted
//    and get `timeout` ms to unwind, its drivers close), shuts the services down in reverse
//    order, reports `stopped` with whatever is still open, and lets go of the control port,
//    so the thread ends by itself once nothing is left. It never calls `process.exit()`: if
//    something is left open, the supervisor terminates the thread after its timeout and says
//    so.
//
// An exception that escapes (a starter throws, a throw in a timer) is left uncaught on
// purpose: the supervisor sees it as the Worker's 'error' event, which is a crash.
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { Builder, RuntimeShutdown } from '@rt/scheduler';
import { decodeTransferables, encodeTransferables } from '../channels/transfer.js';
import { setCurrentWorker } from '../runtime/current-worker.js';
import type { WorkerContext, WorkerService, WorkerServiceStarter } from './contract.js';
import {
  RUNTIME_SERVICE,
  describeValue,
  reviveError,
  serializeError,
  type ControlMessage,
  type RuntimePost,
  type RuntimeSend,
  type WorkerBoot,
} from './control.js';
import { workerServices } from './services.js';
import { PUBLISH_INTERVAL, publishHistograms } from './worker-histograms.js';

if (parentPort === null) {
  throw new Error('@rt/multi-thread: worker-main runs only inside a worker thread started by a MultiThreadRuntime');
}
const port = parentPort;
const boot = workerData as WorkerBoot;
const { index, count, runtimeName, config } = boot;

const builder = Builder.currentThread().enableAll().name(runtimeName).unhandledError(config.unhandledError).eventInterval(config.eventInterval);
if (config.instrument !== undefined) builder.instrument(config.instrument);
const runtime = builder.build();
/** An instrumented runtime's histograms, copied to shared memory for the supervisor's metrics(). */
function publish(): void {
  const histograms = runtime.handle.metrics().histograms;
  if (histograms !== undefined) publishHistograms(boot.histograms, index, histograms);
}
const publisher = runtime.handle.instrumented ? setInterval(publish, PUBLISH_INTERVAL).unref() : undefined;
const controller = new AbortController();
const services: WorkerService[] = [];
const handlers = new Map<string, (payload: unknown) => void>();
/** Posts that arrived before their service registered a handler. */
const early = new Map<string, unknown[]>();
const calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
let nextCall = 1;
let stopping = false;
let stopped = false;
/** Entries running now (their end reports what happened to them). */
let entriesRunning = 0;

function sendRuntime(payload: RuntimeSend): void {
  const message: ControlMessage = { service: RUNTIME_SERVICE, kind: 'send', payload };
  port.postMessage(message);
}

function serviceName(service: unknown, what: string): string {
  if (typeof service !== 'string' || service === '') {
    throw new TypeError(`WorkerContext.${what}: service must be a non-empty string, got ${describeValue(service)}`);
  }
  if (service === RUNTIME_SERVICE) throw new TypeError(`WorkerContext.${what}: the service name ${JSON.stringify(RUNTIME_SERVICE)} is reserved`);
  return service;
}

function reportError(what: string, error: unknown): void {
  sendRuntime({ op: 'error', what, error: serializeError(error) });
}

const context: WorkerContext = Object.freeze({
  index,
  count,
  runtimeName,
  config,
  data(service: string): unknown {
    return boot.services[serviceName(service, 'data')];
  },
  call(service: string, payload: unknown, transfer?: readonly TransferListItem[]): Promise<unknown> {
    const name = serviceName(service, 'call');
    if (stopped) return Promise.reject(new RuntimeShutdown(`worker ${index} of ${runtimeName} has stopped`));
    const id = nextCall++;
    return new Promise<unknown>((resolve, reject) => {
      calls.set(id, { resolve, reject });
      try {
        const message: ControlMessage = { service: name, kind: 'call', id, payload };
        port.postMessage(message, transfer);
      } catch (error) {
        calls.delete(id);
        reject(error);
      }
    });
  },
  send(service: string, payload: unknown, transfer?: readonly TransferListItem[]): void {
    const name = serviceName(service, 'send');
    if (stopped) throw new RuntimeShutdown(`worker ${index} of ${runtimeName} has stopped`);
    const message: ControlMessage = { service: name, kind: 'send', payload };
    port.postMessage(message, transfer);
  },
  onMessage(service: string, handler: (payload: unknown) => void): void {
    const name = serviceName(service, 'onMessage');
    if (typeof handler !== 'function') throw new TypeError(`WorkerContext.onMessage: handler must be a function, got ${describeValue(handler)}`);
    if (handlers.has(name)) throw new TypeError(`WorkerContext.onMessage: service ${JSON.stringify(name)} already has a handler`);
    handlers.set(name, handler);
    const queued = early.get(name);
    if (queued === undefined) return;
    early.delete(name);
    for (const payload of queued) deliver(name, handler, payload);
  },
});

function deliver(service: string, handler: (payload: unknown) => void, payload: unknown): void {
  try {
    handler(payload);
  } catch (error) {
    reportError(`service ${service}: its message handler threw`, error);
  }
}

// The runtime can shut itself down (unhandledError: 'shutdown'); when no entry is running to
// report it, this extension (shut down with the runtime) does: the worker has crashed.
runtime.handle.extension(Symbol('rt.multi-thread.worker-watch'), () => ({
  shutdown(): void {
    if (stopping || entriesRunning > 0) return;
    const error = new Error(
      `the worker's runtime ${JSON.stringify(runtimeName)} shut itself down after an unhandled task error (unhandledError: 'shutdown'; the error is on stderr)`,
    );
    sendRuntime({ op: 'failed', error: serializeError(error) });
  },
}));

const ready: Promise<void> = (async () => {
  setCurrentWorker(context);
  const starters: WorkerServiceStarter[] = workerServices.map(([, start]) => start);
  for (const extra of boot.extraServices) {
    const start = ((await import(extra.module)) as Record<string, unknown>)[extra.exportName];
    if (typeof start !== 'function') {
      throw new TypeError(`service ${extra.name}: ${extra.module} has no exported function ${JSON.stringify(extra.exportName)} (found ${describeValue(start)})`);
    }
    starters.push(start as WorkerServiceStarter);
  }
  await runtime.spawn(
    () => {
      for (const start of starters) services.push(start(context));
    },
    { name: 'rt.services' },
  );
  sendRuntime({ op: 'ready' });
})();
ready.catch((error: unknown) => {
  // A service that cannot start is a crash of this worker (fatal: it happened before ready).
  const cause = (error as { isPanic?: () => boolean; cause?: unknown }).isPanic?.() === true ? (error as { cause: unknown }).cause : error;
  setImmediate(() => {
    throw cause;
  });
});

async function run(post: RuntimePost & { op: 'run' }): Promise<void> {
  try {
    await ready;
  } catch {
    return;
  }
  if (stopping) return;
  let phase: 'load' | 'run' = 'load';
  let value: unknown;
  entriesRunning++;
  try {
    value = await runtime.run(async () => {
      const module = (await import(post.entry)) as Record<string, unknown>;
      const fn = module[post.exportName];
      if (typeof fn !== 'function') {
        throw new TypeError(`the entry ${post.entry} has no exported function ${JSON.stringify(post.exportName)} (found ${describeValue(fn)})`);
      }
      const args = decodeTransferables(post.args);
      phase = 'run';
      return (fn as (...args: unknown[]) => unknown)({ index, count, signal: controller.signal }, ...(args as unknown[]));
    });
  } catch (error) {
    sendRuntime({ op: 'finished', run: post.run, ok: false, phase, cancelled: stopping, error: serializeError(error) });
    return;
  } finally {
    entriesRunning--;
  }
  try {
    sendRuntime({ op: 'finished', run: post.run, ok: true, value: encodeTransferables(value) });
  } catch (error) {
    const reason = new TypeError(`the value the entry returned cannot be sent to the main thread: ${(error as Error)?.message ?? String(error)}`);
    sendRuntime({ op: 'finished', run: post.run, ok: false, phase: 'run', cancelled: false, error: serializeError(reason) });
  }
}

async function stop(timeout: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await ready;
  } catch {
    // the crash is on its way to the supervisor; stop what exists anyway
  }
  controller.abort(new RuntimeShutdown(`runtime ${JSON.stringify(runtimeName)} is shutting down`));
  if (publisher !== undefined) {
    clearInterval(publisher);
    publish(); // the last figures stay readable after the worker stops
  }
  await runtime.shutdown({ timeout });
  for (const service of services.reverse()) {
    try {
      await service.shutdown?.();
    } catch (error) {
      reportError('a service failed to shut down', error);
    }
  }
  stopped = true;
  for (const [id, call] of calls) {
    calls.delete(id);
    call.reject(new RuntimeShutdown(`worker ${index} of ${runtimeName} has stopped`));
  }
  setCurrentWorker(undefined);
  const resources = process.getActiveResourcesInfo().filter((resource) => resource !== 'MessagePort');
  sendRuntime({ op: 'stopped', resources });
  port.removeAllListeners('message');
  port.removeAllListeners('messageerror');
  port.unref();
}

function answer(message: ControlMessage): void {
  const payload = message.payload as { op?: unknown } | undefined;
  let reply: ControlMessage;
  if (payload?.op === 'dump') {
    const dump = runtime.dump();
    reply = { service: RUNTIME_SERVICE, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), payload: { runtime: dump.runtime, tasks: dump.tasks } };
  } else if (payload?.op === 'stats') {
    const handle = runtime.handle;
    const histograms = handle.metrics().histograms;
    if (histograms !== undefined) publishHistograms(boot.histograms, index, histograms);
    const stats = { runtime: runtimeName, instrumented: handle.instrumented, tasks: handle.taskStats(), warnings: handle.warnings(), histograms };
    reply = { service: RUNTIME_SERVICE, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), payload: stats };
  } else {
    const error = new TypeError(`worker ${index}: unknown runtime request ${describeValue(payload?.op)}`);
    reply = { service: RUNTIME_SERVICE, kind: 'reply', ...(message.id === undefined ? {} : { id: message.id }), error: serializeError(error) };
  }
  port.postMessage(reply);
}

function onMessage(message: ControlMessage): void {
  if (message.kind === 'reply') {
    const call = message.id === undefined ? undefined : calls.get(message.id);
    if (call === undefined || message.id === undefined) return;
    calls.delete(message.id);
    if (message.error !== undefined) call.reject(reviveError(message.error));
    else call.resolve(message.payload);
    return;
  }
  if (message.service === RUNTIME_SERVICE) {
    if (message.kind === 'call') {
      answer(message);
      return;
    }
    const post = message.payload as RuntimePost;
    if (post.op === 'run') void run(post);
    else if (post.op === 'shutdown') void stop(post.timeout);
    return;
  }
  if (message.kind !== 'post') return;
  const handler = handlers.get(message.service);
  if (handler !== undefined) {
    deliver(message.service, handler, message.payload);
    return;
  }
  let queued = early.get(message.service);
  if (queued === undefined) early.set(message.service, (queued = []));
  queued.push(message.payload);
}

port.on('message', onMessage);
port.on('messageerror', (error: unknown) => reportError('a message from the supervisor could not be deserialized; dropped', error));
