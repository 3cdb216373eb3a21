import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { available, constants, decodeSocketAddress, encodeSocketAddress, errnoName, OsError, SOCKET_ADDRESS_SIZE, sys } from '@rt/mio-native';
import { EAGAIN, localPort, openFds, socketPair, tcpListener } from './helpers.js';

const describeNative = available ? describe : describe.skip;

function waitUntil(predicate: () => boolean, what: string): void {
  // Loopback connections complete within microseconds; bound the spin, not the time.
  for (let i = 0; i < 1_000_000; i++) if (predicate()) return;
  throw new Error(`never happened: ${what}`);
}

describeNative('sys', () => {
  let before = 0;
  beforeEach(() => {
    before = openFds();
  });
  afterEach(() => {
    expect(openFds()).toBeLessThanOrEqual(before); // Node may close fds of its own meanwhile; never open ours
  });

  it('creates non-blocking TCP v4/v6, UDP and Unix sockets', () => {
    const kinds: [number, number][] = [
      [constants.AF_INET, constants.SOCK_STREAM],
      [constants.AF_INET6, constants.SOCK_STREAM],
      [constants.AF_INET, constants.SOCK_DGRAM],
      [constants.AF_INET6, constants.SOCK_DGRAM],
      [constants.AF_UNIX, constants.SOCK_STREAM],
      [constants.AF_UNIX, constants.SOCK_DGRAM],
    ];
    for (const [domain, type] of kinds) {
      const fd = sys.socket(domain, type);
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(sys.getSocketOption(fd, constants.SOL_SOCKET, constants.SO_TYPE)).toBe(type);
      expect(sys.close(fd)).toBe(0);
    }
  });

  it('returns a negative errno for a bad or closed fd instead of throwing', () => {
    const buffer = Buffer.alloc(16);
    expect(sys.read(-1, buffer)).toBe(-9);
    expect(errnoName(sys.write(99999, buffer))).toBe('EBADF');
    const [a, b] = socketPair();
    sys.close(a);
    sys.close(b);
    expect(errnoName(sys.read(a, buffer))).toBe('EBADF');
    expect(errnoName(sys.close(a))).toBe('EBADF');
    expect(errnoName(sys.listen(a, 1))).toBe('EBADF');
  });

  it('reads EAGAIN on an empty socket and round-trips bytes with offset and length', () => {
    const [a, b] = socketPair();
    const buffer = Buffer.alloc(16);
    expect(sys.read(a, buffer)).toBe(EAGAIN);
    expect(sys.write(b, Buffer.from('xxhello'), 2, 5)).toBe(5);
    expect(sys.read(a, buffer, 3, 10)).toBe(5);
    expect(buffer.subarray(3, 8).toString()).toBe('hello');
    sys.close(a);
    sys.close(b);
  });

  it('throws RangeError for an offset or length outside the buffer', () => {
    const [a, b] = socketPair();
    try {
      // Thrown by the addon, so from the main realm: match on name and message.
      expect(() => sys.read(a, Buffer.alloc(4), 2, 4)).toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('bounds') }));
      expect(() => sys.write(a, Buffer.alloc(4), -1, 1)).toThrow(expect.objectContaining({ name: 'RangeError' }));
      expect(() => sys.read(a, 'nope' as unknown as Buffer)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    } finally {
      sys.close(a);
      sys.close(b);
    }
  });

  it('throws RangeError for an fd, offset or length that is not an exact int32 instead of wrapping it', () => {
    // Regression (tools/reliability): NaN, Infinity and 2^32 + n used to wrap to 0 and n, so
    // a NaN fd named stdin, 2^32 + fd aliased another descriptor and a huge length shrank.
    const [a, b] = socketPair();
    try {
      const rangeError = expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('int32') });
      const buffer = Buffer.alloc(8);
      for (const bad of [Number.NaN, Infinity, -Infinity, 1.5, 2 ** 32, 2 ** 31, -(2 ** 31) - 1]) {
        expect(() => sys.write(a, buffer, bad, 1)).toThrow(rangeError);
        expect(() => sys.write(a, buffer, 0, bad)).toThrow(rangeError);
        expect(() => sys.getSocketOption(bad, constants.SOL_SOCKET, constants.SO_TYPE)).toThrow(rangeError);
      }
      expect(() => sys.close(2 ** 32 + a)).toThrow(rangeError);
      expect(() => sys.read(b, buffer, 0, 2 ** 32 + 1)).toThrow(rangeError);
      expect(sys.write(a, buffer, -0, 1)).toBe(1); // -0 is an integer
      expect(sys.read(b, buffer)).toBe(1);
    } finally {
      sys.close(a);
      sys.close(b);
    }
  });

  it('reads 0 at end of stream after the peer shuts down its write side', () => {
    const [a, b] = socketPair();
    expect(sys.shutdown(b, 'write')).toBe(0);
    expect(sys.read(a, Buffer.alloc(4))).toBe(0);
    expect(() => sys.shutdown(b, 'sideways' as 'read')).toThrow(TypeError);
    sys.close(a);
    sys.close(b);
  });

  it('scatters and gathers with readv and writev', () => {
    const [a, b] = socketPair();
    expect(sys.writev(b, [Buffer.from('ab'), Buffer.from('cde')])).toBe(5);
    const x = Buffer.alloc(3);
    const y = Buffer.alloc(3);
    expect(sys.readv(a, [x, y])).toBe(5);
    expect(x.toString() + y.subarray(0, 2).toString()).toBe('abcde');
    sys.close(a);
    sys.close(b);
  });

  it('connects with EINPROGRESS, accepts several connections in one call and reports no SO_ERROR', () => {
    const listener = tcpListener();
    const clients: number[] = [];
    for (let i = 0; i < 3; i++) {
      const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
      const r = sys.connect(fd, { family: 'IPv4', address: '127.0.0.1', port: listener.port });
      expect([0, -115]).toContain(r);
      clients.push(fd);
    }
    const out = new Int32Array(8);
    let accepted = 0;
    waitUntil(() => {
      const r = sys.accept(listener.fd, out.subarray(accepted));
      if (r > 0) accepted += r;
      return accepted === 3;
    }, 'three accepted connections');
    for (const fd of clients) expect(sys.takeError(fd)).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(localPort(out[i]!)).toBe(listener.port);
      const peer = Buffer.alloc(SOCKET_ADDRESS_SIZE);
      expect(sys.getPeerName(out[i]!, peer)).toBe(16);
      expect(decodeSocketAddress(peer)).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
      sys.close(out[i]!);
    }
    expect(sys.accept(listener.fd, out)).toBe(EAGAIN);
    for (const fd of clients) sys.close(fd);
    sys.close(listener.fd);
  });

  it('works over IPv6 loopback', () => {
    const listener = tcpListener('IPv6');
    const fd = sys.socket(constants.AF_INET6, constants.SOCK_STREAM);
    expect([0, -115]).toContain(sys.connect(fd, { family: 'IPv6', address: '::1', port: listener.port }));
    const out = new Int32Array(1);
    waitUntil(() => sys.accept(listener.fd, out) === 1, 'accepted');
    const peer = Buffer.alloc(SOCKET_ADDRESS_SIZE);
    expect(sys.getPeerName(out[0]!, peer)).toBe(28);
    expect(decodeSocketAddress(peer)).toMatchObject({ family: 'IPv6', address: '::1' });
    sys.close(out[0]!);
    sys.close(fd);
    sys.close(listener.fd);
  });

  it('reports ECONNREFUSED from connect or from SO_ERROR', () => {
    const listener = tcpListener();
    const port = listener.port;
    sys.close(listener.fd);
    const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    const r = sys.connect(fd, { family: 'IPv4', address: '127.0.0.1', port });
    let error = r;
    if (r === -115) waitUntil(() => (error = sys.takeError(fd)) !== 0, 'SO_ERROR set');
    expect(errnoName(error)).toBe('ECONNREFUSED');
    sys.close(fd);
  });

  it('reports EADDRINUSE when a port is taken', () => {
    const listener = tcpListener();
    const fd = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    const r = sys.bind(fd, { family: 'IPv4', address: '127.0.0.1', port: listener.port });
    expect(errnoName(r)).toBe('EADDRINUSE');
    expect(() => OsError.check(r, 'bind')).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind', errno: r }));
    sys.close(fd);
    sys.close(listener.fd);
  });

  it('sends and receives UDP datagrams with the sender address', () => {
    const a = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    const b = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    sys.bind(a, { family: 'IPv4', address: '127.0.0.1', port: 0 });
    sys.bind(b, { family: 'IPv4', address: '127.0.0.1', port: 0 });
    const message = Buffer.from('ping');
    expect(sys.sendTo(b, message, 0, 4, { family: 'IPv4', address: '127.0.0.1', port: localPort(a) })).toBe(4);
    const buffer = Buffer.alloc(64);
    const from = Buffer.alloc(SOCKET_ADDRESS_SIZE);
    let n = EAGAIN;
    waitUntil(() => (n = sys.recvFrom(a, buffer, 0, 64, from)) !== EAGAIN, 'datagram');
    expect(n).toBe(4);
    expect(buffer.subarray(0, 4).toString()).toBe('ping');
    expect(decodeSocketAddress(from)).toEqual({ family: 'IPv4', address: '127.0.0.1', port: localPort(b) });
    expect(sys.recvFrom(a, buffer, 0, 64, from)).toBe(EAGAIN);
    sys.close(a);
    sys.close(b);
  });

  it('sends on a connected datagram socket and with a pre-encoded address', () => {
    const a = sys.socket(constants.AF_INET6, constants.SOCK_DGRAM);
    const b = sys.socket(constants.AF_INET6, constants.SOCK_DGRAM);
    sys.bind(a, { family: 'IPv6', address: '::1', port: 0 });
    sys.bind(b, { family: 'IPv6', address: '::1', port: 0 });
    const target = { family: 'IPv6', address: '::1', port: localPort(a) } as const;
    expect(sys.connect(b, target)).toBe(0);
    expect(sys.sendTo(b, Buffer.from('one'), 0, 3, null)).toBe(3);
    const encoded = Buffer.alloc(SOCKET_ADDRESS_SIZE);
    const length = encodeSocketAddress(target, encoded);
    expect(sys.sendToEncoded(b, Buffer.from('two'), 0, 3, encoded, length)).toBe(3);
    const buffer = Buffer.alloc(8);
    const from = Buffer.alloc(SOCKET_ADDRESS_SIZE);
    const got: string[] = [];
    waitUntil(() => {
      const n = sys.recvFrom(a, buffer, 0, 8, from);
      if (n > 0) got.push(buffer.toString('utf8', 0, n));
      return got.length === 2;
    }, 'two datagrams');
    expect(got).toEqual(['one', 'two']);
    expect(decodeSocketAddress(from)).toMatchObject({ family: 'IPv6', address: '::1', port: localPort(b) });
    const option = Buffer.alloc(4);
    expect(sys.getSocketOptionBytes(a, constants.SOL_SOCKET, constants.SO_TYPE, option)).toBe(4);
    expect(option.readInt32LE(0)).toBe(constants.SOCK_DGRAM);
    const joined = sys.setMulticastMembershipV6(a, 'ff02::1:3', 0, true);
    expect(joined === 0 || ['ENODEV', 'EADDRNOTAVAIL', 'EINVAL'].includes(errnoName(joined))).toBe(true);
    sys.close(a);
    sys.close(b);
  });

  it('receives and sends several datagrams per syscall with recvMultiple and sendMultiple', () => {
    const a = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    const b = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    sys.bind(a, { family: 'IPv4', address: '127.0.0.1', port: 0 });
    sys.bind(b, { family: 'IPv4', address: '127.0.0.1', port: 0 });
    const payload = Buffer.from('onetwothree');
    const spans = Int32Array.from([0, 3, 3, 3, 6, 5]);
    const addresses = Buffer.alloc(3 * SOCKET_ADDRESS_SIZE);
    const addressLengths = new Int32Array(3);
    for (let i = 0; i < 3; i++) {
      addressLengths[i] = encodeSocketAddress({ family: 'IPv4', address: '127.0.0.1', port: localPort(a) }, addresses.subarray(i * SOCKET_ADDRESS_SIZE));
    }
    expect(sys.sendMultiple(b, payload, spans, 3, addresses, addressLengths)).toBe(3);
    const slots = Buffer.alloc(4 * 16);
    const lengths = new Int32Array(4);
    const from = Buffer.alloc(4 * SOCKET_ADDRESS_SIZE);
    let received = 0;
    waitUntil(() => {
      const r = sys.recvMultiple(a, slots.subarray(received * 16), 16, 4 - received, lengths.subarray(received), from.subarray(received * SOCKET_ADDRESS_SIZE));
      if (r > 0) received += r;
      return received === 3;
    }, 'three datagrams');
    expect([0, 1, 2].map((i) => slots.toString('utf8', i * 16, i * 16 + lengths[i]!))).toEqual(['one', 'two', 'three']);
    expect(decodeSocketAddress(from.subarray(SOCKET_ADDRESS_SIZE))).toEqual({ family: 'IPv4', address: '127.0.0.1', port: localPort(b) });
    expect(sys.recvMultiple(a, slots, 16, 4, lengths)).toBe(EAGAIN);
    expect(() => sys.recvMultiple(a, slots, 16, 8, lengths)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => sys.sendMultiple(b, payload, Int32Array.from([8, 10]), 1)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    sys.close(a);
    sys.close(b);
  });

  it('binds Unix stream and datagram sockets to paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-mio-'));
    try {
      const server = sys.socket(constants.AF_UNIX, constants.SOCK_DGRAM);
      const client = sys.socket(constants.AF_UNIX, constants.SOCK_DGRAM);
      const path = join(dir, 's.sock');
      expect(sys.bind(server, { family: 'unix', path })).toBe(0);
      expect(sys.bind(client, { family: 'unix', path: join(dir, 'c.sock') })).toBe(0);
      expect(sys.sendTo(client, Buffer.from('hi'), 0, 2, { family: 'unix', path })).toBe(2);
      const from = Buffer.alloc(SOCKET_ADDRESS_SIZE);
      const buffer = Buffer.alloc(8);
      expect(sys.recvFrom(server, buffer, 0, 8, from)).toBe(2);
      expect(decodeSocketAddress(from)).toEqual({ family: 'unix', path: join(dir, 'c.sock') });
      sys.close(server);
      sys.close(client);

      const listener = sys.socket(constants.AF_UNIX, constants.SOCK_STREAM);
      expect(sys.bind(listener, { family: 'unix', path: join(dir, 'l.sock') })).toBe(0);
      expect(sys.listen(listener, 8)).toBe(0);
      const stream = sys.socket(constants.AF_UNIX, constants.SOCK_STREAM);
      expect(sys.connect(stream, { family: 'unix', path: join(dir, 'l.sock') })).toBe(0);
      const out = new Int32Array(1);
      expect(sys.accept(listener, out)).toBe(1);
      sys.close(out[0]!);
      sys.close(stream);
      sys.close(listener);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gets and sets the socket options @rt/net needs', () => {
    const fd = sys.socket(constants.AF_INET6, constants.SOCK_STREAM);
    const cases: [number, number, number][] = [
      [constants.IPPROTO_TCP, constants.TCP_NODELAY, 1],
      [constants.SOL_SOCKET, constants.SO_REUSEADDR, 1],
      [constants.SOL_SOCKET, constants.SO_REUSEPORT, 1],
      [constants.SOL_SOCKET, constants.SO_KEEPALIVE, 1],
      [constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 1],
      [constants.IPPROTO_IPV6, constants.IPV6_UNICAST_HOPS, 42],
    ];
    for (const [level, name, value] of cases) {
      expect(sys.setSocketOption(fd, level, name, value)).toBe(0);
      expect(sys.getSocketOption(fd, level, name)).toBe(value);
    }
    expect(sys.setSocketOption(fd, constants.SOL_SOCKET, constants.SO_RCVBUF, 65536)).toBe(0);
    expect(sys.getSocketOption(fd, constants.SOL_SOCKET, constants.SO_RCVBUF)).toBeGreaterThanOrEqual(65536);
    expect(sys.getLinger(fd)).toBeNull();
    expect(sys.setLinger(fd, 3)).toBe(0);
    expect(sys.getLinger(fd)).toBe(3);
    expect(sys.setLinger(fd, null)).toBe(0);
    expect(sys.getLinger(fd)).toBeNull();
    expect(() => sys.setLinger(fd, -1)).toThrow(RangeError);
    sys.close(fd);

    const udp = sys.socket(constants.AF_INET, constants.SOCK_DGRAM);
    for (const [level, name, value] of [
      [constants.IPPROTO_IP, constants.IP_TTL, 7],
      [constants.IPPROTO_IP, constants.IP_MULTICAST_TTL, 3],
      [constants.IPPROTO_IP, constants.IP_MULTICAST_LOOP, 0],
      [constants.SOL_SOCKET, constants.SO_BROADCAST, 1],
    ] as [number, number, number][]) {
      expect(sys.setSocketOption(udp, level, name, value)).toBe(0);
      expect(sys.getSocketOption(udp, level, name)).toBe(value);
    }
    const joined = sys.setMulticastMembershipV4(udp, '239.1.2.3', '0.0.0.0', true);
    // A sandbox without a multicast route may refuse; it must say so with an errno.
    expect(joined === 0 || ['ENODEV', 'EADDRNOTAVAIL'].includes(errnoName(joined))).toBe(true);
    if (joined === 0) expect(sys.setMulticastMembershipV4(udp, '239.1.2.3', '0.0.0.0', false)).toBe(0);
    expect(errnoName(sys.setSocketOption(udp, constants.SOL_SOCKET, 99999, 1))).toBe('ENOPROTOOPT');
    sys.close(udp);
  });
});

describe('errnoName', () => {
  it('names negative errnos as Node does and rejects other numbers', () => {
    expect(errnoName(-11)).toBe('EAGAIN');
    expect(errnoName(-104)).toBe('ECONNRESET');
    expect(() => errnoName(5)).toThrow(RangeError);
  });
});
