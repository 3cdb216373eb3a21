// The supervisor half of the 'rt.jobs' service: owns the shared memory and the eventfd
// wakers, spawns from the main thread (into the injector), routes results and aborts between
// workers, and reclaims what a crashed worker held.
import { Waker, available as nativeAvailable } from '@rt/mio-native';
import type { MultiThreadConfig, SupervisorHost, SupervisorService } from '../internal/contract.js';
import { FLAGS, FLAG_QUEUED, JOB_ID, QUEUED, RUNNING, SPAWNER, runnerOf, stateOf } from './job-arena.js';
import { JobsClientImpl, type JobAbortMessage, type JobResultMessage, type JobResultsMessage } from './jobs-client.js';
import { JobsShared, W_ALIVE, W_EVENTFD, W_RUNNING, W_WAKE } from './jobs-shared.js';
import { JOBS_SERVICE } from './service-name.js';
import type { JobsClient } from './types.js';

export { JOBS_SERVICE };

/** The next power of two ≥ n (local queue capacities are powers of two). */
function powerOfTwo(n: number): number {
  let p = 2;
  while (p < n && p < 0x8000) p *= 2;
  return p;
}

/** @internal Creates the main-thread half of the jobs service; `client` backs `runtime.spawnOn`. */
export function createJobsService(config: MultiThreadConfig): SupervisorService & { readonly client: JobsClient } {
  const count = config.workerThreads;
  const buffers = JobsShared.create(count, powerOfTwo(config.localQueueCapacity), Math.max(1, config.globalQueueInterval));
  const shared = new JobsShared(buffers, 0);
  const wakers: (Waker | undefined)[] = new Array<Waker | undefined>(count).fill(undefined);
  let host: SupervisorHost | undefined;

  const ensureWaker = (i: number): void => {
    if (wakers[i] !== undefined || !nativeAvailable) return;
    try {
      const waker = new Waker();
      wakers[i] = waker;
      shared.setWord(i, W_EVENTFD, waker.fd);
    } catch {
      // No eventfd: that worker waits with Atomics.waitAsync.
    }
  };
  const closeWaker = (i: number): void => {
    shared.setWord(i, W_EVENTFD, -1);
    wakers[i]?.close();
    wakers[i] = undefined;
  };
  shared.wake = (i) => {
    const waker = wakers[i];
    if (waker !== undefined) {
      try {
        waker.wake();
        return;
      } catch {
        // closed: fall through
      }
    }
    shared.setWord(i, W_WAKE, 1);
    Atomics.notify(shared.workers, shared.wordIndex(i, W_WAKE));
  };

  // SharedArrayBuffers that queued jobs refer to (see job-payload.ts), by job id.
  const parked = new Map<number, SharedArrayBuffer[]>();
  const client = new JobsClientImpl(shared, -1, {
    abort: (runner, id) => host?.post(runner, JOBS_SERVICE, { t: 'abort', runner, id } satisfies JobAbortMessage),
    stash: (id, buffers) => {
      parked.set(id, buffers);
      return undefined;
    },
  });

  const route = (message: JobResultMessage): void => {
    if (message.to < 0) client.deliver(message);
    else host?.post(message.to, JOBS_SERVICE, message);
  };

  /** Routes a batch: results for the main thread settle here, the others go on in one post per worker. */
  const routeAll = (list: readonly JobResultMessage[]): void => {
    let byWorker: Map<number, JobResultMessage[]> | undefined;
    for (const message of list) {
      if (message.to < 0) {
        client.deliver(message);
        continue;
      }
      byWorker ??= new Map();
      let forWorker = byWorker.get(message.to);
      if (forWorker === undefined) byWorker.set(message.to, (forWorker = []));
      forWorker.push(message);
    }
    if (byWorker === undefined) return;
    for (const [to, forWorker] of byWorker) {
      host?.post(to, JOBS_SERVICE, forWorker.length === 1 ? forWorker[0] : ({ t: 'results', list: forWorker } satisfies JobResultsMessage));
    }
  };

  /**
   * Jobs that were running on worker `index` fail; their slots are freed. So are the slots of
   * jobs it had spawned but not queued yet (waiting for their shared memory to be parked):
   * their handles died with it.
   */
  const reclaimFrom = (index: number): void => {
    const arena = shared.arena;
    for (let slot = 0; slot < arena.slots; slot++) {
      const word = arena.state(slot);
      if (stateOf(word) === QUEUED && arena.field(slot, SPAWNER) === index && (arena.field(slot, FLAGS) & FLAG_QUEUED) === 0) {
        const id = arena.field(slot, JOB_ID);
        if (arena.cancel(slot, id) === 'cancelled') {
          arena.free(slot);
          parked.delete(id);
        }
        continue;
      }
      if (stateOf(word) !== RUNNING || runnerOf(word) !== index) continue;
      const id = arena.field(slot, JOB_ID);
      const to = arena.field(slot, SPAWNER);
      arena.free(slot);
      parked.delete(id);
      route({ t: 'result', id, to, worker: index, kind: 'crashed' });
    }
  };

  /** Pinned jobs of a worker that will not come back fail. */
  const failPinned = (index: number): void => {
    const arena = shared.arena;
    const left: number[] = [];
    shared.inboxes[index]!.popBatch(left, arena.slots);
    for (const slot of left) {
      const id = arena.field(slot, JOB_ID);
      const to = arena.field(slot, SPAWNER);
      const cancelled = arena.cancel(slot, id) === 'cancelled';
      arena.free(slot);
      parked.delete(id);
      if (cancelled) route({ t: 'result', id, to, worker: index, kind: 'crashed' });
    }
  };

  const service = {
    name: JOBS_SERVICE,
    client: client as JobsClient,

    workerData(index: number): unknown {
      ensureWaker(index);
      return buffers;
    },

    start(supervisor: SupervisorHost): void {
      host = supervisor;
      for (let i = 0; i < count; i++) ensureWaker(i);
    },

    request(from: number, payload: unknown): unknown {
      const message = payload as { t: 'stash'; id: number; shared: SharedArrayBuffer[] } | { t: 'shared'; id: number };
      if (message.t === 'stash') {
        parked.set(message.id, message.shared);
        return true;
      }
      if (message.t === 'shared') {
        const buffers = parked.get(message.id);
        parked.delete(message.id);
        if (buffers === undefined) throw new Error(`job ${message.id}: its shared memory is not at the supervisor (worker ${from} asked)`);
        return buffers;
      }
      throw new TypeError(`rt.jobs: unknown request ${JSON.stringify((message as { t?: unknown }).t)}`);
    },

    message(_from: number, payload: unknown): void {
      const message = payload as JobResultMessage | JobResultsMessage | JobAbortMessage | { t: 'drop'; id: number };
      if (message.t === 'results') routeAll(message.list);
      else if (message.t === 'result') route(message);
      else if (message.t === 'abort') host?.post(message.runner, JOBS_SERVICE, message);
      else if (message.t === 'drop') parked.delete(message.id);
    },

    workerExited(index: number, crashed: boolean): void {
      shared.setWord(index, W_ALIVE, 0);
      shared.unpark(index);
      // Its queued jobs go back to the injector, for the others to run.
      const left: number[] = [];
      shared.locals[index]!.drainAll(left);
      if (left.length > 0) {
        shared.injector.pushBatch(left, left.length);
        shared.notifyOne(-1);
      }
      if (crashed) reclaimFrom(index);
      shared.setWord(index, W_RUNNING, 0);
      const replaced = crashed && config.onWorkerCrash === 'replace';
      if (!replaced) {
        failPinned(index);
        closeWaker(index);
      }
    },

    metrics(index: number): Readonly<Record<string, number>> {
      return shared.metrics(index);
    },

    totals(): Readonly<Record<string, number>> {
      return shared.totals();
    },

    shutdown(): void {
      shared.markShutdown();
      parked.clear();
      client.close();
    },
  };
  return service;
}
