// @rt/macros: main(), test(), select(), join() and tryJoin().
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
