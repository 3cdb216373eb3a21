// @rt/net: TCP, UDP and Unix sockets you `read()` and `write()` (pull-based, with
// backpressure), Tokio's `tokio::net` in TypeScript.
//
// Which piece to reach for:
// - Serve TCP: `TcpListener.bind('127.0.0.1:8080')`, then `accept()` or `for await`.
// - Configure a socket first (reuseaddr, reuseport, buffer sizes, a local address):
//   `TcpSocket.newV4()`, then `connect` or `listen`.
// - Connect over TCP: `TcpStream.connect('host:port', { signal })`. A `TcpStream` is an
//   `@rt/io` `AsyncRead` + `AsyncWrite`: `read(buf)`, `write(buf)`, `writeAll`, `shutdown`,
//   and every `@rt/io` helper (`copy`, `BufReader`, `lines()`) works on it. `split()` /
//   `intoSplit()` give a reader and a writer for two tasks.
// - Datagrams: `UdpSocket.bind(addr)`, `sendTo`/`recvFrom`, or `connect` + `send`/`recv`.
// - Local sockets: `UnixListener.bind(path)`, `UnixStream.connect(path)`, `UnixDatagram`.
// - Share a port between threads: `TcpListener.bind(addr, { reusePort: true })` in each; move
//   a connection or a listener to another thread's runtime: `intoRawFd()` there,
//   `TcpStream.fromRawFd(fd)` / `TcpListener.fromRawFd(fd)` here (fds are process-wide).
// - Names: `lookupHost('example.org:443')`; addresses are `SocketAddr`.
//
//     await using listener = await TcpListener.bind('127.0.0.1:0');
//     const client = await TcpStream.connect(listener.localAddr());
//     const server = await listener.accept();
//     await client.writeAll(new TextEncoder().encode('hi'));
//     const buf = new Uint8Array(2);
//     await server.read(buf);
//
// Drivers: on Linux with the @rt/mio-native addon, sockets run on the native epoll driver;
// elsewhere on a fallback over Node's `net`/`dgram`, with the same API.
// `RT_NET_DRIVER=fallback|native` forces one; `netDriver()` tells which is in use.
//
// Cancellation: every waiting method takes `{ signal }` and says whether it is cancel safe;
// `read`, `write`, `accept`, `recv`, `connect` are.
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
export { UdpSocket } from './udp-socket.js';
export type { UdpBindOptions } from './udp-socket.js';
export { UnixDatagram } from './unix-datagram.js';
export { UnixListener } from './unix-listener.js';
export type { UnixBindOptions } from './unix-listener.js';
export { UnixStream } from './unix-stream.js';
export type { UnixSocketAddr } from './unix-stream.js';
export { ReadHalf, WriteHalf, OwnedReadHalf, OwnedWriteHalf } from './split.js';
export type { Interest, Ready } from './internal/stream-core.js';
export type { DriverName } from './internal/driver.js';
