import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as nodeTls from 'node:tls';
import { TcpListener, TcpStream } from '@rt/net';
import { readToEnd } from '@rt/io';
import { TlsAcceptor, TlsConnector, TlsError, type TlsStream } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';
import { eachEngine } from './support/engines.js';
import { tcpPair, text } from './support/net.js';
import { killPeers, startPeer } from './support/peer.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());
afterEach(() => killPeers());

/** Reads from `tls` until the text read so far contains `want`. */
async function readUntil(tls: TlsStream, want: string): Promise<string> {
  const buf = Buffer.alloc(4096);
  let got = '';
  while (!got.includes(want)) {
    const n = await tls.read(buf);
    if (n === 0) throw new Error(`end of stream before ${JSON.stringify(want)}; got ${JSON.stringify(got)}`);
    got += buf.subarray(0, n).toString();
  }
  return got;
}

async function listen(): Promise<[TcpListener, number]> {
  const listener = await TcpListener.bind('127.0.0.1:0');
  return [listener, listener.localAddr().port];
}

/** The error `promise` rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<TlsError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TlsError);
  return error as TlsError;
}

// Every test runs on both engines.
eachEngine((engine) => {

  describe('openssl s_server and s_client', () => {
    it('rt client against openssl s_server (echo reversed, ALPN)', async () => {
      const server = startPeer('openssl', [
        's_server', '-accept', '127.0.0.1:0', '-cert', certs.server.certPath, '-key', certs.server.keyPath, '-rev', '-naccept', '1', '-alpn', 'foo,bar',
      ]);
      const [, port] = await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
      const tcp = await TcpStream.connect(`127.0.0.1:${port!}`);
      await using tls = await new TlsConnector({ ca: certs.ca, alpnProtocols: ['bar'] }).connect('localhost', tcp);
      expect(tls.engine).toBe(engine);
      expect(tls.alpnProtocol).toBe('bar');
      await tls.writeAll(text('hello rt\n'));
      expect(await readUntil(tls, 'tr olleh')).toContain('tr olleh');
    });

    it('openssl s_client against an rt server (verified, ALPN), then mutual TLS with a client certificate', async () => {
      const [listener, port] = await listen();
      await using _l = listener;
      const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, alpnProtocols: ['bar'] });
      const mutual = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true });
      for (const [accept, extra] of [
        [acceptor, ['-alpn', 'bar']],
        [mutual, ['-cert', certs.client.certPath, '-key', certs.client.keyPath]],
      ] as const) {
        const client = startPeer('openssl', [
          's_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', certs.caPath, '-verify_return_error', '-no_ign_eof', ...extra,
        ]);
        await using tls = await accept.accept(await listener.accept());
        expect(tls.engine).toBe(engine);
        client.child.stdin!.write('ping\n');
        expect(await readUntil(tls, 'ping\n')).toBe('ping\n');
        await tls.writeAll(text(`PONG from rt, client=${tls.peerCertificate()?.subject.replace(/\n/g, ',') ?? 'none'}\n`));
        await client.waitFor(/PONG from rt/);
        client.child.stdin!.end();
        await client.exited();
        expect(client.stdout()).toContain('Verify return code: 0 (ok)');
        if (accept === acceptor) expect(client.stdout()).toContain('ALPN protocol: bar');
        else expect(client.stdout()).toContain('client=CN=rt test client');
      }
    });
  });

  describe('curl', () => {
    it('fetches over HTTPS from an rt server (--cacert, ALPN http/1.1)', async () => {
      const [listener, port] = await listen();
      await using _l = listener;
      const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, alpnProtocols: ['http/1.1'] });
      const curl = startPeer('curl', [
        '-sS', '--cacert', certs.caPath, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/hi`, '-w', '\n%{http_version} %{http_code}',
      ]);
      await using tls = await acceptor.accept(await listener.accept());
      expect(tls.engine).toBe(engine);
      expect(tls.alpnProtocol).toBe('http/1.1');
      const request = await readUntil(tls, '\r\n\r\n');
      expect(request).toMatch(/^GET \/hi HTTP\/1\.1\r\n/);
      await tls.writeAll(text('HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nhello, curl!'));
      await tls.shutdown();
      expect(await curl.exited()).toBe(0);
      expect(curl.stdout()).toBe('hello, curl!\n1.1 200');
    });
  });

  describe("Node's tls module", () => {
    it('tls.connect against an rt server: SNI picks the second certificate, ALPN, echo', async () => {
      const [listener, port] = await listen();
      await using _l = listener;
      const acceptor = new TlsAcceptor({
        key: certs.server.key,
        cert: certs.server.cert,
        alpnProtocols: ['a', 'b'],
        sniCallback: (name) => (name === 'other.test' ? { key: certs.other.key, cert: certs.other.cert } : undefined),
      });
      const client = nodeTls.connect({ host: '127.0.0.1', port, servername: 'other.test', ca: certs.ca, ALPNProtocols: ['b'] });
      client.on('error', () => undefined);
      const secure = once(client, 'secureConnect');
      await using tls = await acceptor.accept(await listener.accept());
      await secure;
      expect(client.authorized).toBe(true);
      expect(client.getPeerX509Certificate()?.subject).toBe('CN=other.test');
      expect(client.alpnProtocol).toBe('b');
      expect(tls.alpnProtocol).toBe('b');
      expect(tls.serverName).toBe('other.test');
      client.end('from node');
      expect((await readToEnd(tls)).toString()).toBe('from node');
      await tls.writeAll(text('from rt'));
      await tls.shutdown();
      const chunks: Buffer[] = [];
      for await (const chunk of client) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('from rt');
    });

    it("tls.connect gets as many session tickets from an rt server as from tls.createServer, and resumes with one", async () => {
      /** One connection of a Node client: its tickets (after a round trip and the server's close) and whether it resumed. */
      const connectOnce = async (port: number, serve: () => Promise<void>, session?: Buffer): Promise<[Buffer[], boolean]> => {
        const client = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.ca, ...(session === undefined ? {} : { session }) });
        client.on('error', () => undefined);
        const tickets: Buffer[] = [];
        client.on('session', (ticket: Buffer) => tickets.push(ticket));
        const served = serve();
        await once(client, 'secureConnect');
        const reused = client.isSessionReused();
        client.end('hi');
        for await (const chunk of client) void chunk;
        await served;
        return [tickets, reused];
      };
      const node = nodeTls.createServer({ key: certs.server.key, cert: certs.server.cert }, (socket) => {
        socket.on('data', () => undefined);
        socket.on('end', () => socket.end());
      });
      node.listen(0, '127.0.0.1');
      await once(node, 'listening');
      let nodeTickets: Buffer[];
      try {
        [nodeTickets] = await connectOnce((node.address() as AddressInfo).port, () => Promise.resolve());
      } finally {
        node.close();
      }
      const [listener, port] = await listen();
      await using _l = listener;
      const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, engine });
      const serve = async (): Promise<void> => {
        await using tls = await acceptor.accept(await listener.accept());
        expect((await readToEnd(tls)).toString()).toBe('hi');
        await tls.shutdown();
      };
      const [tickets, first] = await connectOnce(port, serve);
      expect(nodeTickets.length).toBe(2); // OpenSSL's default for TLS 1.3, which Node keeps
      expect(tickets.length).toBe(nodeTickets.length);
      expect(first).toBe(false);
      const [, reused] = await connectOnce(port, serve, tickets[0]);
      expect(reused).toBe(true);
    });

    it('rt client against tls.createServer with mutual TLS and ALPN', async () => {
      const server = nodeTls.createServer(
        { key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['x', 'y'] },
        (socket) => {
          // After the client's first bytes: a Node server that ends at once, before the TLS 1.3
          // handshake is complete on its side, sends no close_notify (a truncation).
          socket.once('data', () => socket.end(`authorized=${String(socket.authorized)} cn=${socket.getPeerX509Certificate()?.subject ?? ''} alpn=${String(socket.alpnProtocol)}`));
        },
      );
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const port = (server.address() as AddressInfo).port;
        const connector = new TlsConnector({ ca: certs.ca, cert: certs.client.cert, key: certs.client.key, alpnProtocols: ['y'] });
        await using tls = await connector.connect('localhost', await TcpStream.connect(`127.0.0.1:${port}`));
        expect(tls.alpnProtocol).toBe('y');
        await tls.writeAll(text('hello'));
        expect((await readToEnd(tls)).toString()).toBe('authorized=true cn=CN=rt test client alpn=y');
      } finally {
        server.close();
      }
    });
  });

  describe('SNI and certificate errors (rt on both sides)', () => {
    const serverOptions = (): ConstructorParameters<typeof TlsAcceptor>[0] => ({
      key: certs.server.key,
      cert: certs.server.cert,
      sniCallback: (name) => (name === 'other.test' ? nodeTls.createSecureContext({ key: certs.other.key, cert: certs.other.cert }) : undefined),
    });

    it('chooses the certificate by server name', async () => {
      for (const [name, cn] of [
        ['localhost', 'CN=localhost'],
        ['other.test', 'CN=other.test'],
      ]) {
        const [c, s, listener] = await tcpPair();
        listener.close();
        const [client, server] = await Promise.all([new TlsConnector({ ca: certs.ca }).connect(name!, c), new TlsAcceptor(serverOptions()).accept(s)]);
        expect(client.peerCertificate()?.subject).toBe(cn);
        expect([client.engine, server.engine]).toEqual([engine, 'node']); // sniCallback: Node's path
        expect(server.serverName).toBe(name);
        client.close();
        server.close();
      }
    });

    it.each([
      ['an expired certificate', 'expired', 'localhost', 'ERR_RT_TLS_CERT_EXPIRED', 'CERT_HAS_EXPIRED'],
      ['a self-signed certificate', 'selfSigned', 'localhost', 'ERR_RT_TLS_CERT_UNTRUSTED', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['a certificate for another name', 'server', 'other.test', 'ERR_RT_TLS_HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ] as const)('rejects %s with a typed error and closes the stream', async (_what, which, name, code, opensslCode) => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const accepting: Promise<TlsStream | Error> = new TlsAcceptor({ key: certs[which].key, cert: certs[which].cert }).accept(s).then(
        (tls) => tls,
        (e: unknown) => e as Error,
      );
      const error = await failure(new TlsConnector({ ca: certs.ca }).connect(name, c));
      expect(error.code).toBe(code);
      expect(error.opensslCode).toBe(opensslCode);
      expect(error.reason).not.toBe('');
      await expect(c.write(text('x'))).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
      const serverSide = await accepting;
      if (serverSide instanceof Error) expect(serverSide).toBeInstanceOf(TlsError);
      else serverSide.close();
    });

    it('mutual TLS: refuses a client with no certificate and one from an unknown CA', async () => {
      const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true });
      for (const [clientOptions, code] of [
        [{}, 'ERR_RT_TLS_HANDSHAKE'],
        [{ cert: certs.selfSigned.cert, key: certs.selfSigned.key }, 'ERR_RT_TLS_CERT_UNTRUSTED'],
      ] as const) {
        const [c, s, listener] = await tcpPair();
        listener.close();
        const connecting = new TlsConnector({ ca: certs.ca, ...clientOptions }).connect('localhost', c).then(
          async (tls) => {
            // TLS 1.3: the client finishes first; the refusal arrives as an alert or a close.
            const buf = Buffer.alloc(16);
            return tls.read(buf).then(
              () => tls,
              (e: unknown) => e,
            );
          },
          (e: unknown) => e,
        );
        const error = await failure(acceptor.accept(s));
        expect(error.code).toBe(code);
        const clientSide = await connecting;
        if (clientSide instanceof Error) expect(clientSide).toBeInstanceOf(TlsError);
        else (clientSide as TlsStream).close();
      }
    });
  });
});
