// @rt/tls: TLS over any rt byte stream — Tokio's tokio-rustls / tokio-native-tls for rt.
//
// - `new TlsConnector({ ca })` then `connector.connect(serverName, tcp)` → `TlsStream`.
// - `new TlsAcceptor({ key, cert })` then `acceptor.accept(tcp)` → `TlsStream`.
// - `TlsStream` reads and writes like `TcpStream` (`read`, `write`, `writeAll`, `flush`,
//   `shutdown` sends close_notify, `split`/`intoSplit`, `await using`) and tells what was
//   negotiated (`protocol`, `cipher`, `alpnProtocol`, `serverName`, `peerCertificate()`).
// - Failures are `TlsError` with a stable `code` (`ERR_RT_TLS_CERT_EXPIRED`, …).
//
// It drives Node's `tls.TLSSocket` (the OpenSSL Node ships) over the rt stream; all socket
// I/O stays on rt's reactor.
export { TlsConnector } from './connector.js';
export type { TlsConnectorOptions, TlsConnectOptions, TlsStreamInput } from './connector.js';
export { TlsAcceptor } from './acceptor.js';
export type { TlsAcceptorOptions, SniResult } from './acceptor.js';
export { TlsStream, OwnedTlsReadHalf, OwnedTlsWriteHalf } from './tls-stream.js';
export { TlsError } from './errors.js';
export type { TlsErrorCode } from './errors.js';
export type { TlsContextOptions, CheckServerIdentity } from './options.js';
