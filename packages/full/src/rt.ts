// Feature `rt`: the runtime and tasks (@rt/scheduler).
export * from '@rt/scheduler';
