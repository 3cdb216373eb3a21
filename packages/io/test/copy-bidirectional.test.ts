import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BrokenPipe, copyBidirectional, duplex, readToEnd, readToString, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('copyBidirectional', () => {
  it('copies both ways and propagates each shutdown to the other side', async () => {
    const [client, proxyA] = duplex(16);
    const [proxyB, server] = duplex(16);
    const proxy = copyBidirectional(proxyA, proxyB, { bufferSize: 5 });

    await writeAll(client, text('request'));
    await client.shutdown();
    // The server sees end of stream once the client shut down: the proxy shut proxyB down.
    expect(await readToString(server)).toBe('request');

    const pending = track(proxy);
    await settle();
    expect(pending.isPending()).toBe(true); // server -> client still open

    await writeAll(server, text('response'));
    await server.shutdown();
    expect(await readToString(client)).toBe('response');
    expect(await proxy).toEqual([7, 8]);
  });

  it('fails with the first error and stops the other direction', async () => {
    const [client, proxyA] = duplex(16);
    const [proxyB, server] = duplex(16);
    const proxy = track(copyBidirectional(proxyA, proxyB));
    server.close(); // proxy's writes to proxyB now fail
    await writeAll(client, text('x'));
    await settle();
    expect(proxy.error).toBeInstanceOf(BrokenPipe);
    // The client -> proxy direction was stopped: nothing more is read from client.
    await writeAll(client, text('y'));
    await client.shutdown();
    expect([...(await readToEnd(proxyA))]).toEqual([...text('y')]);
  });

  it('rejects with Cancelled when its signal aborts', async () => {
    const [, proxyA] = duplex(16);
    const [proxyB] = duplex(16);
    const controller = new AbortController();
    const proxy = track(copyBidirectional(proxyA, proxyB, { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(proxy.error).toBeInstanceOf(Cancelled);
  });

  it('rejects streams that are not readable and writable', async () => {
    const [a] = duplex(1);
    await expect(copyBidirectional(a, { read: async () => 0 } as never)).rejects.toThrow(/AsyncWrite/);
  });
});
