import { SocketAddr } from '@rt/net';

describe('SocketAddr', () => {
  it('parses IPv4 and bracketed IPv6 text and prints it back', () => {
    const v4 = SocketAddr.parse('127.0.0.1:8080');
    expect([v4.ip, v4.port, v4.family, v4.isIPv4()]).toEqual(['127.0.0.1', 8080, 'IPv4', true]);
    expect(v4.toString()).toBe('127.0.0.1:8080');
    const v6 = SocketAddr.parse('[::1]:443');
    expect([v6.ip, v6.port, v6.family, v6.isIPv6()]).toEqual(['::1', 443, 'IPv6', true]);
    expect(String(v6)).toBe('[::1]:443');
    expect(JSON.stringify({ a: v6 })).toBe('{"a":"[::1]:443"}');
  });

  it('rejects malformed text with a message naming it', () => {
    expect(() => SocketAddr.parse('localhost:80')).toThrow(/"localhost" is not an IPv4 or IPv6 address/);
    expect(() => SocketAddr.parse('127.0.0.1')).toThrow(TypeError);
    expect(() => SocketAddr.parse('[::1:80')).toThrow(TypeError);
    expect(() => SocketAddr.parse('1.2.3.4:65536')).toThrow(RangeError);
    expect(() => new SocketAddr('1.2.3.4', 1.5)).toThrow(RangeError);
    expect(() => new SocketAddr('1.2.3.4', '80' as unknown as number)).toThrow(TypeError);
  });
});
