import { lookupHost } from '@rt/net';
import { Cancelled } from '@rt/scheduler';

describe('lookupHost', () => {
  it('resolves an IP literal to itself and localhost to loopback addresses', async () => {
    expect((await lookupHost('[::1]:5')).map(String)).toEqual(['[::1]:5']);
    const local = await lookupHost({ host: 'localhost', port: 80 });
    expect(local.length).toBeGreaterThan(0);
    for (const a of local) expect(['127.0.0.1', '::1']).toContain(a.ip);
  });

  it('fails for an unknown name with Node ENOTFOUND (or EAI_AGAIN offline), and on abort with Cancelled', async () => {
    await expect(lookupHost('no-such-host.invalid:1')).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/), syscall: 'getaddrinfo', errno: expect.any(Number), hostname: 'no-such-host.invalid' });
    await expect(lookupHost('localhost:1', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    const controller = new AbortController();
    const pending = lookupHost('localhost:1', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Cancelled);
  });

  it('throws at once for malformed input', () => {
    expect(() => lookupHost('nope')).toThrow(TypeError);
  });
});
