// Driver selection: RT_NET_DRIVER, and the automatic fallback where @rt/mio-native did not
// load (simulated by replacing the addon package with one that reports it unavailable).
import { TcpListener, TcpStream, netDriver } from '@rt/net';
import { Handle } from '@rt/scheduler';

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

  describe('the warning when the native driver is missing on Linux', () => {
    const savedQuiet = process.env['RT_NET_FALLBACK_WARNING'];
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
      delete process.env['RT_NET_DRIVER'];
      delete process.env['RT_NET_FALLBACK_WARNING'];
    });
    afterEach(() => {
      warn.mockRestore();
      if (savedQuiet === undefined) delete process.env['RT_NET_FALLBACK_WARNING'];
      else process.env['RT_NET_FALLBACK_WARNING'] = savedQuiet;
    });

    async function openTwoSockets(net: NetModule): Promise<void> {
      for (let i = 0; i < 2; i++) {
        await using listener = await net.TcpListener.bind('127.0.0.1:0');
        await using client = await net.TcpStream.connect(listener.localAddr());
        await using server = await listener.accept();
        expect([listener.driver, client.driver, server.driver]).toEqual(['fallback', 'fallback', 'fallback']);
      }
    }

    (process.platform === 'linux' ? it : it.skip)('is printed once, with the reason and the fix, at the first socket', async () => {
      const net = loadWithoutAddon();
      expect(warn).not.toHaveBeenCalled(); // importing says nothing
      await openTwoSockets(net);
      expect(warn).toHaveBeenCalledTimes(1);
      const [message, options] = warn.mock.calls[0] as [string, { type: string; code: string }];
      expect(options).toEqual({ type: 'RtNativeUnavailableWarning', code: 'RT_NET_FALLBACK' });
      expect(message).toContain('fallback driver');
      expect(message).toContain('simulated: no compiler on this machine');
      expect(message).toContain('npx node-gyp rebuild --directory node_modules/@rt/mio-native/native');
      expect(message).toContain('RT_NET_DRIVER=fallback');
    });

    it('is not printed when the user chose the fallback (RT_NET_DRIVER=fallback) or silenced it', async () => {
      process.env['RT_NET_DRIVER'] = 'fallback';
      await openTwoSockets(loadWithoutAddon());
      delete process.env['RT_NET_DRIVER'];
      process.env['RT_NET_FALLBACK_WARNING'] = '0';
      await openTwoSockets(loadWithoutAddon());
      expect(warn).not.toHaveBeenCalled();
    });

    it('is not printed when the native driver is in use', async () => {
      await using listener = await TcpListener.bind('127.0.0.1:0');
      expect(listener.driver).toBe(netDriver());
      if (netDriver() === 'native') expect(warn).not.toHaveBeenCalled();
    });
  });

  it('names the driver in runtime.metrics() and dump()', async () => {
    delete process.env['RT_NET_DRIVER'];
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const kind = listener.driver;
    const handle = Handle.current();
    const fromMetrics = Object.values(handle.metrics().drivers).map((d) => d['driver']);
    expect(fromMetrics).toContain(kind);
    const dump = handle.dump();
    expect(Object.values(dump.drivers)).toContain(kind);
    expect(String(dump)).toMatch(new RegExp(`driver @rt/net ${kind} driver: ${kind}`));
  });

  it("reports the reactor's counters once, under @rt/reactor, not again under the native driver", async () => {
    delete process.env['RT_NET_DRIVER'];
    await using listener = await TcpListener.bind('127.0.0.1:0');
    if (listener.driver !== 'native') {
      // Only the native driver shares the reactor; the fallback has its own entry.
      expect(Handle.current().metrics().drivers['@rt/net fallback driver']).toMatchObject({ driver: 'fallback' });
      return;
    }
    const drivers = Handle.current().metrics().drivers;
    expect(drivers['@rt/reactor']).toMatchObject({ backend: 'epoll', registered: expect.any(Number) });
    expect(drivers['@rt/net native driver']).toEqual({ driver: 'native', acceptErrors: 0, acceptBackoffs: 0 });
  });
});
