// @rt/net: TcpListener, TcpStream, TcpSocket, UdpSocket, Unix sockets and lookupHost, pull-based.
//
// No code yet: this package's issue has not landed. It exports nothing rather than a stub.
export {};
