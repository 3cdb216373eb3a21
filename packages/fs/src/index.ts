// @rt/fs: Files and directories: File (AsyncRead/AsyncWrite/seek), OpenOptions, readFile, writeFile, readDir, metadata and friends.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
