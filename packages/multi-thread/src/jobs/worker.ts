// The worker half of the 'rt.jobs' service (first version: wiring only).
import type { WorkerContext, WorkerService, WorkerServiceStarter } from '../internal/contract.js';

/** @internal Starts the jobs service in a worker (before the entry runs). */
export const startJobsWorker: WorkerServiceStarter = (ctx: WorkerContext): WorkerService => {
  void ctx;
  return {};
};
