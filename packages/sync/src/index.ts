// @rt/sync: Mutex, RwLock, Semaphore, Notify, Barrier, OnceCell and the mpsc, oneshot, broadcast and watch channels.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
