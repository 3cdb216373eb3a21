// The worker half of the 'rt.listen' service (first version: wiring only).
import type { WorkerContext, WorkerService } from '../internal/contract.js';

/** @internal Starts the worker half of the shared-listener service. */
export function startListenWorker(ctx: WorkerContext): WorkerService {
  void ctx;
  return {};
}
