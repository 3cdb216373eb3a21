// Feature `rt-multi-thread`: worker threads, each a current-thread runtime, with shared
// listeners, work stealing of jobs and cross-thread channels (@rt/multi-thread).
export * from '@rt/multi-thread';
