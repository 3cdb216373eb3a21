// The examples of README.md and of the package guide (src/index.ts), run as written inside
// a function, on port 0 instead of fixed ports.
import { BufReader, copy } from '@rt/io';
import { ConnectError, NetError, TcpListener, TcpStream, UdpSocket } from '@rt/net';
import { spawn } from '@rt/scheduler';

describe('README examples', () => {
  it('the echo server and the line-reading client run as documented', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const serving = (async () => {
      for await (const stream of listener) {
        spawn(async () => {
          await using s = stream;
          const [reader, writer] = s.split();
          await copy(reader, writer);
          await writer.shutdown();
        });
      }
    })();

    {
      await using stream = await TcpStream.connect({ host: 'localhost', port: listener.localAddr().port }, { signal: AbortSignal.timeout(5000) });
      await stream.writeAll(new TextEncoder().encode('hello\n'));
      expect(await new BufReader(stream).readLine()).toBe('hello\n');
    }
    listener.close();
    await serving;
  });

  it('the typed-error example lists each attempt', async () => {
    const seen: string[] = [];
    try {
      await TcpStream.connect('127.0.0.1:1');
    } catch (error) {
      if (error instanceof ConnectError) for (const a of error.attempts) seen.push(`${a.address}: ${(a.error as NetError).code}`);
    }
    expect(seen).toEqual(['127.0.0.1:1: ECONNREFUSED']);
  });

  it('the UDP echo runs as documented', async () => {
    await using socket = await UdpSocket.bind('127.0.0.1:0');
    await using peer = await UdpSocket.bind('127.0.0.1:0');
    await peer.sendTo(new TextEncoder().encode('ping'), socket.localAddr());
    const buf = new Uint8Array(1500);
    const [n, from] = await socket.recvFrom(buf);
    await socket.sendTo(buf.subarray(0, n), from);
    expect(await peer.recv(buf)).toBe(4);
  });

  it('the package guide example runs as written', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const client = await TcpStream.connect(listener.localAddr());
    const server = await listener.accept();
    await client.writeAll(new TextEncoder().encode('hi'));
    const buf = new Uint8Array(2);
    await server.read(buf);
    expect(Buffer.from(buf).toString()).toBe('hi');
    client.close();
    server.close();
  });
});
