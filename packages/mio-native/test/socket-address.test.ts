import { SocketAddress as NodeSocketAddress } from 'node:net';
import fc from 'fast-check';
import { decodeSocketAddress, encodeSocketAddress, SOCKET_ADDRESS_SIZE } from '@rt/mio-native';
import type { SocketAddress } from '@rt/mio-native';

describe('encodeSocketAddress', () => {
  const out = Buffer.alloc(SOCKET_ADDRESS_SIZE);

  it('encodes IPv4, IPv6 and Unix addresses with their sockaddr lengths', () => {
    expect(encodeSocketAddress({ family: 'IPv4', address: '10.1.2.3', port: 258 }, out)).toBe(16);
    expect([...out.subarray(0, 8)]).toEqual([2, 0, 1, 2, 10, 1, 2, 3]);
    expect(encodeSocketAddress({ family: 'IPv6', address: '::1', port: 80 }, out)).toBe(28);
    expect(out[23]).toBe(1);
    expect(encodeSocketAddress({ family: 'unix', path: '/tmp/x' }, out)).toBe(2 + 6 + 1);
    expect(encodeSocketAddress({ family: 'unix', path: '\0abstract' }, out)).toBe(2 + 9);
  });

  it('rejects malformed addresses with a message naming the value', () => {
    expect(() => encodeSocketAddress({ family: 'IPv4', address: 'localhost', port: 1 }, out)).toThrow(/localhost/);
    expect(() => encodeSocketAddress({ family: 'IPv4', address: '1.2.3.4', port: 70000 }, out)).toThrow(RangeError);
    expect(() => encodeSocketAddress({ family: 'IPv6', address: '1.2.3.4', port: 1 }, out)).toThrow(TypeError);
    expect(() => encodeSocketAddress({ family: 'unix', path: 'x'.repeat(200) }, out)).toThrow(RangeError);
    expect(() => encodeSocketAddress({ family: 'ipx' } as unknown as SocketAddress, out)).toThrow(/ipx/);
    expect(() => encodeSocketAddress({ family: 'IPv4', address: '1.2.3.4', port: 1 }, Buffer.alloc(8))).toThrow(RangeError);
  });

  it('round-trips through decodeSocketAddress', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (address, port) => {
        encodeSocketAddress({ family: 'IPv4', address, port }, out);
        expect(decodeSocketAddress(out)).toEqual({ family: 'IPv4', address, port });
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 0xffff }), (address, port, scopeId) => {
        encodeSocketAddress({ family: 'IPv6', address, port, scopeId }, out);
        const decoded = decodeSocketAddress(out);
        // Node's own form (inet_ntop: RFC 5952, dotted decimal for IPv4-mapped/-compatible).
        const canonical = new NodeSocketAddress({ address, family: 'ipv6' }).address;
        expect(decoded).toEqual({ family: 'IPv6', address: canonical, port, flowInfo: 0, scopeId });
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), fc.constantFrom('::ffff:', '::', '0:0:0:0:0:ffff:', '1::ffff:'), (v4, prefix) => {
        const address = prefix + v4;
        encodeSocketAddress({ family: 'IPv6', address, port: 1 }, out);
        expect((decodeSocketAddress(out) as { address: string }).address).toBe(new NodeSocketAddress({ address, family: 'ipv6' }).address);
      }),
    );
    for (const [address, printed] of [['::ffff:7f00:1', '::ffff:127.0.0.1'], ['::1', '::1'], ['::', '::'], ['::2:3', '::0.2.0.3'], ['1::ffff:1.2.3.4', '1::ffff:102:304']]) {
      encodeSocketAddress({ family: 'IPv6', address: address!, port: 1 }, out);
      expect((decodeSocketAddress(out) as { address: string }).address).toBe(printed);
    }
    const length = encodeSocketAddress({ family: 'unix', path: '\0name' }, out);
    expect(decodeSocketAddress(out, length)).toEqual({ family: 'unix', path: '\0name' });
  });
});
