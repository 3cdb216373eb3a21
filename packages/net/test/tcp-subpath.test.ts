// `@rt/net/tcp` is the package's TCP side without its UDP and Unix modules, and the native
// driver imports its UDP module at the first `UdpSocket.bind` (bind is async): this file's
// module registry is fresh (jest makes one per file), so its first bind is the one that runs that
// import (the module itself is already loaded here: the entry's UnixDatagram imports it;
// tcp-subpath-loads.test.ts shows that a TCP program never loads it).
import * as entry from '@rt/net';
import * as tcp from '@rt/net/tcp';
import { NetError, UdpSocket, netDriver } from '@rt/net';

describe('@rt/net/tcp and the UDP module loaded at the first bind', () => {
  it('exports the entry\'s own TCP classes, functions and errors (the same objects), and none of UDP or Unix', () => {
    const names = Object.keys(tcp).sort();
    expect(names).toEqual(['ConnectError', 'NetError', 'OwnedReadHalf', 'OwnedWriteHalf', 'ReadHalf', 'ReuniteError', 'SocketAddr', 'SocketClosed', 'TcpListener', 'TcpSocket', 'TcpStream', 'WouldBlock', 'WriteHalf', 'lookupHost', 'netDriver']);
    for (const name of names) expect(tcp[name as keyof typeof tcp]).toBe(entry[name as keyof typeof entry]);
  });

  (netDriver() === 'native' ? it : it.skip)('the native driver\'s first UDP bind answers, and its errors keep their types', async () => {
    // Two binds at once: both wait for the same import.
    const [a, b] = await Promise.all([UdpSocket.bind('127.0.0.1:0', { driver: 'native' }), UdpSocket.bind('127.0.0.1:0', { driver: 'native' })]);
    try {
      expect(a.driver).toBe('native');
      expect(await a.sendTo(new TextEncoder().encode('first'), b.localAddr())).toBe(5);
      const buf = new Uint8Array(16);
      const [n, from] = await b.recvFrom(buf);
      expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('first');
      expect(from.toString()).toBe(a.localAddr().toString());
      const error: unknown = await UdpSocket.bind(a.localAddr(), { driver: 'native' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetError);
      expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
    } finally {
      a.close();
      b.close();
    }
  });
});
