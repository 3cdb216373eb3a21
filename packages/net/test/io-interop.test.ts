import { BufReader, copy, copyBidirectional, readExact, readToString } from '@rt/io';
import type { AsyncRead, AsyncWrite } from '@rt/io';
import { TcpListener, TcpStream, UnixStream } from '@rt/net';
import { drivers, tcpPair } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

// Type-level check: the streams and their halves are @rt/io readers and writers.
const asIo = (s: TcpStream | UnixStream): AsyncRead & AsyncWrite => s;
void asIo;

describe.each(drivers)('@rt/io helpers on @rt/net streams (%s driver)', (driver) => {
  it('reads lines with BufReader and exact frames with readExact', async () => {
    const [client, server, listener] = await tcpPair(driver);
    await client.writeAll(text('first line\nsecond line\n\x00\x00\x00\x2a'));
    await client.shutdown();
    const reader = new BufReader(server);
    expect(await reader.readLine()).toBe('first line\n');
    expect(await reader.readLine()).toBe('second line\n');
    const frame = new Uint8Array(4);
    await readExact(reader, frame);
    expect(Buffer.from(frame).readUInt32BE(0)).toBe(42);
    expect(await reader.readLine()).toBe('');
    client.close();
    server.close();
    listener.close();
  });

  it('serves an echo with copy(reader, writer) over split halves', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const serving = (async () => {
      const stream = await listener.accept();
      const [r, w] = stream.split();
      await copy(r, w);
      await w.shutdown();
      stream.close();
    })();
    const client = await TcpStream.connect(listener.localAddr(), { driver });
    const payload = 'x'.repeat(200_000);
    const [, echoed] = await Promise.all([
      client.writeAll(text(payload)).then(() => client.shutdown()),
      readToString(client),
    ]);
    expect(echoed).toBe(payload);
    await serving;
    client.close();
  });

  it('proxies with copyBidirectional and propagates shutdown', async () => {
    const [client, proxyIn, l1] = await tcpPair(driver);
    const [proxyOut, upstream, l2] = await tcpPair(driver);
    const proxying = copyBidirectional(proxyIn, proxyOut);
    await client.writeAll(text('request'));
    await client.shutdown();
    expect(await readToString(upstream)).toBe('request');
    await upstream.writeAll(text('response'));
    await upstream.shutdown();
    expect(await readToString(client)).toBe('response');
    expect(await proxying).toEqual([7, 8]);
    for (const s of [client, proxyIn, proxyOut, upstream, l1, l2]) s.close();
  });
});
