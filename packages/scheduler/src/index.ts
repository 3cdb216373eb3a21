// @rt/scheduler: Runtime, Builder, spawn, JoinHandle, JoinSet, AbortHandle, cooperative budget, spawnBlocking.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
