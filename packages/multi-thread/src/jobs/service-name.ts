/** The service name the jobs halves talk under. */
export const JOBS_SERVICE = 'rt.jobs';
