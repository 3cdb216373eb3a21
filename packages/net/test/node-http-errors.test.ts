// A Node HTTP client over rt sockets (through @rt/io's toNodeDuplex) sees the error codes
// Node code branches on: rt's OS errors carry Node's `code`/`errno`/`syscall`, and the
// adapter passes them through unchanged.
import { request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { constants as osConstants } from 'node:os';
import type { Socket } from 'node:net';
import { toNodeDuplex } from '@rt/io';
import { ConnectError, NetError, TcpListener, TcpStream } from '@rt/net';
import { drivers } from './support/drivers.js';

// http.request wants a net.Socket; a Duplex is what it uses of one (Node's own docs say any Duplex works).
/** The 'error' a request emits (bounded: a request that never fails fails the test). */
function requestError(req: ClientRequest): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the request neither failed nor finished within 5 s')), 5000);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      reject(new Error(`unexpected response ${res.statusCode}`));
    });
    req.end();
  });
}

describe.each(drivers)('a Node http client over an rt socket (%s driver)', (driver) => {
  it("sees ECONNRESET (rt's NetError, passed through) when the server resets the connection", async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const serving = (async () => {
      const stream = await listener.accept();
      await stream.read(new Uint8Array(4096)); // the request's first bytes
      stream.setLinger(0);
      stream.close(); // RST
    })();
    const stream = await TcpStream.connect(listener.localAddr(), { driver });
    const req = request({ method: 'GET', path: '/', headers: { host: 'localhost' }, createConnection: () => toNodeDuplex(stream) as Socket });
    const error = await requestError(req);
    await serving;
    stream.close();
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({ code: 'ECONNRESET', errno: -(osConstants.errno.ECONNRESET), kind: 'ConnectionReset' });
  });

  it('sees ECONNREFUSED with address and port when an async createConnection is refused', async () => {
    const closed = await TcpListener.bind('127.0.0.1:0', { driver });
    const addr = closed.localAddr();
    closed.close();
    let failure: unknown;
    const req = request({
      method: 'GET',
      path: '/',
      headers: { host: 'localhost' },
      createConnection: (_options, done) => {
        TcpStream.connect(addr, { driver }).then(
          (stream) => done(null, toNodeDuplex(stream) as unknown as Socket),
          (error: unknown) => {
            failure = error;
            done(error as Error, undefined as unknown as Socket);
          },
        );
        return undefined as unknown as Socket;
      },
    });
    const error = await requestError(req);
    expect(error).toBe(failure);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', errno: -(osConstants.errno.ECONNREFUSED), syscall: 'connect', address: '127.0.0.1', port: addr.port, kind: 'ConnectionRefused' });
  });
});
