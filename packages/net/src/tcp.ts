// @rt/net/tcp: the package's TCP side alone (the same classes and functions as the entry's):
// TcpListener, TcpStream, TcpSocket, their split halves, SocketAddr, lookupHost, netDriver and
// the errors. A TCP server or client (as @rt/http) loads this without the UDP and Unix socket
// modules the entry re-exports (5 modules; @rt/http README, "What a server loads").
export { netDriver } from './net-driver.js';
export { ConnectError, NetError, ReuniteError, SocketClosed, WouldBlock } from './errors.js';
export type { ConnectAttempt, NetErrorOptions } from './errors.js';
export type { ErrorKind } from '@rt/mio-native';
export { SocketAddr } from './socket-addr.js';
export type { ToSocketAddrs } from './socket-addr.js';
export { lookupHost } from './lookup-host.js';
export { TcpListener } from './tcp-listener.js';
export type { BindOptions, TcpBindOptions } from './tcp-listener.js';
export { TcpStream } from './tcp-stream.js';
export type { ConnectOptions, FromRawFdOptions } from './tcp-stream.js';
export { TcpSocket } from './tcp-socket.js';
export { ReadHalf, WriteHalf, OwnedReadHalf, OwnedWriteHalf } from './split.js';
export type { Interest, Ready } from './internal/stream-core.js';
export type { DriverName } from './internal/driver.js';
