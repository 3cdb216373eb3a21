// Driver selection: RT_NET_DRIVER, and the automatic fallback where @rt/mio-native did not
// load (simulated by replacing the addon package with one that reports it unavailable).
import { TcpListener, TcpStream, netDriver } from '@rt/net';

type NetModule = typeof import('@rt/net');

function loadWithoutAddon(): NetModule {
  let net: NetModule | undefined;
  jest.isolateModules(() => {
    jest.doMock('@rt/mio-native', () => ({
      ...jest.requireActual<object>('@rt/mio-native'),
      available: false,
      loadError: new Error('simulated: no compiler on this machine'),
      constants: {},
    }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    net = require('@rt/net') as NetModule;
  });
  return net!;
}

describe('netDriver', () => {
  const saved = process.env['RT_NET_DRIVER'];
  afterEach(() => {
    if (saved === undefined) delete process.env['RT_NET_DRIVER'];
    else process.env['RT_NET_DRIVER'] = saved;
  });

  it('follows RT_NET_DRIVER and rejects unknown values with a clear message', async () => {
    process.env['RT_NET_DRIVER'] = 'fallback';
    expect(netDriver()).toBe('fallback');
    await using listener = await TcpListener.bind('127.0.0.1:0');
    expect(listener.driver).toBe('fallback');
    process.env['RT_NET_DRIVER'] = 'turbo';
    expect(() => netDriver()).toThrow(/RT_NET_DRIVER must be 'fallback', 'native' or 'auto', got "turbo"/);
    expect(() => TcpStream.connect('127.0.0.1:1')).toThrow(TypeError);
    process.env['RT_NET_DRIVER'] = 'auto';
    expect(['native', 'fallback']).toContain(netDriver());
  });

  it('falls back to Node net where the addon is not available, and says why when native is forced', async () => {
    delete process.env['RT_NET_DRIVER'];
    const net = loadWithoutAddon();
    expect(net.netDriver()).toBe('fallback');
    await using listener = await net.TcpListener.bind('127.0.0.1:0');
    expect(listener.driver).toBe('fallback');
    const client = await net.TcpStream.connect(listener.localAddr());
    const server = await listener.accept();
    await client.writeAll(new TextEncoder().encode('still works'));
    const buf = new Uint8Array(11);
    let got = 0;
    while (got < buf.length) got += await server.read(buf.subarray(got));
    expect(Buffer.from(buf).toString()).toBe('still works');
    client.close();
    server.close();
    process.env['RT_NET_DRIVER'] = 'native';
    expect(() => net.netDriver()).toThrow(/native driver is not available.*simulated: no compiler/);
  });
});
