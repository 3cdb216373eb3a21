// @rt/signal: Unix signals as cancel-safe streams: ctrlC(), signal(kind) with coalesced deliveries.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
