// Runs a suite once per TLS engine: the native one (OpenSSL on the socket's fd, the default
// where it applies) and Node's TLSSocket (RT_TLS_ENGINE=node makes it the default).
export type Engine = 'native' | 'node';

export function eachEngine(suite: (engine: Engine) => void): void {
  describe.each(['native', 'node'] as const)('engine %s', (engine) => {
    const saved = process.env['RT_TLS_ENGINE'];
    beforeAll(() => {
      if (engine === 'node') process.env['RT_TLS_ENGINE'] = 'node';
      else delete process.env['RT_TLS_ENGINE'];
    });
    afterAll(() => {
      if (saved === undefined) delete process.env['RT_TLS_ENGINE'];
      else process.env['RT_TLS_ENGINE'] = saved;
    });
    suite(engine);
  });
}
