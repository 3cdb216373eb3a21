// The services of the multi-thread runtime, wired in one place: the main-thread halves the
// supervisor creates for each runtime, and the worker halves every worker bootstrap starts
// (in this order, inside a task of the worker's runtime, before the entry runs; they are shut
// down in reverse order, after the worker's runtime has aborted its tasks).
//
// - 'rt.jobs'   (src/jobs/): spawnOn, per-worker queues in shared memory, the global
//               injector, stealing.
// - 'rt.listen' (src/listener/): shared listening sockets and the fd hand-off accept loop.
//
// `addService` (internal, for tests and for packages built on this one) adds a service to one
// runtime: its supervisor half as an object, its worker half as a module + export name that
// each worker imports (closures cannot cross threads).
import type { MultiThreadConfig, SupervisorService, WorkerServiceStarter } from './contract.js';
import { createJobsService } from '../jobs/service.js';
import { startJobsWorker } from '../jobs/worker.js';
import type { JobsClient } from '../jobs/types.js';
import { createListenService } from '../listener/service.js';
import { startListenWorker } from '../listener/worker.js';

/** What the supervisor of one runtime gets. */
export interface SupervisorServices {
  readonly services: readonly SupervisorService[];
  /** The jobs service's client (`runtime.spawnOn`). */
  readonly jobs: JobsClient | undefined;
}

/** A service added to one runtime with `builder[addService](…)`. */
export interface ExtraService {
  readonly supervisor: SupervisorService;
  /** The worker half: `module[exportName]` is a WorkerServiceStarter. */
  readonly worker: { readonly module: string; readonly exportName: string } | undefined;
}

/** `MultiThreadBuilder.prototype[addService](supervisor, worker?)`. @internal */
export const addService: unique symbol = Symbol('rt.multi-thread.addService');

/** Creates the main-thread halves of every service for a runtime with `config`. */
export function createSupervisorServices(config: MultiThreadConfig, extra: readonly ExtraService[] = []): SupervisorServices {
  const jobs = createJobsService(config);
  return {
    services: [jobs, createListenService(config), ...extra.map((service) => service.supervisor)],
    jobs: jobs.client,
  };
}

/** The built-in worker halves, by service name, in start order. */
export const workerServices: readonly (readonly [name: string, start: WorkerServiceStarter])[] = [
  ['rt.jobs', startJobsWorker],
  ['rt.listen', startListenWorker],
];
