// HTTPS with rt's own TLS: serve({ tls: new TlsAcceptor(...) }) and
// new HttpClient({ tls: new TlsConnector(...) }), against curl --cacert, Node's https
// client and the rt client, with certificates made by the openssl CLI at test time.
import { execFile } from 'node:child_process';
import https from 'node:https';
import { TlsAcceptor, TlsConnector, TlsError } from '@rt/tls';
import { HttpClient, serve } from '@rt/http';
import { makeCerts, type Certs } from '../../tls/test/support/certs.js';

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${file}: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});
afterAll(() => certs.remove());

describe('HTTPS on @rt/tls', () => {
  it('serves curl --cacert, Node https and the rt client, keeping the connection alive', async () => {
    const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, alpnProtocols: ['http/1.1'] });
    await using server = await serve({ tls: acceptor }, async (request) => new Response(`${request.method} ${request.url} ${await request.text()}`));
    const port = server.addr.port;
    const url = `https://localhost:${port}/tls`;

    const viaCurl = await run('curl', ['-sS', '--cacert', certs.caPath, '--resolve', `localhost:${port}:127.0.0.1`, '-d', 'hi', url]);
    expect(viaCurl).toBe(`POST ${url} hi`);

    const viaNode = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path: '/node', method: 'POST', ca: certs.ca }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end('from node');
    });
    expect(viaNode).toBe(`POST https://127.0.0.1:${port}/node from node`);

    await using client = new HttpClient({ tls: new TlsConnector({ ca: certs.ca }) });
    const before = server.connections;
    for (let i = 0; i < 3; i++) {
      const response = await client.fetch(`https://localhost:${port}/c${i}`, { method: 'POST', body: String(i) });
      expect(await response.text()).toBe(`POST https://localhost:${port}/c${i} ${i}`);
    }
    expect(server.connections - before).toBeLessThanOrEqual(1); // the three requests shared one TLS connection
  });

  it('the rt client refuses a server whose certificate it cannot verify, with a typed TlsError', async () => {
    const acceptor = new TlsAcceptor({ key: certs.selfSigned.key, cert: certs.selfSigned.cert });
    await using server = await serve({ tls: acceptor }, () => new Response('should not be reached'));
    await using client = new HttpClient({ tls: new TlsConnector({ ca: certs.ca }) });
    const error = await client.fetch(`https://localhost:${server.addr.port}/`).catch((e: unknown) => e);
    const cause = error instanceof TlsError ? error : (error as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(TlsError);
    expect((cause as TlsError).code).toBe('ERR_RT_TLS_CERT_UNTRUSTED');
  });
});
