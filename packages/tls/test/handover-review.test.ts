// Review rv25 of ec25's change as @rt/tls sees it: a TcpStream's read and write ReadyCallbacks
// stay linked (disarmed) after they fired; `TcpStream[intoRegistration]()` must leave none of
// them on the registration the TLS stream takes over. A STARTTLS-like exchange: plaintext reads
// and writes that park and fire on both ends first, then the TLS handshake on the same fds.
import { tlsAvailable } from '@rt/mio-native';
import { TcpListener, TcpStream } from '@rt/net';
import { Reactor } from '@rt/reactor';
import { TlsAcceptor, TlsConnector } from '@rt/tls';
import { makeCerts, type Certs } from './support/certs.js';
import { openFds, text } from './support/net.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

(tlsAvailable ? describe : describe.skip)('review rv25: TLS over a TcpStream whose callback waits fired (STARTTLS)', () => {
  it('hands over after parked plaintext reads and writes on both ends: TLS data both ways, no wait or fd left behind', async () => {
    const reactor = Reactor.current();
    const acceptor = new TlsAcceptor({ key: certs.server.key, cert: certs.server.cert });
    const connector = new TlsConnector({ ca: certs.ca });
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const round = async (): Promise<void> => {
      const [c, s] = await Promise.all([TcpStream.connect(listener.localAddr()), listener.accept()]);
      const buf = Buffer.alloc(64);
      // Parked reads on both ends, fired by the other's write (their waits stay linked, disarmed).
      for (let i = 0; i < 3; i++) {
        const sr = s.read(buf);
        await c.writeAll(text(`STARTTLS ${i}`));
        expect(Buffer.from(buf.subarray(0, await sr)).toString()).toBe(`STARTTLS ${i}`);
        const cr = c.read(buf);
        await s.writeAll(text('GO'));
        expect(Buffer.from(buf.subarray(0, await cr)).toString()).toBe('GO');
      }
      const [tc, ts] = await Promise.all([connector.connect('localhost', c), acceptor.accept(s)]);
      for (let i = 0; i < 5; i++) {
        const tr = ts.read(buf);
        await tc.writeAll(text(`ping ${i}`));
        expect(Buffer.from(buf.subarray(0, await tr)).toString()).toBe(`ping ${i}`);
        const cr = tc.read(buf);
        await ts.writeAll(text(`pong ${i}`));
        expect(Buffer.from(buf.subarray(0, await cr)).toString()).toBe(`pong ${i}`);
      }
      tc.close();
      ts.close();
    };
    await round();
    const fds = openFds();
    const registered = reactor.metrics().registered;
    const waiters = reactor.metrics().waiters;
    for (let i = 0; i < 10; i++) await round();
    expect(openFds()).toBeLessThanOrEqual(fds);
    expect(reactor.metrics().registered).toBe(registered);
    expect(reactor.metrics().waiters).toBe(waiters);
  });
});
