// @rt/io: AsyncRead/AsyncWrite, BufReader/BufWriter, copy, duplex, lines, and interop with Node and Web streams.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
