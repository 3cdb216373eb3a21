// The choice between the two engines (`engine` option, RT_TLS_ENGINE) and what only the
// native engine has: the fd taken from the rt stream, closed exactly once.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as nodeTls from 'node:tls';
import { duplex, readToEnd } from '@rt/io';
import { tlsAvailable } from '@rt/mio-native';
import { TcpListener, TcpStream, UnixStream } from '@rt/net';
import { Reactor } from '@rt/reactor';
import { Cancelled } from '@rt/scheduler';
import { TlsAcceptor, TlsConnector, TlsError, type TlsStream } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';
import { openFds, tcpPair, text } from './support/net.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

const server = (extra: Partial<ConstructorParameters<typeof TlsAcceptor>[0]> = {}): TlsAcceptor =>
  new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, ...extra });
const client = (extra: Partial<ConstructorParameters<typeof TlsConnector>[0]> = {}): TlsConnector => new TlsConnector({ ca: certs.ca, ...extra });

/**
 * Bytes the kernel holds for the TCP connection 127.0.0.1:`ports[0]` → 127.0.0.1:`ports[1]`
 * that its owner has not read yet (`rx_queue` of /proc/net/tcp; both ends matched, as other
 * processes' connections may share a local port): on loopback a send is in the peer's receive
 * queue when the send returns, so this shows synchronously what the other end has sent.
 */
function unreadBytes(ports: readonly [number, number]): number {
  const [local, remote] = ports.map((port) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`);
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[2] === remote) return parseInt(fields[4]!.split(':')[1]!, 16);
  }
  throw new Error(`no TCP connection 127.0.0.1:${ports[0]} -> 127.0.0.1:${ports[1]}`);
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function tlsPair(acceptor: TlsAcceptor, connector: TlsConnector): Promise<[TlsStream, TlsStream]> {
  const [c, s, listener] = await tcpPair();
  listener.close();
  return Promise.all([connector.connect('localhost', c), acceptor.accept(s)]);
}

it('the addon with OpenSSL 3 is available here (the native engine is what these tests check)', () => {
  expect(tlsAvailable).toBe(true);
});

describe('engine choice', () => {
  it("'auto' runs TCP sockets natively, and Unix sockets (no intoRawFd) and a duplex on Node's TLSSocket", async () => {
    const [c, s] = await tlsPair(server(), client());
    expect([c.engine, s.engine]).toEqual(['native', 'native']);
    expect(c.tlsSocket).toBeNull();
    c.close();
    s.close();
    const [a, b] = await UnixStream.pair();
    const [uc, us] = await Promise.all([client().connect('localhost', a), server().accept(b)]);
    expect([uc.engine, us.engine]).toEqual(['node', 'node']);
    uc.close();
    us.close();
    const [x, y] = duplex(64 * 1024);
    const [dc, ds] = await Promise.all([client().connect('localhost', x), server().accept(y)]);
    expect([dc.engine, ds.engine]).toEqual(['node', 'node']);
    expect(dc.tlsSocket).not.toBeNull();
    dc.close();
    ds.close();
  });

  it("falls back to Node's engine for options the native one does not support", async () => {
    const cases: [TlsAcceptor, TlsConnector][] = [
      [server({ sniCallback: () => undefined }), client({ checkServerIdentity: () => undefined })],
      [server({ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256' }), client({ minVersion: 'TLSv1.1' })],
      [server({ engine: 'node' }), client({ engine: 'node' })],
    ];
    for (const [acceptor, connector] of cases) {
      const [c, s] = await tlsPair(acceptor, connector);
      expect([c.engine, s.engine]).toEqual(['node', 'node']);
      c.close();
      s.close();
    }
  });

  it('RT_TLS_ENGINE=node makes the default engine Node\'s', async () => {
    process.env['RT_TLS_ENGINE'] = 'node';
    let acceptor: TlsAcceptor;
    let connector: TlsConnector;
    try {
      acceptor = server();
      connector = client();
    } finally {
      delete process.env['RT_TLS_ENGINE'];
    }
    const [c, s] = await tlsPair(acceptor, connector);
    expect([c.engine, s.engine]).toEqual(['node', 'node']);
    c.close();
    s.close();
  });

  it("engine 'native' refuses options it cannot serve and streams it cannot take (closing them), with typed errors", async () => {
    expect(() => server({ engine: 'native', sniCallback: () => undefined })).toThrow(expect.objectContaining({ code: 'ERR_RT_TLS_CONFIG' }));
    expect(() => client({ engine: 'native', ciphers: 'HIGH' })).toThrow(TlsError);
    expect(() => client({ engine: 'fast' as never })).toThrow(TypeError);
    const [x, y] = duplex(1024);
    const error = await client({ engine: 'native' }).connect('localhost', x).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RT_TLS_CONFIG' });
    await expect(x.write(text('x'))).rejects.toThrow(); // closed
    y.close();
  });
});

describe('both engines', () => {
  it.each(['native', 'node'] as const)('writeAll of an empty buffer resolves at once, also after shutdown() and close() (%s engine, as TcpStream and io writeAll)', async (engine) => {
    const [c, s] = await tlsPair(server({ engine }), client({ engine }));
    expect(c.engine).toBe(engine);
    const empty = new Uint8Array(0);
    await expect(c.writeAll(empty)).resolves.toBeUndefined();
    await c.shutdown();
    await expect(c.writeAll(empty)).resolves.toBeUndefined();
    c.close();
    await expect(c.writeAll(empty)).resolves.toBeUndefined();
    s.close();
  });
});

describe('native engine', () => {
  it('owns the fd from the handshake on: the rt stream is spent, close() closes it once, a second close is a no-op', async () => {
    const before = openFds();
    const [c, s] = await tlsPair(server(), client());
    await expect(c.getRef().write(text('x'))).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
    c.close();
    c.close();
    await c[Symbol.asyncDispose]();
    expect(c.closed).toBe(true);
    await expect(c.read(Buffer.alloc(4))).rejects.toMatchObject({ code: 'ERR_RT_STREAM_CLOSED' });
    await expect(c.write(text('x'))).rejects.toMatchObject({ code: 'ERR_RT_STREAM_CLOSED' });
    expect(() => c.protocol).toThrow();
    expect(c.session).toBeUndefined();
    // The server sees the close without close_notify (a reset: the client left its session tickets unread).
    const error = await s.read(Buffer.alloc(4)).catch((e: unknown) => e);
    expect(['ERR_RT_TLS_TRUNCATED', 'ECONNRESET']).toContain((error as { code?: string }).code);
    s.close();
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('close() while a read waits fails the read (typed) and leaks no fd', async () => {
    const before = openFds();
    const [c, s] = await tlsPair(server(), client());
    const reading = c.read(Buffer.alloc(16)).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 10));
    c.close();
    expect(await reading).toMatchObject({ code: 'ERR_RT_STREAM_CLOSED' });
    s.close();
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('resumes a session it got from an earlier connection', async () => {
    const acceptor = server();
    const connector = client();
    const [c1, s1] = await tlsPair(acceptor, connector);
    await s1.writeAll(text('ticket'));
    await s1.shutdown();
    expect((await readToEnd(c1)).toString()).toBe('ticket'); // TLS 1.3 tickets come with the data
    const session = c1.session;
    expect(session).toBeInstanceOf(Buffer);
    c1.close();
    s1.close();
    const [c, s, listener] = await tcpPair();
    listener.close();
    const [c2, s2] = await Promise.all([connector.connect('localhost', c, { session: session! }), acceptor.accept(s)]);
    expect([c2.isSessionReused, s2.isSessionReused]).toEqual([true, true]);
    c2.close();
    s2.close();
  });

  describe("the server's session tickets wait for its next flush point (one send with what follows)", () => {
    /** A native pair whose client reads nothing: [client, server, the client's local port]. */
    async function pairWithPort(acceptor = server()): Promise<[TlsStream, TlsStream, [number, number]]> {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const port: [number, number] = [c.localAddr().port, c.peerAddr().port];
      const [tc, ts] = await Promise.all([client().connect('localhost', c), acceptor.accept(s)]);
      return [tc, ts, port];
    }

    it('not sent as the handshake completes; the first reply carries them', async () => {
      const [c, s, port] = await pairWithPort();
      expect(unreadBytes(port)).toBe(0); // the handshake is done and the tickets are still held
      await s.writeAll(text('reply'));
      const withReply = unreadBytes(port);
      expect(withReply).toBeGreaterThan(200); // two tickets (~250 B each) + the reply record (5 + 5 + 17 B)
      const buf = Buffer.alloc(64);
      expect(Buffer.from(buf.subarray(0, await c.read(buf))).toString()).toBe('reply');
      expect(c.session).toBeInstanceOf(Buffer);
      c.close();
      s.close();
    });

    it('shutdown() sends them with the close_notify, and the client can resume', async () => {
      const acceptor = server();
      const [c, s, port] = await pairWithPort(acceptor);
      expect(unreadBytes(port)).toBe(0);
      await s.shutdown();
      expect(unreadBytes(port)).toBeGreaterThan(0);
      expect((await readToEnd(c)).length).toBe(0);
      const session = c.session!;
      c.close();
      s.close();
      const [c2, s2, listener] = await tcpPair();
      listener.close();
      const [rc, rs] = await Promise.all([client().connect('localhost', c2, { session }), acceptor.accept(s2)]);
      expect([rc.isSessionReused, rs.isSessionReused]).toEqual([true, true]);
      rc.close();
      rs.close();
    });

    it('a server that stays idle after the handshake sends them at the end of the turn', async () => {
      const [c, s, port] = await pairWithPort();
      expect(unreadBytes(port)).toBe(0);
      await turn();
      expect(unreadBytes(port)).toBeGreaterThan(200);
      c.close();
      s.close();
    });

    it('a server read that must wait sends them before it parks (in the same turn)', async () => {
      const [c, s, port] = await pairWithPort();
      expect(unreadBytes(port)).toBe(0);
      const reading = s.read(Buffer.alloc(16));
      expect(unreadBytes(port)).toBeGreaterThan(200); // before the end of the turn
      await c.writeAll(text('late'));
      expect(await reading).toBe(4);
      c.close();
      s.close();
    });

    it('close() right after the handshake leaks nothing (the held tickets are dropped with the connection)', async () => {
      const before = openFds();
      for (let i = 0; i < 20; i++) {
        const [c, s] = await pairWithPort();
        s.close();
        expect(['ERR_RT_TLS_TRUNCATED', 'ECONNRESET']).toContain(((await c.read(Buffer.alloc(8)).catch((e: unknown) => e)) as { code?: string }).code);
        c.close();
      }
      await turn(); // a release armed for a closed stream does nothing
      expect(openFds()).toBeLessThanOrEqual(before);
    });

    it.each([
      ['stays idle', async (): Promise<void> => void (await new Promise((resolve) => setTimeout(resolve, 300)))],
      ['only reads', undefined],
    ] as const)("a Node client that only reads gets its tickets and resumes while the rt server %s", async (_what, idle) => {
      await using listener = await TcpListener.bind('127.0.0.1:0');
      const port = listener.localAddr().port;
      const acceptor = server();
      const connectOnce = async (session?: Buffer): Promise<[Buffer | undefined, boolean]> => {
        const nodeClient = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.ca, ...(session === undefined ? {} : { session }) });
        nodeClient.on('error', () => undefined);
        const ticket = once(nodeClient, 'session').then(([t]) => t as Buffer, () => undefined);
        const tls = await acceptor.accept(await listener.accept());
        const serving = idle === undefined ? tls.read(Buffer.alloc(16)).catch(() => 0) : idle();
        let timer: NodeJS.Timeout | undefined;
        const got = await Promise.race([ticket, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 2000)))]);
        clearTimeout(timer);
        const reused = nodeClient.isSessionReused();
        nodeClient.destroy();
        await serving;
        tls.close();
        return [got, reused];
      };
      const [ticket, first] = await connectOnce();
      expect(ticket).toBeInstanceOf(Buffer); // not stranded in the server's output buffer
      expect(first).toBe(false);
      const [, reused] = await connectOnce(ticket);
      expect(reused).toBe(true);
    });
  });

  it("takes the TcpStream's fd with its reactor registration (no re-registration), and leaves no fd, registration or wait after aborted or finished handshakes", async () => {
    const reactor = Reactor.current();
    const acceptor = server();
    const connector = client();
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const round = async (i: number): Promise<void> => {
      const [c, s] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()]);
      if (i % 2 === 0) {
        // Aborted mid-handshake (the client said nothing yet): the fd and its registration go.
        const controller = new AbortController();
        const accepting = acceptor.accept(s, { signal: controller.signal }).catch((e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, 1));
        controller.abort();
        expect(await accepting).toBeInstanceOf(Cancelled);
        c.close();
        return;
      }
      // A read parked on the TcpStream is failed when the stream is handed over.
      const parked = s.read(Buffer.alloc(8)).catch((e: unknown) => e);
      const [tc, ts] = await Promise.all([connector.connect('localhost', c), acceptor.accept(s)]);
      expect(await parked).toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED', message: expect.stringContaining('handed to another owner') });
      await ts.writeAll(text('ok'));
      const buf = Buffer.alloc(8);
      expect(Buffer.from(buf.subarray(0, await tc.read(buf))).toString()).toBe('ok');
      tc.close();
      ts.close();
    };
    await round(1);
    const fds = openFds();
    const registered = reactor.metrics().registered;
    const waiters = reactor.metrics().waiters;
    for (let i = 0; i < 20; i++) await round(i);
    expect(openFds()).toBeLessThanOrEqual(fds);
    expect(reactor.metrics().registered).toBe(registered);
    expect(reactor.metrics().waiters).toBe(waiters);
  });

  it('one write takes a buffer larger than a record (200 KiB) whole while the output buffer has room', async () => {
    const [c, s] = await tlsPair(server(), client());
    const data = Buffer.alloc(200 * 1024, 9);
    expect(await c.write(data)).toBe(data.length);
    await c.shutdown();
    expect((await readToEnd(s)).equals(data)).toBe(true);
    c.close();
    s.close();
  });

  it('an aborted signal fails read, write and writeAll on the fast path (bytes ready, room to write) and takes nothing', async () => {
    const [c, s] = await tlsPair(server(), client());
    await c.writeAll(text('ready'));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the record reaches the server's socket
    const signal = AbortSignal.abort('stop');
    const buf = new Uint8Array(16);
    await expect(s.read(buf, { signal })).rejects.toBeInstanceOf(Cancelled);
    await expect(s.write(text('x'), { signal })).rejects.toBeInstanceOf(Cancelled);
    await expect(s.writeAll(text('x'), { signal })).rejects.toBeInstanceOf(Cancelled);
    const n = await s.read(buf);
    expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('ready'); // the aborted read took nothing
    await s.writeAll(text('after'));
    const got = new Uint8Array(16);
    const m = await c.read(got);
    expect(Buffer.from(got.subarray(0, m)).toString()).toBe('after'); // the aborted writes sent nothing
    c.close();
    s.close();
  });

  it('reads served at once from bytes already received spend the cooperative budget: a setImmediate runs within 200 reads', async () => {
    const [c, s] = await tlsPair(server(), client());
    const data = Buffer.alloc(1024 * 1024, 7);
    await c.writeAll(data);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the bytes reach the server's socket
    let immediate = false;
    setImmediate(() => (immediate = true));
    const buf = Buffer.alloc(16);
    let reads = 0;
    let got = 0;
    while (!immediate && got < data.length) {
      got += await s.read(buf);
      reads++;
    }
    expect(immediate).toBe(true);
    expect(reads).toBeLessThanOrEqual(200); // 1 MiB is 65,536 reads of 16 B: without the budget none would yield
    c.close();
    s.close();
  });

  it('writes taken at once (write and writeAll) spend the cooperative budget: a setImmediate runs within 200 of each', async () => {
    const [c, s] = await tlsPair(server(), client());
    const small = Buffer.alloc(16, 1);
    for (const op of [(b: Buffer) => c.write(b), (b: Buffer) => c.writeAll(b)]) {
      let immediate = false;
      setImmediate(() => (immediate = true));
      let writes = 0;
      while (!immediate && writes < 10_000) {
        await op(small);
        writes++;
      }
      expect(immediate).toBe(true);
      expect(writes).toBeLessThanOrEqual(200);
    }
    c.close();
    s.close();
  });

  it('a write over the output limit waits for the peer to read, and nothing is lost (16 MiB through a slow reader)', async () => {
    const [c, s] = await tlsPair(server(), client());
    const data = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
    const writing = (async () => {
      await c.writeAll(data);
      await c.shutdown();
    })();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the buffers fill
    const got = await readToEnd(s);
    await writing;
    expect(got.equals(data)).toBe(true);
    c.close();
    s.close();
  });
});
