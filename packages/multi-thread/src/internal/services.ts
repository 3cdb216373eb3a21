// The services of the multi-thread runtime, wired in one place: the main-thread halves the
// supervisor creates for each runtime, and the worker halves every worker bootstrap starts
// (in this order, before the entry runs; they are shut down in reverse order).
//
// - 'rt.listen' (src/listener/): shared listening sockets and the fd hand-off accept loop.
import type { MultiThreadConfig, SupervisorService, WorkerServiceStarter } from './contract.js';
import { createListenService } from '../listener/service.js';
import { startListenWorker } from '../listener/worker.js';
import type { JobsClient } from '../jobs/types.js';

/** What the supervisor of one runtime gets. */
export interface SupervisorServices {
  readonly services: readonly SupervisorService[];
  /** The jobs service's client (`runtime.spawnOn`), once the jobs service exists. */
  readonly jobs: JobsClient | undefined;
}

/** Creates the main-thread halves of every service for a runtime with `config`. */
export function createSupervisorServices(config: MultiThreadConfig): SupervisorServices {
  return { services: [createListenService(config)], jobs: undefined };
}

/** The worker halves, by service name, in start order. */
export const workerServices: readonly (readonly [name: string, start: WorkerServiceStarter])[] = [
  ['rt.listen', startListenWorker],
];
