// @rt/mio-native: N-API addon: one epoll instance per runtime and non-blocking socket syscalls into caller-provided Buffers.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
