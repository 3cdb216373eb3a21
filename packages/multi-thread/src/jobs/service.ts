// The supervisor half of the 'rt.jobs' service (first version: wiring only).
import type { MultiThreadConfig, SupervisorService } from '../internal/contract.js';
import { JobError } from './job-error.js';
import { failedHandle, type JobHandle } from './job-handle.js';
import type { JobsClient, JobTarget, SpawnOnOptions } from './types.js';

/** The service name the jobs halves talk under. */
export const JOBS_SERVICE = 'rt.jobs';

/** @internal Creates the main-thread half of the jobs service; `client` backs `runtime.spawnOn`. */
export function createJobsService(config: MultiThreadConfig): SupervisorService & { readonly client: JobsClient } {
  void config;
  const owner = { abortJob(): void {} };
  const client: JobsClient = {
    spawnOn<T>(_target: JobTarget, _module: URL | string, _exportName: string, _args?: readonly unknown[], _options?: SpawnOnOptions): JobHandle<T> {
      return failedHandle<T>(0, owner, new JobError('ERR_RT_JOB_NO_WORKER', 0, 'spawnOn: not implemented yet'));
    },
  };
  return { name: JOBS_SERVICE, client };
}
