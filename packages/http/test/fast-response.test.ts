import { FastResponse, serve } from '@rt/http';
import { exchange } from './support/raw.js';

describe('FastResponse', () => {
  it('is a Response to code that reads it, built only when read', async () => {
    const response = new FastResponse('hi', { status: 201, headers: { 'X-A': '1' } });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.materialized).toBe(false);
    expect(response.headers.get('x-a')).toBe('1');
    expect(await response.text()).toBe('hi');
    expect(response.materialized).toBe(true);
    expect(await FastResponse.json({ a: 1 }).json()).toEqual({ a: 1 });
  });

  it('is written by the server as given: status, fields, Date, Content-Length; HEAD without body', async () => {
    await using server = await serve({}, (request) =>
      request.url.endsWith('/json') ? FastResponse.json({ ok: true }) : new FastResponse(new TextEncoder().encode('bytes'), { headers: [['x-b', '2']] }),
    );
    const text = await exchange(server.addr.port, 'GET /json HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const [json, bytes, head] = text.split(/(?=HTTP\/1\.1 )/);
    expect(json).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-type: application\/json\r\nDate: .+ GMT\r\ncontent-length: 11\r\n\r\n\{"ok":true\}$/);
    expect(bytes).toMatch(/x-b: 2\r\n/);
    expect(bytes!.endsWith('\r\n\r\nbytes')).toBe(true);
    expect(head).toMatch(/content-length: 11\r\nconnection: close\r\n\r\n$/);
    // Node's fetch reads it like any response.
    const viaFetch = await fetch(`http://${server.addr.toString()}/json`);
    expect(await viaFetch.json()).toEqual({ ok: true });
  });

  it('refuses header injection and bad bodies at once', () => {
    expect(() => new FastResponse('x', { headers: { 'x-a': 'a\r\nb' } })).toThrow(TypeError);
    expect(() => new FastResponse('x', { headers: { 'bad name': 'a' } })).toThrow(TypeError);
    expect(() => new FastResponse(42 as unknown as string)).toThrow(TypeError);
    expect(() => new FastResponse('x', { status: 100 })).toThrow(RangeError);
  });
});
