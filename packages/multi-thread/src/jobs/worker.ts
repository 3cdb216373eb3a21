// The worker half of the 'rt.jobs' service: the loop that takes jobs (pinned inbox, local
// queue, injector, steals), runs each as a task of the worker's runtime, sends results back,
// and parks on the eventfd waker when there is nothing to do.
//
// How and why
// -----------
// One job starts per macrotask turn (setImmediate): the job's task starts on the next
// microtask, so a synchronous (CPU-bound) export runs to its end before the loop looks at the
// queues again, and the jobs still queued stay visible to thieves meanwhile. Order of
// looking, Tokio's: every `globalQueueInterval`-th job the injector first (fairness), then the
// inbox of pinned jobs, the local queue, a batch from the injector, and last a steal of half
// of another worker's local queue, trying each worker once from a rotating start.
//
// Parking: with nothing found the worker sets its PARKED word, looks at every queue once
// more (a job pushed before the mark is seen here; one pushed after finds the mark and
// wakes us), and sleeps in epoll on its eventfd (registered with the worker runtime's one
// reactor, `Reactor.current()`, as a wait that does not keep the thread alive). Without
// the addon it waits with Atomics.waitAsync on its WAKE word instead.
import { performance } from 'node:perf_hooks';
import { Handle, JoinError, currentTask, type JoinHandle } from '@rt/scheduler';
import { Interest, Waker, sys, available as nativeAvailable } from '@rt/mio-native';
import { Reactor } from '@rt/reactor';
import type { ReadyCallback, ReadyEvent, Registration } from '@rt/reactor';
import type { WorkerContext, WorkerService, WorkerServiceStarter } from '../internal/contract.js';
import { encodeTransferables, decodeTransferables } from '../channels/transfer.js';
// Registers the channel ends' kinds, so job arguments can hold them whatever the job module imports.
import '../channels/index.js';
import { JOB_ID, SPAWNER, FLAGS, FLAG_SHARED, CANCELLED, stateOf } from './job-arena.js';
import { decodePayload, restoreShared } from './job-payload.js';
import { JobsClientImpl, errorToData, type JobResultMessage, type JobResultsMessage, type JobAbortMessage } from './jobs-client.js';
import { JobsShared, W_ALIVE, W_EVENTFD, W_RUN, W_RUNNING, W_STEALS, W_STOLEN, W_WAKE, type JobsSharedBuffers } from './jobs-shared.js';
import { JOBS_SERVICE } from './service-name.js';

// Node 20 has Atomics.waitAsync; the ES2023 lib does not declare it.
const MAX_PER_TURN = 32;

const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

const CLIENT = Symbol.for('rt.multi-thread.jobsClient');
type Holder = { [CLIENT]?: JobsClientImpl };

/** @internal This worker thread's jobs client (undefined outside workers). */
export function workerJobsClient(): JobsClientImpl | undefined {
  return (globalThis as Holder)[CLIENT];
}

/** @internal Starts the jobs service in a worker (before the entry runs). */
export const startJobsWorker: WorkerServiceStarter = (ctx: WorkerContext): WorkerService => {
  const buffers = ctx.data(JOBS_SERVICE) as JobsSharedBuffers | undefined;
  if (buffers === undefined) return {};
  return new JobsWorker(ctx, buffers);
};

class JobsWorker implements WorkerService {
  readonly #ctx: WorkerContext;
  readonly #index: number;
  readonly #shared: JobsShared;
  readonly #client: JobsClientImpl;
  readonly #runtime: Handle;
  readonly #running = new Map<number, JoinHandle<unknown>>();
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();
  readonly #loaded = new Map<string, Record<string, unknown>>();
  readonly #batch: number[] = [];
  readonly #stolen = { count: 0 };
  readonly #maxRunning: number;
  #waker: { readonly registration: Registration; readonly wait: ReadyCallback } | undefined;
  #eventfd = -1;
  readonly #drainBuffer = Buffer.alloc(8);
  #ticks = 0;
  /** Jobs started per turn: grows while turns are short, shrinks when they are long. */
  #perTurn = 1;
  #turnStart = 0;
  #outbox: JobResultMessage[] = [];
  #flushScheduled = false;
  #scheduled = false;
  #stopped = false;
  #victim = 0;

  constructor(ctx: WorkerContext, buffers: JobsSharedBuffers) {
    this.#ctx = ctx;
    this.#index = ctx.index;
    const shared = new JobsShared(buffers, ctx.index + 1);
    this.#shared = shared;
    this.#maxRunning = Math.max(1, buffers.capacity);
    this.#runtime = Handle.tryCurrent() ?? Handle.current();
    shared.wake = (i) => this.#wake(i);
    this.#client = new JobsClientImpl(shared, this.#index, {
      abort: (runner, id) => {
        if (runner === this.#index) this.#abortLocal(id);
        else ctx.send(JOBS_SERVICE, { t: 'abort', runner, id } satisfies JobAbortMessage);
      },
      stash: (id, shared) => ctx.call(JOBS_SERVICE, { t: 'stash', id, shared }),
    });
    (globalThis as Holder)[CLIENT] = this.#client;
    ctx.onMessage(JOBS_SERVICE, (payload) => {
      const message = payload as JobResultMessage | JobResultsMessage | JobAbortMessage;
      if (message.t === 'results') for (const result of message.list) this.#client.deliver(result);
      else if (message.t === 'result') this.#client.deliver(message);
      else if (message.t === 'abort') this.#abortLocal(message.id);
    });
    this.#victim = (this.#index + 1) % shared.count;
    this.#startWaker();
    shared.setWord(this.#index, W_ALIVE, 1);
    this.#schedule();
  }

  #startWaker(): void {
    const fd = this.#shared.word(this.#index, W_EVENTFD);
    if (fd >= 0 && nativeAvailable) {
      let registration: Registration | undefined;
      try {
        registration = Reactor.current().register(fd, Interest.READABLE);
        const wait = registration.readyCallback(
          Interest.READABLE,
          (event) => {
            this.#drainWaker(event);
            this.#armWaker();
          },
          () => {
            // The runtime's reactor closed: the worker is shutting down.
          },
          { keepAlive: false },
        );
        this.#waker = { registration, wait };
        this.#eventfd = fd;
        this.#armWaker();
        return;
      } catch {
        this.#waker = undefined;
        try {
          registration?.deregister();
        } catch {
          // Not registered after all.
        }
      }
    }
    this.#waitAsync();
  }

  /** Arms the eventfd's wait; readiness already cached (a wake before the wait) is drained first. */
  #armWaker(): void {
    const waker = this.#waker;
    if (waker === undefined || !waker.registration.isRegistered) return;
    for (let event = waker.wait.arm(); event !== null; event = waker.wait.arm()) this.#drainWaker(event);
  }

  /** Resets the eventfd's counter, clears its readiness and schedules a turn. */
  #drainWaker(event: ReadyEvent): void {
    while (sys.read(this.#eventfd, this.#drainBuffer) > 0) {
      // Drained: the counter is reset.
    }
    this.#waker?.registration.clearReadiness(event);
    this.#schedule();
  }

  #waitAsync(): void {
    const words = this.#shared.workers;
    const at = this.#shared.wordIndex(this.#index, W_WAKE);
    const loop = (): void => {
      if (this.#stopped) return;
      Atomics.store(words, at, 0);
      const result = waitAsync(words, at, 0);
      if (result.async) {
        void (result.value as Promise<string>).then(() => {
          this.#schedule();
          loop();
        });
      } else {
        this.#schedule();
        setImmediate(loop);
      }
    };
    loop();
  }

  #wake(i: number): void {
    const shared = this.#shared;
    const fd = shared.word(i, W_EVENTFD);
    if (fd >= 0 && nativeAvailable) {
      try {
        Waker.wakeFd(fd);
        return;
      } catch {
        // Closed under us (the runtime is shutting down): fall through to the WAKE word.
      }
    }
    shared.setWord(i, W_WAKE, 1);
    Atomics.notify(shared.workers, shared.wordIndex(i, W_WAKE));
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(this.#tick);
  }

  readonly #tick = (): void => {
    this.#scheduled = false;
    if (this.#stopped) return;
    if (this.#running.size >= this.#maxRunning) return; // a finishing job reschedules
    // Adapt the jobs started per turn so that a turn (those jobs' synchronous part plus the
    // loop's other work) stays between 0.25 and 1 ms: cheap jobs share one turn, and the jobs
    // a worker holds (claimed, no longer stealable) stay worth about a millisecond.
    const now = performance.now();
    if (this.#turnStart > 0) {
      const elapsed = now - this.#turnStart;
      if (elapsed < 0.25) this.#perTurn = Math.min(this.#perTurn * 2, MAX_PER_TURN);
      else if (elapsed > 1) this.#perTurn = Math.max(1, this.#perTurn >> 1);
    }
    this.#turnStart = now;
    const shared = this.#shared;
    let started = 0;
    while (started < this.#perTurn && this.#running.size < this.#maxRunning) {
      const slot = this.#next();
      if (slot < 0) {
        if (started > 0) break;
        this.#turnStart = 0;
        this.#park();
        return;
      }
      if (shared.arena.claim(slot, this.#index)) {
        this.#start(slot);
        started++;
        continue;
      }
      // Not QUEUED: aborted while queued. Whoever dequeues a cancelled slot frees it.
      if (stateOf(shared.arena.state(slot)) === CANCELLED) {
        if ((shared.arena.field(slot, FLAGS) & FLAG_SHARED) !== 0) this.#ctx.send(JOBS_SERVICE, { t: 'drop', id: shared.arena.field(slot, JOB_ID) });
        shared.arena.free(slot);
      }
    }
    this.#schedule();
  };

  #next(): number {
    const shared = this.#shared;
    const index = this.#index;
    const local = shared.locals[index]!;
    this.#ticks++;
    let slot: number;
    if (this.#ticks % shared.interval === 0) {
      slot = shared.injector.pop();
      if (slot >= 0) return slot;
    }
    slot = shared.inboxes[index]!.pop();
    if (slot >= 0) return slot;
    slot = local.pop();
    if (slot >= 0) return slot;
    // A batch from the injector: a fair share, at most half a local queue.
    const waiting = shared.injector.length;
    if (waiting > 0) {
      const batch = this.#batch;
      batch.length = 0;
      const share = Math.max(1, Math.min(local.capacity / 2, Math.ceil(waiting / shared.count)));
      const n = shared.injector.popBatch(batch, share);
      if (n > 0) {
        for (let i = 1; i < n; i++) local.push(batch[i]!, shared.injector);
        if (n > 1) shared.notifyOne(index);
        return batch[0]!;
      }
    }
    // Steal half of someone's local queue.
    if (shared.count > 1) {
      shared.beginSearch();
      try {
        for (let k = 0; k < shared.count; k++) {
          const victim = (this.#victim + k) % shared.count;
          if (victim === index) continue;
          slot = shared.locals[victim]!.stealInto(local, this.#stolen);
          if (slot >= 0) {
            this.#victim = (victim + 1) % shared.count;
            shared.addWord(index, W_STEALS, 1);
            shared.addWord(index, W_STOLEN, this.#stolen.count);
            break;
          }
        }
      } finally {
        shared.endSearch();
      }
      // Found more than one: let another parked worker search too (Tokio's rule).
      if (slot >= 0) {
        if (this.#stolen.count > 1) shared.notifyOne(index);
        return slot;
      }
    }
    return -1;
  }

  #hasWork(): boolean {
    const shared = this.#shared;
    if (shared.inboxes[this.#index]!.length > 0 || shared.injector.length > 0 || !shared.locals[this.#index]!.isEmpty()) return true;
    for (let i = 0; i < shared.count; i++) if (i !== this.#index && !shared.locals[i]!.isEmpty()) return true;
    return false;
  }

  #park(): void {
    const shared = this.#shared;
    shared.park(this.#index);
    if (this.#hasWork()) {
      shared.unpark(this.#index);
      this.#schedule();
    }
    // Else the eventfd (or WAKE word) wakes us: whoever clears PARKED writes to it.
  }

  #start(slot: number): void {
    const shared = this.#shared;
    const arena = shared.arena;
    const index = this.#index;
    const id = arena.field(slot, JOB_ID);
    const spawner = arena.field(slot, SPAWNER);
    const hasShared = (arena.field(slot, FLAGS) & FLAG_SHARED) !== 0;
    shared.addWord(index, W_RUN, 1);
    shared.addWord(index, W_RUNNING, 1);
    let payload: unknown;
    try {
      payload = arena.readPayload(slot, decodePayload);
    } catch (error) {
      this.#finish(slot, id, spawner, 'panic', errorToData(error));
      return;
    }
    let task: JoinHandle<unknown>;
    try {
      task = this.#runtime.spawn(() => this.#run(id, payload, hasShared), { name: `job ${id}` });
    } catch (error) {
      this.#finish(slot, id, spawner, 'shutdown', errorToData(error));
      return;
    }
    this.#running.set(id, task);
    task.then(
      (value) => this.#finish(slot, id, spawner, 'ok', value),
      (error: unknown) => {
        if (error instanceof JoinError && error.isCancelled()) this.#finish(slot, id, spawner, 'cancelled', errorToData(error.cause));
        else this.#finish(slot, id, spawner, 'panic', errorToData(error instanceof JoinError ? error.cause : error));
      },
    );
  }

  async #run(id: number, payload: unknown, hasShared: boolean): Promise<unknown> {
    if (hasShared) payload = restoreShared(payload, (await this.#ctx.call(JOBS_SERVICE, { t: 'shared', id })) as SharedArrayBuffer[]);
    const [href, exportName, encoded] = payload as [string, string, unknown];
    const module = this.#loaded.get(href) ?? (await this.#import(href));
    const args = decodeTransferables(encoded) as unknown[];
    const fn = module[exportName];
    if (typeof fn !== 'function') throw new TypeError(`job ${id}: ${href} has no function export ${JSON.stringify(exportName)}`);
    const task = currentTask();
    const worker = this.#index;
    // The signal is made on first use: most jobs never look at it.
    const context = {
      get signal(): AbortSignal {
        return task.signal;
      },
      id,
      worker,
    };
    return await (fn as (...a: unknown[]) => unknown)(context, ...args);
  }

  #import(href: string): Promise<Record<string, unknown>> {
    let module = this.#modules.get(href);
    if (module === undefined) {
      module = import(href) as Promise<Record<string, unknown>>;
      this.#modules.set(href, module);
      module.then(
        (loaded) => this.#loaded.set(href, loaded),
        // A failed import is retried by the next job naming it.
        () => this.#modules.delete(href),
      );
    }
    return module;
  }

  #finish(slot: number, id: number, spawner: number, kind: JobResultMessage['kind'], value: unknown): void {
    const shared = this.#shared;
    this.#running.delete(id);
    shared.addWord(this.#index, W_RUNNING, -1);
    shared.arena.free(slot);
    let message: JobResultMessage;
    try {
      message = { t: 'result', id, to: spawner, worker: this.#index, kind, value: kind === 'ok' ? encodeTransferables(value) : value };
      this.#deliver(message);
    } catch (error) {
      message = { t: 'result', id, to: spawner, worker: this.#index, kind: 'panic', value: errorToData(new TypeError(`job ${id}: its result cannot be cloned: ${(error as Error).message}`)) };
      this.#deliver(message);
    }
    if (this.#running.size === this.#maxRunning - 1) this.#schedule();
  }

  #deliver(message: JobResultMessage): void {
    if (message.to === this.#index) {
      // structured-clone semantics for a result that stays in this thread
      this.#client.deliver(message.kind === 'ok' ? { ...message, value: structuredClone(message.value) } : message);
      return;
    }
    // Results leave in one message per turn (the supervisor routes each).
    this.#outbox.push(message);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const batch = this.#outbox;
    if (batch.length === 0) return;
    this.#outbox = [];
    if (batch.length > 1) {
      try {
        this.#ctx.send(JOBS_SERVICE, { t: 'results', list: batch } satisfies JobResultsMessage);
        return;
      } catch {
        // One of them cannot be cloned: send them one by one.
      }
    }
    for (const message of batch) this.#sendOne(message);
  };

  #sendOne(message: JobResultMessage): void {
    try {
      this.#ctx.send(JOBS_SERVICE, message);
    } catch (error) {
      try {
        this.#ctx.send(JOBS_SERVICE, { ...message, kind: 'panic', value: errorToData(new TypeError(`job ${message.id}: its result cannot be cloned: ${(error as Error).message}`)) });
      } catch {
        // The control channel is closed (shutdown): the spawner fails the job itself.
      }
    }
  }

  #abortLocal(id: number): void {
    this.#running.get(id)?.abort();
  }

  shutdown(): void {
    if (this.#stopped) return;
    this.#flush();
    this.#stopped = true;
    const shared = this.#shared;
    shared.setWord(this.#index, W_ALIVE, 0);
    shared.unpark(this.#index);
    try {
      this.#waker?.registration.deregister(); // the eventfd is the supervisor's: not closed here
    } catch {
      // The reactor closed first (the runtime shut down).
    }
    this.#waker = undefined;
    // Queued jobs go back to the injector, for the workers still running (or the supervisor).
    const left: number[] = [];
    shared.locals[this.#index]!.drainAll(left);
    if (left.length > 0) shared.injector.pushBatch(left, left.length);
    for (const task of this.#running.values()) task.abort();
    this.#client.close();
    if (workerJobsClient() === this.#client) delete (globalThis as Holder)[CLIENT];
  }
}

