// @rt/reactor: I/O driver: tokens, interests, readiness records and waiters over @rt/mio-native (or a pure-TypeScript fake backend).
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
