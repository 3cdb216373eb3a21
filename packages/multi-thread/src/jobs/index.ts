// Jobs described as data (module + export + args), queued per worker with work stealing.
export { JobError } from './job-error.js';
export type { JobErrorCode } from './job-error.js';
export { JobHandle } from './job-handle.js';
export type { JobTarget, SpawnOnOptions, JobContext, JobsClient } from './types.js';
