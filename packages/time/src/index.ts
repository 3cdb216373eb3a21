// @rt/time: Timer wheel, sleep, interval, timeout, Instant, and a clock that tests can pause and advance.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
