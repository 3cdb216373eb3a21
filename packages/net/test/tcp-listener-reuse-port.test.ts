// TcpListener.bind(addr, { reusePort: true }): several listeners on one address (the
// multi-thread runtime binds one per worker); TcpListener.intoRawFd / fromRawFd.
import { NetError, TcpListener, TcpStream } from '@rt/net';
import { drivers } from './support/drivers.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const nodeHasReusePort = major >= 23 || (major === 22 && minor >= 12);

describe.each(drivers)('TcpListener reusePort (%s driver)', (driver) => {
  const supported = driver === 'native' || nodeHasReusePort;

  (supported ? it : it.skip)('lets two listeners bind the same port and both accept', async () => {
    await using first = await TcpListener.bind('127.0.0.1:0', { driver, reusePort: true });
    await using second = await TcpListener.bind(first.localAddr(), { driver, reusePort: true });
    expect(second.localAddr().port).toBe(first.localAddr().port);
    const accepted = [0, 0];
    const serve = async (listener: TcpListener, i: number): Promise<void> => {
      for await (const stream of listener) {
        accepted[i]!++;
        stream.close();
      }
    };
    const serving = [serve(first, 0), serve(second, 1)];
    // The kernel hashes each connection's 4-tuple to a listener: 64 connections from
    // distinct ports reach both with overwhelming probability (2^-63 that one gets none).
    for (let i = 0; i < 64; i++) {
      const client = await TcpStream.connect(first.localAddr(), { driver });
      const buf = new Uint8Array(1);
      expect(await client.read(buf)).toBe(0);
      client.close();
    }
    first.close();
    second.close();
    await Promise.all(serving);
    expect(accepted[0]! + accepted[1]!).toBe(64);
    expect(accepted[0]).toBeGreaterThan(0);
    expect(accepted[1]).toBeGreaterThan(0);
  });

  (supported ? it : it.skip)('still refuses a second bind without reusePort', async () => {
    await using first = await TcpListener.bind('127.0.0.1:0', { driver, reusePort: true });
    await expect(TcpListener.bind(first.localAddr(), { driver })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  (supported ? it.skip : it)('fails with ENOTSUP where Node lacks listen({ reusePort })', async () => {
    const error: unknown = await TcpListener.bind('127.0.0.1:0', { driver, reusePort: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetError);
    expect((error as NetError).code).toBe('ENOTSUP');
    expect((error as NetError).message).toMatch(/Node 22\.12/);
  });

  it('rejects a non-boolean reusePort', async () => {
    await expect(TcpListener.bind('127.0.0.1:0', { driver, reusePort: 1 as unknown as boolean })).rejects.toThrow(TypeError);
  });
});

describe('TcpListener.fromRawFd / intoRawFd', () => {
  const nativeHere = drivers.includes('native');

  (nativeHere ? it : it.skip).each(drivers)('moves a listening socket between runtimes, adopted by the %s driver', async (driver) => {
    const first = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const address = first.localAddr();
    const parked = first.accept();
    const fd = first.intoRawFd();
    await expect(parked).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
    expect(() => first.intoRawFd()).toThrow(/closed/);
    first.close(); // does not touch the fd any more
    // A connection made while nobody owns the socket waits in the backlog.
    const client = await TcpStream.connect(address, { driver: 'native' });
    await using adopted = await TcpListener.fromRawFd(fd, { driver });
    expect(adopted.localAddr().toString()).toBe(address.toString());
    const server = await adopted.accept();
    expect(server.peerAddr().toString()).toBe(client.localAddr().toString());
    server.close();
    client.close();
  });

  it('rejects bad fds, and a connected socket, leaving them open', async () => {
    await expect(TcpListener.fromRawFd(-1)).rejects.toThrow(RangeError);
    await expect(TcpListener.fromRawFd(Number.NaN)).rejects.toThrow(RangeError);
    await expect(TcpListener.fromRawFd('4' as unknown as number)).rejects.toThrow(TypeError);
    if (!nativeHere) return;
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const client = await TcpStream.connect(listener.localAddr(), { driver: 'native' });
    const server = await listener.accept();
    const fd = server.intoRawFd();
    await expect(TcpListener.fromRawFd(fd)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/not a listening socket/) });
    const adopted = TcpStream.fromRawFd(fd); // still open, still usable
    adopted.close();
    client.close();
  });

  it('intoRawFd fails with ENOTSUP on the fallback driver', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'fallback' });
    expect(() => listener.intoRawFd()).toThrow(expect.objectContaining({ code: 'ENOTSUP' }) as unknown as Error);
  });
});
