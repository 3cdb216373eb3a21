// @rt/process: Child processes: Command, Child with AsyncRead/AsyncWrite pipes, wait, kill, output; no zombies.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
