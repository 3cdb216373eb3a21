import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as nodeTls from 'node:tls';
import fc from 'fast-check';
import { duplex, readToEnd, writeAll, type DuplexStream } from '@rt/io';
import { TcpListener, TcpStream } from '@rt/net';
import { Cancelled, RtError, spawn } from '@rt/scheduler';
import { TlsAcceptor, TlsConnector, TlsError, type TlsStream } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';
import { eachEngine } from './support/engines.js';
import { eventually, openFds, peerClose, tcpPair, text } from './support/net.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

const acceptor = (options: Partial<ConstructorParameters<typeof TlsAcceptor>[0]> = {}): TlsAcceptor =>
  new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert, ...options });
// The long reliability run sets RT_TLS_FUZZ_RUNS (e.g. 100000); `pnpm test` runs a short form.
const fuzzRuns = (short: number): number => Number(process.env['RT_TLS_FUZZ_RUNS'] ?? short);

const connector = (): TlsConnector => new TlsConnector({ ca: certs.ca });

/** The bytes a Node client sends first: a real ClientHello for localhost. */
async function clientHello(): Promise<Buffer> {
  let socket: nodeTls.TLSSocket | undefined;
  const hello = await new Promise<Buffer>((resolve) => {
    const capture = new Duplex({
      read() {},
      write(chunk: Buffer) {
        resolve(Buffer.from(chunk));
      },
    });
    socket = nodeTls.connect({ socket: capture, servername: 'localhost' });
    socket.on('error', () => undefined);
  });
  socket?.destroy();
  return hello;
}

/** Settles with the error `promise` rejects with, or fails. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      (value as TlsStream | undefined)?.close?.();
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/**
 * A client and a server TLS stream joined through two in-memory pipes and a relay task that
 * forwards bytes; `tamper` (server → client direction) may change what the client gets.
 */
async function relayedPair(): Promise<{ client: TlsStream; server: TlsStream; toClient: DuplexStream; fromServer: DuplexStream }> {
  const [clientEnd, toClient] = duplex(64 * 1024);
  const [serverEnd, fromServer] = duplex(64 * 1024);
  // Client → server is relayed in full for the whole test; server → client only during the handshake.
  const up = (async () => {
    const buf = Buffer.alloc(16 * 1024);
    for (let n; (n = await toClient.read(buf)) !== 0; ) await writeAll(fromServer, buf.subarray(0, n));
  })().catch(() => undefined);
  void up;
  const stop = new AbortController();
  const down = (async () => {
    const buf = Buffer.alloc(16 * 1024);
    for (let n; (n = await fromServer.read(buf, { signal: stop.signal })) !== 0; ) await writeAll(toClient, buf.subarray(0, n));
  })().catch(() => undefined);
  const [client, server] = await Promise.all([connector().connect('localhost', clientEnd), acceptor().accept(serverEnd)]);
  // A read is cancel safe: stopping the relay loses nothing; the test owns server → client now.
  stop.abort();
  await down;
  return { client, server, toClient, fromServer };
}

// Every test runs on both engines.
eachEngine((_engine) => {

  describe('bad input on the handshake', () => {
    it('random bytes instead of a ClientHello (then FIN, or left open) fail the accept with ERR_RT_TLS_HANDSHAKE', async () => {
      for (const fin of [true, false]) {
        const [c, s, listener] = await tcpPair();
        listener.close();
        const accepting = rejection(acceptor().accept(s));
        // Random, except that it cannot begin a record or an SSLv2 hello: an engine may rightly
        // wait for the rest of a record whose random header happens to look valid (a random
        // version byte 3 with a plausible length: about 1 run in 300), and then only the
        // handshake timeout ends the accept.
        const junk = randomBytes(600);
        junk[0] = 0x01; // no content type, high bit clear (not SSLv2)
        junk[1] = 0x00; // no TLS major version
        await c.writeAll(junk);
        if (fin) await c.shutdown();
        const error = await accepting;
        expect(error).toBeInstanceOf(TlsError);
        expect((error as TlsError).code).toBe('ERR_RT_TLS_HANDSHAKE');
        // The server closed its side: the client reads to the end (maybe an alert first) or is reset.
        expect(['closed', 'ECONNRESET']).toContain(await peerClose(c));
        c.close();
      }
    });

    it('a truncated ClientHello then FIN fails the accept with ERR_RT_TLS_HANDSHAKE', async () => {
      const hello = await clientHello();
      const [c, s, listener] = await tcpPair();
      listener.close();
      const accepting = rejection(acceptor().accept(s));
      await c.writeAll(hello.subarray(0, Math.floor(hello.length / 2)));
      await c.shutdown();
      const error = (await accepting) as TlsError;
      expect(error).toBeInstanceOf(TlsError);
      expect(error.code).toBe('ERR_RT_TLS_HANDSHAKE');
      c.close();
    });

    it('a client that never finishes its handshake is dropped after handshakeTimeout', async () => {
      const hello = await clientHello();
      const [c, s, listener] = await tcpPair();
      listener.close();
      const started = Date.now();
      const accepting = rejection(acceptor({ handshakeTimeout: 300 }).accept(s));
      await c.writeAll(hello.subarray(0, 20));
      const error = (await accepting) as TlsError;
      expect(error.code).toBe('ERR_RT_TLS_HANDSHAKE_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(['closed', 'ECONNRESET']).toContain(await peerClose(c)); // the server side was closed
      c.close();
    });

    it('fuzz: random and mutated ClientHellos give typed errors, no crash', async () => {
      const hello = await clientHello();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 2048 }),
            fc.tuple(fc.nat(hello.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
              const copy = Buffer.from(hello);
              copy.set(bytes.subarray(0, copy.length - at), at);
              return copy;
            }),
          ),
          async (input) => {
            const [peer, end] = duplex(64 * 1024);
            const accepting = rejection(acceptor({ handshakeTimeout: 2000 }).accept(end));
            await writeAll(peer, input);
            await peer.shutdown();
            // The server may answer (a ServerHello or an alert) before failing: drain it.
            const draining = readToEnd(peer).catch(() => Buffer.alloc(0));
            const error = await accepting;
            await draining;
            peer.close();
            expect(error).toBeInstanceOf(RtError);
          },
        ),
        { numRuns: fuzzRuns(150) },
      );
    }, 600_000);

    it('leaks no fd over 30 bad connections', async () => {
      const before = openFds();
      for (let i = 0; i < 30; i++) {
        const [c, s, listener] = await tcpPair();
        listener.close();
        const accepting = rejection(acceptor().accept(s));
        await c.writeAll(randomBytes(100));
        await c.shutdown();
        expect(await accepting).toBeInstanceOf(TlsError);
        c.close();
      }
      await eventually(() => openFds() <= before);
    });
  });

  describe('bad input after the handshake', () => {
    it('a peer that stops mid-record: ERR_RT_TLS_TRUNCATED', async () => {
      const { client, server, toClient, fromServer } = await relayedPair();
      await server.writeAll(Buffer.alloc(1000, 1));
      const buf = Buffer.alloc(64 * 1024);
      const n = await fromServer.read(buf);
      expect(n).toBeGreaterThan(20);
      await writeAll(toClient, buf.subarray(0, 20)); // the header and a few bytes of the record
      await toClient.shutdown();
      const error = (await rejection(client.read(Buffer.alloc(2000)))) as TlsError;
      expect(error).toBeInstanceOf(TlsError);
      expect(error.code).toBe('ERR_RT_TLS_TRUNCATED');
      client.close();
      server.close();
    });

    it('fuzz: forged or corrupted records give typed errors and never a wrong byte', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 600 }).map((payload) => Buffer.concat([Buffer.from([0x17, 0x03, 0x03, payload.length >> 8, payload.length & 0xff]), payload])),
            fc.uint8Array({ minLength: 1, maxLength: 600 }),
            fc.tuple(fc.nat(200), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => ({ at, flip })),
          ),
          async (tamper) => {
            const { client, server, toClient, fromServer } = await relayedPair();
            if (tamper instanceof Uint8Array) {
              await writeAll(toClient, tamper);
            } else {
              await server.writeAll(Buffer.alloc(300, 7));
              const buf = Buffer.alloc(64 * 1024);
              const n = await fromServer.read(buf);
              buf[tamper.at % n] = buf[tamper.at % n]! ^ tamper.flip;
              await writeAll(toClient, buf.subarray(0, n));
            }
            await toClient.shutdown();
            const got: Buffer[] = [];
            const outcome = await (async () => {
              const buf = Buffer.alloc(4096);
              for (let n; (n = await client.read(buf)) !== 0; ) got.push(Buffer.from(buf.subarray(0, n)));
            })().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(outcome).toBeInstanceOf(RtError);
            expect(Buffer.concat(got).every((b) => b === 7)).toBe(true);
            client.close();
            server.close();
          },
        ),
        { numRuns: fuzzRuns(40) },
      );
    }, 600_000);
  });

  describe('bytes that arrive a few at a time', () => {
    it('a handshake and records split over hundreds of TCP segments, both ways: every byte arrives, in order', async () => {
      // A proxy forwards each direction in pieces of 1-9 bytes, one piece per event-loop turn
      // (TCP_NODELAY: a segment each), so every read on either side finds part of a record or
      // of a handshake message and must wait for the rest.
      const listener = await TcpListener.bind('127.0.0.1:0');
      const sockets: net.Socket[] = [];
      const dribble = (from: net.Socket, to: net.Socket): void => {
        let queue = Promise.resolve();
        from.on('data', (chunk: Buffer) => {
          from.pause();
          queue = queue.then(async () => {
            for (let at = 0; at < chunk.length && !to.destroyed; ) {
              const n = 1 + ((at * 7 + chunk.length) % 9);
              to.write(chunk.subarray(at, at + n));
              at += n;
              await new Promise((resolve) => setImmediate(resolve));
            }
            from.resume();
          });
        });
        from.on('end', () => void queue.then(() => to.end()));
        from.on('error', () => to.destroy());
      };
      const proxy = net.createServer((inbound) => {
        const outbound = net.connect(listener.localAddr().port, '127.0.0.1');
        sockets.push(inbound, outbound);
        inbound.setNoDelay(true);
        outbound.setNoDelay(true);
        dribble(inbound, outbound);
        dribble(outbound, inbound);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const port = (proxy.address() as net.AddressInfo).port;
        const [client, server] = await Promise.all([
          TcpStream.connect(`127.0.0.1:${port}`).then((tcp) => connector().connect('localhost', tcp)),
          listener.accept().then((tcp) => acceptor().accept(tcp)),
        ]);
        expect([client.engine, server.engine]).toEqual([_engine, _engine]);
        const readExactly = async (stream: TlsStream, length: number): Promise<Buffer> => {
          const out = Buffer.alloc(length);
          for (let got = 0; got < length; ) {
            const n = await stream.read(out.subarray(got));
            if (n === 0) throw new Error(`end of stream after ${got} of ${length} bytes`);
            got += n;
          }
          return out;
        };
        const payload = randomBytes(3000);
        await client.writeAll(payload);
        const got = await readExactly(server, payload.length);
        expect(got.equals(payload)).toBe(true);
        await server.writeAll(got);
        expect((await readExactly(client, payload.length)).equals(payload)).toBe(true);
        await client.shutdown();
        expect(await server.read(Buffer.alloc(16))).toBe(0); // close_notify, also in pieces
        client.close();
        server.close();
      } finally {
        for (const socket of sockets) socket.destroy();
        proxy.close();
        listener.close();
      }
    }, 60_000);
  });

  describe('after close and after a reset', () => {
    it('read and write fail with typed errors after close(), and after the peer resets the TCP connection', async () => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const [client, server] = await Promise.all([connector().connect('localhost', c), acceptor().accept(s)]);
      client.close();
      client.close(); // idempotent
      await expect(client.read(Buffer.alloc(8))).rejects.toBeInstanceOf(RtError);
      await expect(client.write(text('x'))).rejects.toBeInstanceOf(RtError);
      // The server's peer is gone without close_notify: a typed error, never a crash.
      const outcome = await server.read(Buffer.alloc(8)).then(
        (n) => n,
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(RtError);
      await server.write(text('into the void')).catch((e: unknown) => expect(e).toBeInstanceOf(RtError));
      server.close();
    });
  });

  describe('cancellation', () => {
    it('aborting connect (signal) against a silent server closes the stream', async () => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const controller = new AbortController();
      const connecting = rejection(connector().connect('localhost', c, { signal: controller.signal }));
      const hello = Buffer.alloc(4096);
      expect(await s.read(hello)).toBeGreaterThan(0); // the ClientHello is out
      controller.abort(new Error('give up'));
      const error = await connecting;
      expect(error).toBeInstanceOf(Cancelled);
      await expect(c.write(text('x'))).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
      expect(await s.read(hello)).toBe(0); // the server sees the close
      s.close();
    });

    it('aborting the task that accepts closes the stream', async () => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const task = spawn(() => acceptor().accept(s));
      await c.writeAll(text('\x16\x03\x01')); // a record header, then silence
      await new Promise((resolve) => setTimeout(resolve, 20));
      task.abort();
      await expect(task).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
      await expect(s.write(text('x'))).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
      expect(['closed', 'ECONNRESET']).toContain(await peerClose(c));
      c.close();
    });

    it('read is cancel safe: reads aborted at random moments lose no byte', async () => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const [client, server] = await Promise.all([connector().connect('localhost', c), acceptor().accept(s)]);
      const data = randomBytes(256 * 1024);
      const sending = (async () => {
        for (let at = 0; at < data.length; at += 997) {
          await server.writeAll(data.subarray(at, at + 997));
          if (at % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await server.shutdown();
      })();
      const got: Buffer[] = [];
      const buf = Buffer.alloc(1500);
      let aborted = 0;
      for (;;) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), Math.random() < 0.5 ? 0 : 1);
        const n = await client.read(buf, { signal: controller.signal }).catch((e: unknown) => {
          if (!(e instanceof Cancelled)) throw e;
          aborted++;
          return -1;
        });
        clearTimeout(timer);
        if (n === 0) break;
        if (n > 0) got.push(Buffer.from(buf.subarray(0, n)));
      }
      await sending;
      expect(aborted).toBeGreaterThan(0);
      expect(Buffer.concat(got).equals(data)).toBe(true);
      client.close();
      server.close();
    });

    it('write is cancel safe: an aborted write handed over nothing', async () => {
      const [c, s, listener] = await tcpPair();
      listener.close();
      const [client, server] = await Promise.all([connector().connect('localhost', c), acceptor().accept(s)]);
      await expect(client.write(text('lost'), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
      await client.writeAll(text('kept'));
      await client.shutdown();
      expect((await readToEnd(server)).toString()).toBe('kept');
      client.close();
      server.close();
    });
  });

  describe('arguments', () => {
    it('rejects bad options and arguments at once with typed errors', async () => {
      expect(() => new TlsAcceptor({ key: 'not a key', cert: 'not a cert' })).toThrow(expect.objectContaining({ code: 'ERR_RT_TLS_CONFIG' }));
      expect(() => new TlsConnector({ ciphers: 'NO-SUCH-CIPHER' })).toThrow(TlsError);
      expect(() => new TlsConnector({ alpnProtocols: [''] })).toThrow(TypeError);
      expect(() => acceptor({ handshakeTimeout: -1 })).toThrow(RangeError);
      await expect(connector().connect('', duplex(16)[0])).rejects.toBeInstanceOf(TypeError);
      await expect(connector().connect('localhost', {} as TcpStream)).rejects.toBeInstanceOf(TypeError);
      const [c, s, listener] = await tcpPair();
      listener.close();
      const [client, server] = await Promise.all([connector().connect('localhost', c), acceptor().accept(s)]);
      await expect(client.read('x' as unknown as Uint8Array)).rejects.toBeInstanceOf(TypeError);
      client.close();
      server.close();
    });
  });
});
