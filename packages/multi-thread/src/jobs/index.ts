// Jobs described as data (module + export + args), queued per worker in shared memory, with
// work stealing between workers. B re-exports these from the package entry.
export { spawnOn } from './spawn-on.js';
export { JobError } from './job-error.js';
export type { JobErrorCode } from './job-error.js';
export { JobHandle } from './job-handle.js';
export type { JobTarget, SpawnOnOptions, JobContext, JobsClient } from './types.js';
