// @rt/full: The whole runtime: namespaced re-exports and one subpath per feature.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
