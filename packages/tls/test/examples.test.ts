// The README's example, with the files and the port of a test (certificates made at test
// time, port 0).
import { copy } from '@rt/io';
import { TcpListener, TcpStream } from '@rt/net';
import { spawn } from '@rt/scheduler';
import { TlsAcceptor, TlsConnector, TlsError, type TlsStream } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

describe('README example', () => {
  it('serves an echo over TLS and reads it back; an expired certificate is a TlsError', async () => {
    const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, alpnProtocols: ['echo'] });
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const server = spawn(async () => {
      for await (const tcp of listener) {
        spawn(async () => {
          await using tls = await acceptor.accept(tcp);
          const [reader, writer] = tls.split();
          await copy(reader, writer);
          await tls.shutdown();
        });
      }
    });
    const connector = new TlsConnector({ ca: certs.ca, alpnProtocols: ['echo'] });
    {
      await using tls = await connector.connect('localhost', await TcpStream.connect(listener.localAddr()), { signal: AbortSignal.timeout(5000) });
      expect([tls.protocol, tls.alpnProtocol]).toEqual(['TLSv1.3', 'echo']);
      await tls.writeAll(new TextEncoder().encode('hello'));
      await tls.shutdown();
      const buf = Buffer.alloc(16);
      let got = '';
      for (let n; (n = await tls.read(buf)) !== 0; ) got += buf.subarray(0, n).toString();
      expect(got).toBe('hello');
    }
    server.abort();
    await server.catch(() => undefined);

    const expiredServer = new TlsAcceptor({ key: certs.expired.key, cert: certs.expired.cert });
    await using expiredListener = await TcpListener.bind('127.0.0.1:0');
    const refused = spawn(async () => expiredServer.accept(await expiredListener.accept()).catch((e: unknown) => e));
    const error = await connector.connect('localhost', await TcpStream.connect(expiredListener.localAddr())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect([(error as TlsError).code, (error as TlsError).reason]).toEqual(['ERR_RT_TLS_CERT_EXPIRED', 'certificate has expired']);
    const serverSide = await refused;
    if (!(serverSide instanceof Error)) (serverSide as TlsStream).close();
  });
});
