// TcpStream.intoRawFd / TcpStream.fromRawFd: moving a connected socket out of one runtime
// and into another (here the same thread; the multi-thread runtime moves it between workers).
import { spawnSync } from 'node:child_process';
import { closeSync, constants as fsConstants, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { available, constants, sys } from '@rt/mio-native';
import { Interest, Reactor, intoRegistration } from '@rt/reactor';
import { NetError, SocketClosed, TcpListener, TcpStream, netDriver } from '@rt/net';
import { drivers, openFds, readAll, tcpPair } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function expectNetError(run: () => unknown, code: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NetError);
  expect((caught as NetError).code).toBe(code);
}

const nativeAvailable = netDriver() === 'native';

describe.each(drivers)('TcpStream.fromRawFd (%s driver)', (driver) => {
  it('rejects fds that are not integers 0-2^31-1 with a message naming the value', () => {
    expect(() => TcpStream.fromRawFd(-1, { driver })).toThrow(RangeError);
    expect(() => TcpStream.fromRawFd(Number.NaN, { driver })).toThrow(/got NaN/);
    expect(() => TcpStream.fromRawFd(1.5, { driver })).toThrow(RangeError);
    expect(() => TcpStream.fromRawFd(2 ** 31, { driver })).toThrow(RangeError);
    expect(() => TcpStream.fromRawFd('3' as unknown as number, { driver })).toThrow(TypeError);
    expect(() => TcpStream.fromRawFd(3, { driver, onClose: 1 as unknown as () => void })).toThrow(TypeError);
  });

  it('rejects a closed fd with EBADF', () => {
    const fd = openSync(__filename, 'r');
    closeSync(fd);
    expectNetError(() => TcpStream.fromRawFd(fd, { driver }), 'EBADF');
  });

  it('rejects a file and a pipe with ENOTSOCK and leaves them open', () => {
    const file = openSync(__filename, 'r');
    const dir = mkdtempSync(join(tmpdir(), 'rt-rawfd-'));
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const pipe = openSync(fifo, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
    try {
      expect(fstatSync(pipe).isFIFO()).toBe(true);
      expectNetError(() => TcpStream.fromRawFd(file, { driver }), 'ENOTSOCK');
      expectNetError(() => TcpStream.fromRawFd(pipe, { driver }), 'ENOTSOCK');
      expect(isOpen(file)).toBe(true);
      expect(isOpen(pipe)).toBe(true);
    } finally {
      closeSync(file);
      closeSync(pipe);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (available ? it : it.skip)('rejects a UDP socket, a Unix socket and an unconnected TCP socket', () => {
    const udp = sys.socket(constants['AF_INET']!, constants['SOCK_DGRAM']!);
    const pair = new Int32Array(2);
    expect(sys.socketPair(constants['AF_UNIX']!, constants['SOCK_STREAM']!, pair)).toBe(0);
    const tcp = sys.socket(constants['AF_INET']!, constants['SOCK_STREAM']!);
    try {
      expectNetError(() => TcpStream.fromRawFd(udp, { driver }), 'EPROTOTYPE');
      expectNetError(() => TcpStream.fromRawFd(pair[0]!, { driver }), 'EAFNOSUPPORT');
      expectNetError(() => TcpStream.fromRawFd(tcp, { driver }), 'ENOTCONN');
      expect([udp, pair[0]!, pair[1]!, tcp].every(isOpen)).toBe(true);
    } finally {
      for (const fd of [udp, pair[0]!, pair[1]!, tcp]) sys.close(fd);
    }
  });

  (nativeAvailable && spawnSync('python3', ['-c', '0']).status === 0 ? it : it.skip)('rejects a socket in blocking mode with EINVAL and leaves it open', async () => {
    const [client, server, listener] = await tcpPair('native');
    const fd = server.intoRawFd();
    // O_NONBLOCK belongs to the open file description, which a child given the fd shares.
    const clear = 'import fcntl, os; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) & ~os.O_NONBLOCK)';
    expect(spawnSync('python3', ['-c', clear], { stdio: [fd, 'ignore', 'inherit'] }).status).toBe(0);
    expectNetError(() => TcpStream.fromRawFd(fd, { driver }), 'EINVAL');
    expect(isOpen(fd)).toBe(true);
    sys.close(fd);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('adopts an fd another stream gave up, with the bytes already queued', async () => {
    const [client, server, listener] = await tcpPair('native');
    await client.writeAll(text('before '));
    const fd = server.intoRawFd();
    expect(isOpen(fd)).toBe(true);
    const adopted = TcpStream.fromRawFd(fd, { driver });
    expect(adopted.driver).toBe(driver);
    expect(adopted.peerAddr().toString()).toBe(client.localAddr().toString());
    await client.writeAll(text('after'));
    await client.shutdown();
    expect((await readAll(adopted)).toString()).toBe('before after');
    await adopted.writeAll(text('reply'));
    await adopted.shutdown();
    expect((await readAll(client)).toString()).toBe('reply');
    adopted.close();
    expect(isOpen(fd)).toBe(false);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('calls onClose once, whichever way the stream lets go', async () => {
    const calls: string[] = [];
    const [client, server, listener] = await tcpPair('native');
    const adopted = TcpStream.fromRawFd(server.intoRawFd(), { driver, onClose: () => calls.push('closed') });
    adopted.close();
    adopted.close();
    expect(calls).toEqual(['closed']);

    const [client2, server2] = await Promise.all([TcpStream.connect(listener.localAddr(), { driver: 'native' }), listener.accept()]);
    const halves = TcpStream.fromRawFd(server2.intoRawFd(), { driver, onClose: () => calls.push('halves') }).intoSplit();
    halves[0].close();
    expect(calls).toEqual(['closed']);
    await halves[1].close();
    expect(calls).toEqual(['closed', 'halves']);
    client.close();
    client2.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('calls onClose while the fd is still open, and the fd is closed after it', async () => {
    const [client, server, listener] = await tcpPair('native');
    const fd = server.intoRawFd();
    const seen: boolean[] = [];
    const adopted = TcpStream.fromRawFd(fd, { driver, onClose: () => seen.push(isOpen(fd)) });
    adopted.close();
    expect(seen).toEqual([true]);
    if (driver === 'native') expect(isOpen(fd)).toBe(false);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('calls onClose once when intoRawFd gives the fd up, not again at close', async () => {
    const [client, server, listener] = await tcpPair('native');
    const calls: number[] = [];
    const adopted = TcpStream.fromRawFd(server.intoRawFd(), { driver: 'native', onClose: () => calls.push(1) });
    const fd = adopted.intoRawFd();
    expect(calls).toEqual([1]);
    expect(isOpen(fd)).toBe(true);
    adopted.close();
    expect(calls).toEqual([1]);
    expect(isOpen(fd)).toBe(true);
    closeSync(fd);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('closes the fd even when onClose throws, then rethrows its error once', async () => {
    const [client, server, listener] = await tcpPair('native');
    const fd = server.intoRawFd();
    let calls = 0;
    const adopted = TcpStream.fromRawFd(fd, {
      driver,
      onClose: () => {
        calls++;
        throw new Error('hook failed');
      },
    });
    expect(() => adopted.close()).toThrow('hook failed');
    await expect(adopted.read(new Uint8Array(1))).rejects.toBeInstanceOf(SocketClosed);
    if (driver === 'native') expect(isOpen(fd)).toBe(false);
    expect(() => adopted.close()).not.toThrow();
    expect(calls).toBe(1);
    client.close();
    listener.close();
  });
});

describe('TcpStream.intoRawFd', () => {
  (nativeAvailable ? it : it.skip)('closes the stream for use but leaves the fd open', async () => {
    const [client, server, listener] = await tcpPair('native');
    const reading = server.read(new Uint8Array(8));
    const fd = server.intoRawFd();
    await expect(reading).rejects.toBeInstanceOf(SocketClosed);
    await expect(server.write(text('x'))).rejects.toBeInstanceOf(SocketClosed);
    expect(() => server.intoRawFd()).toThrow(SocketClosed);
    server.close();
    expect(isOpen(fd)).toBe(true);
    sys.close(fd);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('fails a parked read with the intoRawFd message; with nothing parked it just gives the fd up', async () => {
    const [client, server, listener] = await tcpPair('native');
    const reading = server.read(new Uint8Array(8));
    const fd = server.intoRawFd();
    await expect(reading).rejects.toThrow(new SocketClosed('the socket was moved out of this runtime (intoRawFd)'));
    sys.close(fd);
    // Nothing parked (the error is then never built): the fd is given up all the same.
    const [client2, server2, listener2] = await tcpPair('native');
    const fd2 = server2.intoRawFd();
    expect(isOpen(fd2)).toBe(true);
    await expect(server2.read(new Uint8Array(8))).rejects.toBeInstanceOf(SocketClosed);
    sys.close(fd2);
    for (const s of [client, listener, client2, listener2]) s.close();
  });

  (nativeAvailable ? it : it.skip)('close() fails a parked read with SocketClosed', async () => {
    const [client, server, listener] = await tcpPair('native');
    const reading = server.read(new Uint8Array(8));
    server.close();
    await expect(reading).rejects.toThrow(new SocketClosed('the socket is closed'));
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('fails once the stream was split into owned halves', async () => {
    const [client, server, listener] = await tcpPair('native');
    const [reader, writer] = server.intoSplit();
    expect(() => server.intoRawFd()).toThrow(SocketClosed);
    reader.close();
    await writer.close();
    client.close();
    listener.close();
  });

  it('fails with ENOTSUP on the fallback driver (and [intoRegistration] gives up nothing) and leaves the stream usable', async () => {
    const [client, server, listener] = await tcpPair('fallback');
    expectNetError(() => server.intoRawFd(), 'ENOTSUP');
    expect(server[intoRegistration]()).toBeUndefined();
    await client.writeAll(text('still'));
    await client.shutdown();
    expect((await readAll(server)).toString()).toBe('still');
    client.close();
    server.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('leaks no fd over many round trips', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const round = async (): Promise<void> => {
      const [client, server] = await Promise.all([TcpStream.connect(listener.localAddr(), { driver: 'native' }), listener.accept()]);
      const adopted = TcpStream.fromRawFd(server.intoRawFd());
      await client.writeAll(text('ping'));
      const buf = new Uint8Array(4);
      await adopted.read(buf);
      await adopted.writeAll(buf);
      await client.read(buf);
      adopted.close();
      client.close();
    };
    await round();
    const before = openFds();
    for (let i = 0; i < 50; i++) await round();
    expect(openFds()).toBe(before);
  });
});

describe('TcpStream[intoRegistration]', () => {
  (nativeAvailable ? it : it.skip)('hands over the fd with its registration still registered and its cached readiness; the stream is spent', async () => {
    const [client, server, listener] = await tcpPair('native');
    await client.writeAll(text('hello'));
    let released = 0;
    const stream = TcpStream.fromRawFd(server.intoRawFd(), { onClose: () => released++ });
    await stream.readable(); // the readiness is cached now
    const handed = stream[intoRegistration]();
    expect(handed).toBeDefined();
    const { fd, registration } = handed!;
    expect(released).toBe(1); // the stream let go of the fd
    expect(registration.isRegistered).toBe(true);
    expect(registration.fd).toBe(fd);
    expect(registration.interest).toBe(Interest.READABLE | Interest.WRITABLE);
    expect(registration.tryReadiness(Interest.READABLE)).not.toBeNull(); // went along: no wait, no syscall
    const buf = Buffer.alloc(16);
    const n = sys.read(fd, buf, 0, buf.length);
    expect(buf.subarray(0, n).toString()).toBe('hello');
    await expect(stream.read(buf)).rejects.toBeInstanceOf(SocketClosed);
    await expect(stream.write(text('x'))).rejects.toBeInstanceOf(SocketClosed);
    expect(() => stream[intoRegistration]()).toThrow(SocketClosed);
    expect(() => stream.intoRawFd()).toThrow(SocketClosed);
    stream.close(); // no longer touches the fd
    expect(isOpen(fd)).toBe(true);
    // The new owner waits on the registration: the next bytes wake it.
    const waiting = registration.readiness(Interest.READABLE);
    await client.writeAll(text('more'));
    await waiting;
    expect(buf.subarray(0, sys.read(fd, buf, 0, buf.length)).toString()).toBe('more');
    registration.deregister();
    sys.close(fd);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('fails parked operations and leaves none of the stream\'s own waits armed (no keep-alive, no callback into it)', async () => {
    const [client, server, listener] = await tcpPair('native');
    const reactor = Reactor.current();
    const idle = reactor.metrics().waiters;
    const reading = server.read(new Uint8Array(8));
    expect(reactor.metrics().waiters).toBe(idle + 1); // its read wait is armed
    const handed = server[intoRegistration]()!;
    await expect(reading).rejects.toThrow(new SocketClosed('the socket was handed to another owner (a TLS stream)'));
    expect(reactor.metrics().waiters).toBe(idle); // disarmed, not left to fire into a spent stream
    await client.writeAll(text('late'));
    const event = await handed.registration.readiness(Interest.READABLE); // the new owner's wait fires
    expect(event).toBeGreaterThan(0);
    const buf = Buffer.alloc(8);
    expect(buf.subarray(0, sys.read(handed.fd, buf, 0, 8)).toString()).toBe('late');
    handed.registration.deregister();
    sys.close(handed.fd);
    client.close();
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('fails once the stream was split or closed', async () => {
    const [client, server, listener] = await tcpPair('native');
    const [reader, writer] = server.intoSplit();
    expect(() => server[intoRegistration]()).toThrow(SocketClosed);
    reader.close();
    await writer.close();
    client.close();
    expect(() => client[intoRegistration]()).toThrow(SocketClosed);
    listener.close();
  });

  (nativeAvailable ? it : it.skip)('leaks no fd and no registration over many hand-overs', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const reactor = Reactor.current();
    const round = async (): Promise<void> => {
      const [client, server] = await Promise.all([TcpStream.connect(listener.localAddr(), { driver: 'native' }), listener.accept()]);
      const { fd, registration } = server[intoRegistration]()!;
      await client.writeAll(text('ping'));
      await registration.readiness(Interest.READABLE);
      const buf = new Uint8Array(4);
      expect(sys.read(fd, buf, 0, 4)).toBe(4);
      registration.deregister();
      sys.close(fd);
      client.close();
    };
    await round();
    const before = openFds();
    const registered = reactor.metrics().registered;
    for (let i = 0; i < 50; i++) await round();
    expect(openFds()).toBe(before);
    expect(reactor.metrics().registered).toBe(registered);
  });
});
