// The `tls` options take anything of @rt/tls's shape. A stand-in acceptor/connector that
// passes the TCP stream through (recording the calls) checks the plumbing: the server answers
// through what `accept` returned and names its requests https:, the client dials https: URLs
// through `connect` with the server name.
import type { TcpStream } from '@rt/net';
import { HttpClient, serve, type HttpStream } from '@rt/http';

describe('the tls options', () => {
  it('serve() accepts through tls.accept and reports https: URLs; HttpClient connects through tls.connect', async () => {
    const accepted: string[] = [];
    const acceptor = {
      accept(stream: TcpStream, options: { signal: AbortSignal }): Promise<HttpStream> {
        expect(options.signal).toBeInstanceOf(AbortSignal);
        accepted.push(stream.peerAddr().toString());
        return Promise.resolve(stream);
      },
    };
    await using server = await serve({ tls: acceptor }, (request) => new Response(request.url));
    const names: string[] = [];
    const connector = {
      connect(serverName: string, stream: TcpStream): Promise<HttpStream> {
        names.push(serverName);
        return Promise.resolve(stream);
      },
    };
    await using client = new HttpClient({ tls: connector });
    const response = await client.fetch(`https://127.0.0.1:${server.addr.port}/secure?x=1`);
    expect(await response.text()).toBe(`https://127.0.0.1:${server.addr.port}/secure?x=1`);
    expect(accepted).toHaveLength(1);
    expect(names).toEqual(['127.0.0.1']);
  });

  it('refuses a tls option without the method, and an https: URL without a connector', async () => {
    await expect(serve({ tls: {} as never }, () => new Response(''))).rejects.toThrow(TypeError);
    expect(() => new HttpClient({ tls: {} as never })).toThrow(TypeError);
    await using client = new HttpClient();
    await expect(client.fetch('https://127.0.0.1:1/')).rejects.toThrow(/needs the tls option/);
  });

  it('a failed handshake closes the connection and the server goes on', async () => {
    let calls = 0;
    const acceptor = {
      accept(): Promise<HttpStream> {
        calls++;
        return Promise.reject(new Error('handshake failed'));
      },
    };
    await using server = await serve({ tls: acceptor }, () => new Response('never'));
    await expect(fetch(`http://${server.addr.toString()}/`)).rejects.toThrow();
    expect(calls).toBe(1);
    while (server.connections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });
});
