// HTTPS end to end through the duck-typed `tls` options, with Node's TLS stack standing in
// for @rt/tls: the acceptor runs `tls.TLSSocket` over the rt stream (`toNodeDuplex`) and hands
// back an rt byte stream (`fromNodeDuplex`). curl --cacert and the rt client (with a connector
// built the same way) talk to the rt server over real TLS on loopback.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { fromNodeDuplex, toNodeDuplex, writeAll } from '@rt/io';
import type { TcpStream } from '@rt/net';
import { HttpClient, serve, type HttpStream } from '@rt/http';

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${file}: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** An rt byte stream over a Node TLS socket. */
function streamOver(socket: tls.TLSSocket): HttpStream {
  const joined = fromNodeDuplex(socket as Duplex);
  return {
    read: (buf, options) => joined.read(buf, options),
    writeAll: (buf, options) => writeAll(joined, buf, options),
    shutdown: () => joined.shutdown(),
    close: () => socket.destroy(),
  } as HttpStream;
}

/** Resolves when the handshake is done; rejects on error, end or close before it (FIELD-NOTES). */
function secured(socket: tls.TLSSocket, event: 'secure' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve());
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('closed during the handshake')));
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
}

let dir: string;
let key: Buffer;
let cert: Buffer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rt-https-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTTPS through the tls options (Node TLS as the stand-in)', () => {
  it('serves curl --cacert and the rt client over TLS', async () => {
    const secureContext = tls.createSecureContext({ key, cert });
    const acceptor = {
      async accept(stream: TcpStream): Promise<HttpStream> {
        const socket = new tls.TLSSocket(toNodeDuplex(stream), { isServer: true, secureContext });
        await secured(socket, 'secure');
        return streamOver(socket);
      },
    };
    await using server = await serve({ tls: acceptor }, async (request) => new Response(`${request.method} ${request.url} ${await request.text()}`));
    const url = `https://localhost:${server.addr.port}/tls`;
    const viaCurl = await run('curl', ['-sS', '--cacert', join(dir, 'cert.pem'), '--resolve', `localhost:${server.addr.port}:127.0.0.1`, '-d', 'hi', url]);
    expect(viaCurl).toBe(`POST ${url} hi`);

    const connector = {
      async connect(serverName: string, stream: TcpStream): Promise<HttpStream> {
        const socket = tls.connect({ socket: toNodeDuplex(stream), servername: serverName, ca: cert });
        await secured(socket, 'secureConnect');
        return streamOver(socket);
      },
    };
    await using client = new HttpClient({ tls: connector });
    for (let i = 0; i < 3; i++) {
      const response = await client.fetch(`https://localhost:${server.addr.port}/c${i}`, { method: 'POST', body: String(i) });
      expect(await response.text()).toBe(`POST https://localhost:${server.addr.port}/c${i} ${i}`);
    }
    expect(server.connections).toBe(1); // keep-alive over TLS
  });
});
