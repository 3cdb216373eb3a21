import { duplex, readToEnd, writeAll } from '@rt/io';
import { UnixStream } from '@rt/net';
import { TlsAcceptor, TlsConnector, TlsError, TlsStream } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';
import { tcpPair, text } from './support/net.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

async function tlsPair(
  server: ConstructorParameters<typeof TlsAcceptor>[0] = { key: certs.server.key, cert: certs.server.cert },
  client: ConstructorParameters<typeof TlsConnector>[0] = { ca: certs.ca },
  name = 'localhost',
): Promise<[TlsStream, TlsStream]> {
  const [c, s, listener] = await tcpPair();
  listener.close();
  const accepting = new TlsAcceptor(server).accept(s);
  const connecting = new TlsConnector(client).connect(name, c);
  return Promise.all([connecting, accepting]);
}

describe('TlsStream between an rt client and an rt server', () => {
  it('echoes both ways, reports what was negotiated, and ends cleanly with close_notify', async () => {
    const [client, server] = await tlsPair();
    await using _c = client;
    await using _s = server;
    expect(client.protocol).toBe('TLSv1.3');
    expect(server.protocol).toBe('TLSv1.3');
    expect(client.cipher.standardName).toMatch(/^TLS_/);
    expect(client.serverName).toBe('localhost');
    expect(server.serverName).toBe('localhost');
    expect(client.alpnProtocol).toBeNull();
    expect(client.peerCertificate()?.subject).toContain('CN=localhost');
    expect(server.peerCertificate()).toBeUndefined();
    await client.writeAll(text('hello'));
    await client.shutdown();
    expect((await readToEnd(server)).toString()).toBe('hello');
    await server.writeAll(text('world'));
    await server.shutdown();
    expect((await readToEnd(client)).toString()).toBe('world');
    expect(await client.read(Buffer.alloc(4))).toBe(0);
  });

  it('moves 4 MiB each way at once with intact bytes (split halves in two tasks)', async () => {
    const [client, server] = await tlsPair();
    await using _c = client;
    await using _s = server;
    const data = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    const [reader, writer] = client.split();
    const echo = (async () => {
      const buf = Buffer.alloc(70_000);
      for (let n; (n = await server.read(buf)) !== 0; ) await server.writeAll(buf.subarray(0, n));
      await server.shutdown();
    })();
    const sending = (async () => {
      await writeAll(writer, data);
      await writer.shutdown();
    })();
    const got = await readToEnd(reader);
    await Promise.all([echo, sending]);
    expect(got.equals(data)).toBe(true);
    expect(reader.unsplit(writer)).toBe(client);
  });

  it('owned halves close the stream once both are closed, and reunite gives the stream back', async () => {
    const [client, server] = await tlsPair();
    await using _s = server;
    const [r, w] = client.intoSplit();
    expect(r.reunite(w)).toBe(client);
    const [r2, w2] = client.intoSplit();
    await w2.writeAll(text('x'));
    r2.close();
    expect(client.closed).toBe(false);
    await w2[Symbol.asyncDispose]();
    expect(client.closed).toBe(true);
    await expect(w2.write(text('y'))).rejects.toBeInstanceOf(TypeError);
  });

  it('reports end of stream without close_notify as ERR_RT_TLS_TRUNCATED', async () => {
    const [client, server] = await tlsPair();
    await using _c = client;
    await server.writeAll(text('partial'));
    await server.flush();
    // Close the TCP stream under the TLS layer: FIN without close_notify.
    server.close();
    const buf = Buffer.alloc(64);
    let got = '';
    let failure: unknown;
    try {
      for (let n; (n = await client.read(buf)) !== 0; ) got += buf.subarray(0, n).toString();
    } catch (error) {
      failure = error;
    }
    expect(got).toBe('partial');
    expect(failure).toBeInstanceOf(TlsError);
    expect((failure as TlsError).code).toBe('ERR_RT_TLS_TRUNCATED');
  });

  it('negotiates ALPN', async () => {
    const [client, server] = await tlsPair(
      { key: certs.server.key, cert: certs.server.cert, alpnProtocols: ['h2', 'http/1.1'] },
      { ca: certs.ca, alpnProtocols: ['http/1.1'] },
    );
    expect(client.alpnProtocol).toBe('http/1.1');
    expect(server.alpnProtocol).toBe('http/1.1');
    client.close();
    server.close();
  });

  it('runs over a UnixStream pair and an in-memory @rt/io duplex too', async () => {
    const [a, b] = UnixStream.pair();
    const [ma, mb] = duplex(1024);
    for (const [x, y] of [
      [a, b],
      [ma, mb],
    ] as const) {
      const [client, server] = await Promise.all([new TlsConnector({ ca: certs.ca }).connect('localhost', x), new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert }).accept(y)]);
      expect(client.getRef()).toBe(x);
      await client.writeAll(text('over any stream'));
      await client.shutdown();
      expect((await readToEnd(server)).toString()).toBe('over any stream');
      client.close();
      server.close();
    }
  });

  it('resumes a session with the ticket of an earlier connection', async () => {
    const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert });
    const connector = new TlsConnector({ ca: certs.ca });
    const connect = async (session?: Buffer): Promise<[TlsStream, TlsStream]> => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      return Promise.all([connector.connect('localhost', c, session === undefined ? {} : { session }), acceptor.accept(s)]);
    };
    const [first, firstServer] = await connect();
    expect(first.isSessionReused).toBe(false);
    // TLS 1.3 tickets come after the handshake: a round trip delivers them.
    await firstServer.writeAll(text('x'));
    expect(await first.read(Buffer.alloc(1))).toBe(1);
    const session = first.session;
    expect(session).toBeInstanceOf(Buffer);
    first.close();
    firstServer.close();
    const [second, secondServer] = await connect(session);
    expect(second.isSessionReused).toBe(true);
    second.close();
    secondServer.close();
  });

  it('lets checkServerIdentity replace the host name check', async () => {
    const seen: string[] = [];
    const [client, server] = await tlsPair(undefined, {
      ca: certs.ca,
      checkServerIdentity: (host, cert) => {
        seen.push(`${host} ${cert.subject.CN}`);
        return undefined;
      },
    }, 'not-the-name.test');
    expect(seen).toEqual(['not-the-name.test localhost']);
    client.close();
    server.close();
    const refusing = new TlsConnector({ ca: certs.ca, checkServerIdentity: () => new Error('pinned key differs') });
    const [c, s, listener] = await tcpPair();
    listener.close();
    const accepting = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert }).accept(s).catch((e: unknown) => e);
    await expect(refusing.connect('localhost', c)).rejects.toMatchObject({ code: 'ERR_RT_TLS_HANDSHAKE', reason: 'pinned key differs' });
    const serverSide = await accepting;
    if (!(serverSide instanceof Error)) (serverSide as TlsStream).close();
  });
});
