import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { PassThrough } from 'node:stream';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { duplex, fromNodeDuplex, readToString, toNodeDuplex, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

// A self-signed certificate for "localhost" (test fixture only, valid until 2126).
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIAf0NyHdzxdV2yqh
17KPeQrFZk3HsNAfPi/K4dRkJOahRANCAAR/0u9kZV5iGB+iDijZvBq9s1f+lgum
ftdUQTAg635KhKMs1iQ89lC+2mBaYrHM8L53ZrDzGD4xbE1BWdd6I8MQ
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUZ17Wezn/4Bgl0caBlYv73ofWadIwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAwMzgxNVoYDzIxMjYxMDI5
MDAzODE1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR/0u9kZV5iGB+iDijZvBq9s1f+lgumftdUQTAg635KhKMs1iQ89lC+
2mBaYrHM8L53ZrDzGD4xbE1BWdd6I8MQo2kwZzAdBgNVHQ4EFgQUlzaYW40zaOUe
CTX4BN9V7sGTG1EwHwYDVR0jBBgwFoAUlzaYW40zaOUeCTX4BN9V7sGTG1EwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIgXEta0vpUvPqhHncGJyhyt/tlLMR6XQ/mB369l1gNAooCIQDiswC2Xi5b
LWDe+USDeQSojMOsQqvvuf2g27KSmF9PaQ==
-----END CERTIFICATE-----`;

describe('toNodeDuplex', () => {
  it('carries HTTP between a Node client and a Node server over an in-memory pipe', async () => {
    const [clientEnd, serverEnd] = duplex(4096);
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
    });
    server.emit('connection', toNodeDuplex(serverEnd));
    const req = request({ createConnection: () => toNodeDuplex(clientEnd) as never, method: 'POST', path: '/echo', headers: { connection: 'close' } });
    req.end('payload');
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    res.setEncoding('utf8');
    let body = '';
    for await (const chunk of res) body += chunk as string;
    expect(res.statusCode).toBe(200);
    expect(body).toBe('POST /echo payload');
    server.close();
  });

  it('carries TLS (tls.connect({ socket })) over an rt stream', async () => {
    const [clientEnd, serverEnd] = duplex(4096);
    const serverSide = new TLSSocket(toNodeDuplex(serverEnd), { isServer: true, key: KEY, cert: CERT });
    serverSide.on('data', (chunk: Buffer) => serverSide.end(`secure ${chunk.toString()}`));
    const client = tlsConnect({ socket: toNodeDuplex(clientEnd), servername: 'localhost', ca: CERT });
    await once(client, 'secureConnect');
    client.write('hello');
    let reply = '';
    for await (const chunk of client) reply += (chunk as Buffer).toString();
    expect(reply).toBe('secure hello');
    serverSide.destroy();
  });

  it('half-closes: end() shuts the rt stream down and the readable side keeps going', async () => {
    const [a, b] = duplex(64);
    const node = toNodeDuplex(a);
    node.end('bye');
    expect(await readToString(b)).toBe('bye');
    await writeAll(b, text('still readable'));
    await b.shutdown();
    let got = '';
    for await (const chunk of node) got += (chunk as Buffer).toString();
    expect(got).toBe('still readable');
  });

  it('aborts the operations in flight when destroyed, losing nothing unread', async () => {
    const [a, b] = duplex(64);
    const node = toNodeDuplex(a);
    node.resume();
    await settle();
    node.destroy();
    await settle();
    await writeAll(b, text('kept'));
    await b.shutdown();
    expect(await readToString(a)).toBe('kept');
  });

  it('rejects a stream that is not readable and writable', () => {
    expect(() => toNodeDuplex({ read: async () => 0 } as never)).toThrow(TypeError);
  });
});

describe('fromNodeDuplex', () => {
  it('reads and writes a Node Duplex as one rt stream, and shutdown ends its writable side', async () => {
    const inner = new PassThrough();
    const stream = fromNodeDuplex(inner);
    await writeAll(stream, text('loop'));
    await stream.shutdown();
    expect(inner.writableEnded).toBe(true);
    expect(await readToString(stream)).toBe('loop');
  });

  it('is cancel safe on read', async () => {
    const inner = new PassThrough();
    const stream = fromNodeDuplex(inner);
    const controller = new AbortController();
    const reading = track(stream.read(new Uint8Array(4), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    inner.end('late');
    expect(await readToString(stream)).toBe('late');
  });
});
