import { Cancelled } from '@rt/scheduler';
import { NetError, SocketClosed, TcpListener, TcpSocket } from '@rt/net';
import { drivers, readAll } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(drivers)('TcpSocket (%s driver)', (driver) => {
  it('binds and listens, then connects from another socket bound to a chosen local address', async () => {
    const socket = TcpSocket.newV4({ driver });
    socket.setReuseAddress(true);
    expect(socket.reuseAddress()).toBe(true);
    socket.bind('127.0.0.1:0');
    const listener = await socket.listen(128);
    const addr = listener.localAddr();
    expect(addr.port).toBeGreaterThan(0);
    const out = TcpSocket.newV4({ driver });
    out.setNoDelay(true);
    out.bind('127.0.0.1:0');
    const accepting = listener.accept();
    const client = await out.connect(addr);
    const server = await accepting;
    expect(server.peerAddr().port).toBe(client.localAddr().port);
    await client.writeAll(text('configured'));
    await client.shutdown();
    expect((await readAll(server)).toString()).toBe('configured');
    await expect(socket.listen()).rejects.toBeInstanceOf(SocketClosed);
    await expect(out.connect(addr)).rejects.toBeInstanceOf(SocketClosed);
    for (const s of [client, server, listener]) s.close();
  });

  it('listens on IPv6 and connects over it', async () => {
    const socket = TcpSocket.newV6({ driver });
    socket.bind('[::1]:0');
    await using listener = await socket.listen();
    const client = await TcpSocket.newV6({ driver }).connect(listener.localAddr());
    const server = await listener.accept();
    expect(server.peerAddr().ip).toBe('::1');
    client.close();
    server.close();
  });

  it('cancels connect on abort and reports a refused connection as NetError', async () => {
    await expect(TcpSocket.newV4({ driver }).connect('127.0.0.1:1', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    const probe = await TcpListener.bind('127.0.0.1:0', { driver });
    const addr = probe.localAddr();
    probe.close();
    const error = await TcpSocket.newV4({ driver }).connect(addr).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', kind: 'ConnectionRefused', syscall: 'connect' });
  });

  it('rejects bad arguments at once', () => {
    const socket = TcpSocket.newV4({ driver });
    expect(() => socket.bind('localhost:80')).toThrow(TypeError);
    expect(() => socket.setReuseAddress(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => socket.setSendBufferSize(0)).toThrow(RangeError);
    socket.close();
    expect(() => socket.bind('127.0.0.1:0')).toThrow(SocketClosed);
  });

  if (driver === 'native') {
    it('sets SO_REUSEPORT so two listeners share a port, and buffer sizes', async () => {
      const a = TcpSocket.newV4({ driver });
      a.setReusePort(true);
      expect(a.reusePort()).toBe(true);
      a.setRecvBufferSize(64 * 1024);
      a.setSendBufferSize(64 * 1024);
      expect(a.recvBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
      expect(a.sendBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
      a.bind('127.0.0.1:0');
      const port = a.localAddr().port;
      const b = TcpSocket.newV4({ driver });
      b.setReusePort(true);
      b.bind(`127.0.0.1:${port}`);
      const [la, lb] = [await a.listen(), await b.listen()];
      expect(lb.localAddr().port).toBe(la.localAddr().port);
      la.close();
      lb.close();
    });

    it('reports a taken address from bind', () => {
      const a = TcpSocket.newV4({ driver });
      a.bind('127.0.0.1:0');
      const b = TcpSocket.newV4({ driver });
      expect(() => b.bind(a.localAddr())).toThrow(NetError);
      a.close();
      b.close();
    });
  } else {
    it('refuses reusePort and buffer sizes with ENOTSUP', () => {
      const socket = TcpSocket.newV4({ driver });
      expect(() => socket.setReusePort(true)).toThrow(NetError);
      expect(() => socket.setRecvBufferSize(4096)).toThrow(NetError);
      socket.close();
    });
  }
});
