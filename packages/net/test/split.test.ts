import { ReuniteError, SocketClosed, TcpStream } from '@rt/net';
import { drivers, readAll, tcpPair } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(drivers)('split halves (%s driver)', (driver) => {
  it('split() borrows a reader and a writer usable at the same time', async () => {
    const [client, server, listener] = await tcpPair(driver);
    const [reader, writer] = server.split();
    const echo = (async () => {
      const buf = new Uint8Array(64);
      for (let n; (n = await reader.read(buf)) !== 0; ) await writer.writeAll(buf.subarray(0, n));
      await writer.shutdown();
    })();
    await client.writeAll(text('ping'));
    await client.shutdown();
    expect((await readAll(client)).toString()).toBe('ping');
    await echo;
    // The stream still owns the socket after split().
    expect(server.peerAddr().toString()).toBe(client.localAddr().toString());
    server.close();
    await expect(reader.read(new Uint8Array(1))).rejects.toBeInstanceOf(SocketClosed);
    client.close();
    listener.close();
  });

  it('intoSplit() moves the stream into owned halves; closing the writer shuts down writing', async () => {
    const [client, server, listener] = await tcpPair(driver);
    const [reader, writer] = client.intoSplit();
    expect(() => client.peerAddr()).toThrow(SocketClosed);
    await expect(client.read(new Uint8Array(1))).rejects.toBeInstanceOf(SocketClosed);
    await writer.writeAll(text('bye'));
    await writer.close();
    expect((await readAll(server)).toString()).toBe('bye');
    // The read half still works until it is closed too.
    await server.writeAll(text('ok'));
    await server.shutdown();
    expect((await readAll(reader)).toString()).toBe('ok');
    reader.close();
    server.close();
    listener.close();
  });

  it('reunite() gives back a working stream', async () => {
    const [client, server, listener] = await tcpPair(driver);
    const [reader, writer] = client.intoSplit();
    const again: TcpStream = reader.reunite(writer);
    expect(again).toBeInstanceOf(TcpStream);
    await expect(reader.read(new Uint8Array(1))).rejects.toBeInstanceOf(SocketClosed);
    await again.writeAll(text('whole'));
    await again.shutdown();
    expect((await readAll(server)).toString()).toBe('whole');
    again.close();
    server.close();
    listener.close();
  });

  it('reunite() of halves of different streams throws ReuniteError with both halves intact', async () => {
    const [a, sa, listener] = await tcpPair(driver);
    const [b, sb, listener2] = await tcpPair(driver);
    const [ra, wa] = a.intoSplit();
    const [rb, wb] = b.intoSplit();
    let error: unknown;
    try {
      ra.reunite(wb);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReuniteError);
    expect((error as ReuniteError).code).toBe('ERR_RT_REUNITE');
    expect((error as ReuniteError).readHalf).toBe(ra);
    await wb.writeAll(text('still'));
    await wb.close();
    expect((await readAll(sb)).toString()).toBe('still');
    for (const h of [ra, rb]) h.close();
    await wa.close();
    for (const s of [sa, sb, listener, listener2]) s.close();
  });

  it('closes the socket once both owned halves are closed', async () => {
    const [client, server, listener] = await tcpPair(driver);
    const [reader, writer] = client.intoSplit();
    reader.close();
    await writer.writeAll(text('x'));
    await writer[Symbol.asyncDispose]();
    expect((await readAll(server)).toString()).toBe('x');
    server.close();
    listener.close();
  });
});
