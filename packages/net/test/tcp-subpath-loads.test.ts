// What a TCP program that imports `@rt/net/tcp` loads: none of the package's UDP or Unix socket
// modules, and the native driver's UDP module not even when a TCP connection is made (it is
// imported at the first `UdpSocket.bind`). Each module named here counts its loads on globalThis
// (jest hoists the mocks above the imports, so a load at import time counts too); the modules
// themselves are unchanged.
import { TcpListener, TcpStream, netDriver } from '@rt/net/tcp';

const loads = (): Record<string, number> => ((globalThis as unknown as Record<symbol, Record<string, number>>)[Symbol.for('tcp-subpath-loads.test')] ??= {});
jest.mock('../src/internal/native-udp.js', () => {
  const all = ((globalThis as unknown as Record<symbol, Record<string, number>>)[Symbol.for('tcp-subpath-loads.test')] ??= {});
  all['native-udp'] = (all['native-udp'] ?? 0) + 1;
  return jest.requireActual<object>('../src/internal/native-udp.js');
});
jest.mock('../src/udp-socket.js', () => {
  const all = ((globalThis as unknown as Record<symbol, Record<string, number>>)[Symbol.for('tcp-subpath-loads.test')] ??= {});
  all['udp-socket'] = (all['udp-socket'] ?? 0) + 1;
  return jest.requireActual<object>('../src/udp-socket.js');
});
jest.mock('../src/unix-stream.js', () => {
  const all = ((globalThis as unknown as Record<symbol, Record<string, number>>)[Symbol.for('tcp-subpath-loads.test')] ??= {});
  all['unix-stream'] = (all['unix-stream'] ?? 0) + 1;
  return jest.requireActual<object>('../src/unix-stream.js');
});

describe('@rt/net/tcp alone', () => {
  it(`serves and connects over TCP (${netDriver()} driver) without loading a UDP or Unix socket module`, async () => {
    const listener = await TcpListener.bind('127.0.0.1:0');
    try {
      const [client, server] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()]);
      try {
        await client.writeAll(new TextEncoder().encode('hi'));
        const buf = new Uint8Array(2);
        expect(await server.read(buf)).toBe(2);
        expect(Buffer.from(buf).toString()).toBe('hi');
      } finally {
        client.close();
        server.close();
      }
    } finally {
      listener.close();
    }
    expect(loads()).toEqual({});
  });
});
