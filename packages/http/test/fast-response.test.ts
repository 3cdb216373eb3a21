import fc from 'fast-check';
import { FastResponse, overrideGlobalResponse, serve } from '@rt/http';
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

  it('writes each response its own body when heads alike follow each other (the head-and-body memo)', async () => {
    const headers = { 'content-type': 'text/plain' };
    const bodies: Record<string, string | Uint8Array> = {
      '/a': 'hello',
      '/b': 'world', // same head as /a (same length), another body
      '/u': 'h\u00e9llo', // not ASCII: 6 bytes, never remembered as one string
      '/v': 'h\u00e9lo', // 5 characters, 6 bytes: the head of /u again
      '/bytes': new TextEncoder().encode('bytes'), // same head as /a, a Uint8Array
      '/copy': ['hel', 'lo'].join(''), // equal to /a's body, another string
    };
    await using server = await serve({}, (request) => new FastResponse(bodies[new URL(request.url).pathname]!, { headers }));
    const order = ['/a', '/a', '/b', '/a', '/u', '/v', '/v', '/a', '/bytes', '/a', 'HEAD /a', '/a', '/copy', '/b'];
    const text = await exchange(
      server.addr.port,
      order
        .map((step, i) => {
          const [method, path] = step.startsWith('HEAD ') ? ['HEAD', step.slice(5)] : ['GET', step];
          return `${method} ${path} HTTP/1.1\r\nHost: a\r\n${i === order.length - 1 ? 'Connection: close\r\n' : ''}\r\n`;
        })
        .join(''),
    );
    const answers = Buffer.from(text, 'latin1').toString('utf8').split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(order.length);
    answers.forEach((answer, i) => {
      const step = order[i]!;
      const body = bodies[step.replace('HEAD ', '')]!;
      const expected = step.startsWith('HEAD ') ? '' : typeof body === 'string' ? body : new TextDecoder().decode(body);
      expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe(expected);
      expect(answer).toMatch(new RegExp(`\r\ncontent-length: ${Buffer.byteLength(typeof body === 'string' ? body : 'bytes')}\r\n`));
    });
  });

  it('refuses header injection and bad bodies at once', () => {
    expect(() => new FastResponse('x', { headers: { 'x-a': 'a\r\nb' } })).toThrow(TypeError);
    expect(() => new FastResponse('x', { headers: { 'bad name': 'a' } })).toThrow(TypeError);
    expect(() => new FastResponse('x', { status: 100 })).toThrow(RangeError);
    expect(() => new FastResponse('x', { status: 204 })).toThrow(TypeError);
    expect(() => new FastResponse('x', { statusText: 'OK\r\nx-injected: 1' })).toThrow(TypeError);
    expect(() => new FastResponse('x', { headers: [['x-a', '1', '2']] as unknown as [string, string][] })).toThrow(TypeError);
  });

  it('serialises a reused header record afresh whenever its names or values changed (the one-record memo)', async () => {
    const record: Record<string, unknown> = { 'content-type': 'text/plain', 'x-a': '1' };
    const fields = (headers: Record<string, unknown> = record): Record<string, string> =>
      Object.fromEntries(new FastResponse('x', { headers: headers as Record<string, string> }).headers);
    expect(fields()).toEqual({ 'content-type': 'text/plain', 'x-a': '1' });
    expect(fields()).toEqual({ 'content-type': 'text/plain', 'x-a': '1' });
    record['x-a'] = '2';
    expect(fields()).toEqual({ 'content-type': 'text/plain', 'x-a': '2' });
    record['x-b'] = '3';
    expect(fields()).toEqual({ 'content-type': 'text/plain', 'x-a': '2', 'x-b': '3' });
    delete record['content-type'];
    // No content-type any more: a string body gets the default one.
    expect(fields()).toEqual({ 'content-type': 'text/plain;charset=UTF-8', 'x-a': '2', 'x-b': '3' });
    // A value that is not a string is converted each time (never remembered).
    let calls = 0;
    const counted = { 'x-n': { toString: () => String(++calls) } };
    expect(fields(counted)['x-n']).toBe('1');
    expect(fields(counted)['x-n']).toBe('2');
    // An equal record (another object) gives the same fields; a bad one still throws after a good one.
    expect(fields({ 'x-a': '2', 'x-b': '3' })).toEqual({ 'content-type': 'text/plain;charset=UTF-8', 'x-a': '2', 'x-b': '3' });
    expect(() => fields({ 'x-a': '2', 'x-b': '3\r\nx-injected: 1' })).toThrow(TypeError);
    // Date and the server-owned fields are still seen on a remembered record.
    const dated = { date: 'Thu, 01 Jan 1970 00:00:00 GMT', 'content-length': '1' };
    await using server = await serve({}, (request) =>
      new FastResponse('x', { headers: (request.url.endsWith('/dated') ? dated : record) as Record<string, string> }),
    );
    const text = await exchange(
      server.addr.port,
      'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /dated HTTP/1.1\r\nHost: a\r\n\r\nGET /dated HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const [plain, dated1, dated2] = text.split(/(?=HTTP\/1\.1 )/);
    expect(plain).toMatch(/^HTTP\/1\.1 200 OK\r\nx-a: 2\r\nx-b: 3\r\ncontent-type: text\/plain;charset=UTF-8\r\nDate: .+ GMT\r\ncontent-length: 1\r\n\r\nx$/);
    for (const answer of [dated1, dated2]) {
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\ncontent-type: text\/plain;charset=UTF-8\r\ncontent-length: 1\r\n/);
      expect(answer).not.toMatch(/\r\nDate: /);
    }
  });

  it('takes a header record\'s own names only, whether or not a record alike was remembered (the memo walks names with for…in)', () => {
    const pairs = (headers: Record<string, string> | [string, string][]): [string, string][] => [...new FastResponse('x', { headers }).headers];
    const oracle = pairs([['x-a', '1']]);
    const proto: Record<string, string> = {};
    const inherits = Object.assign(Object.create(proto) as Record<string, string>, { 'x-a': '1' });
    const own = { 'x-a': '1' };
    expect(pairs(own)).toEqual(oracle);
    expect(pairs(inherits)).toEqual(oracle); // remembered from `own`: same own names and values
    proto['x-inherited'] = 'i'; // now an enumerable inherited name: not a header, and no memo hit
    expect(pairs(inherits)).toEqual(oracle);
    expect(pairs(inherits)).toEqual(oracle);
    expect(pairs(own)).toEqual(oracle);
    expect(pairs({ 'x-a': '1', 'x-b': '2' })).toEqual([...oracle, ['x-b', '2']].sort());
    expect(pairs(own)).toEqual(oracle); // a prefix of the remembered names is not the same record
  });

  it('fuzz: a header record mutated in place between responses gives each response the fields of its record at that time', () => {
    // The oracle: the same pairs as an array, which the one-record memo never remembers.
    const name = fc.constantFrom('x-a', 'X-A', 'x-b', 'date', 'content-type', 'content-length', 'connection', 'bad name');
    const value = fc.oneof(fc.constantFrom('1', '2', ' 2 ', 'text/html', 'v\r\nx: y'), fc.integer({ min: 0, max: 3 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), name, value }),
      fc.record({ kind: fc.constant('delete' as const), name }),
      fc.record({ kind: fc.constant('copy' as const) }), // the same names and values in a new object
    );
    const outcome = (make: () => FastResponse): unknown => {
      try {
        const response = make();
        return [...response.headers]; // made from the serialised fields (and the server-owned ones)
      } catch (error) {
        return { error: (error as Error).constructor.name };
      }
    };
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.boolean(), (ops, bytes) => {
        let record: Record<string, unknown> = { 'x-a': '1' };
        const body = (): string | Uint8Array => (bytes ? Uint8Array.of(1) : 'x');
        for (const step of ops) {
          if (step.kind === 'set') record[step.name] = step.value;
          else if (step.kind === 'delete') delete record[step.name];
          else record = { ...record };
          const pairs = Object.entries(record).map(([n, v]) => [n, String(v)] as [string, string]);
          expect(outcome(() => new FastResponse(body(), { headers: record as Record<string, string> }))).toEqual(outcome(() => new FastResponse(body(), { headers: pairs })));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes headers from any iterable of pairs, as Headers does (a Map, a generator)', async () => {
    function* pairs(): Generator<[string, string]> {
      yield ['x-gen', 'g'];
    }
    const fromMap = new FastResponse('m', { headers: new Map([['X-Map', 'm']]) as unknown as [string, string][] });
    const fromGenerator = new FastResponse('g', { headers: pairs() as unknown as [string, string][] });
    expect(fromMap.materialized).toBe(false);
    await using server = await serve({}, (request) => (request.url.endsWith('/map') ? fromMap : fromGenerator));
    const map = await fetch(`http://${server.addr.toString()}/map`);
    expect(map.headers.get('x-map')).toBe('m');
    expect(await map.text()).toBe('m');
    const generated = await fetch(`http://${server.addr.toString()}/gen`);
    expect(generated.headers.get('x-gen')).toBe('g');
    expect(() => new FastResponse('x', { headers: new Map([['x-a', 1]]).values() as unknown as [string, string][] })).toThrow(TypeError);
  });

  it('reads its body once without making the real Response, like a Response', async () => {
    const text = new FastResponse('héllo');
    expect(await text.text()).toBe('héllo');
    expect(text.materialized).toBe(false);
    expect(text.bodyUsed).toBe(true);
    await expect(text.text()).rejects.toThrow(TypeError);
    await expect(text.arrayBuffer()).rejects.toThrow(TypeError);
    expect(() => text.clone()).toThrow(TypeError);
    expect(text.body?.locked).toBe(true);
    expect(Buffer.from(await new FastResponse('héllo').arrayBuffer()).toString()).toBe('héllo');
    expect(await new FastResponse(new TextEncoder().encode('[1]')).json()).toEqual([1]);
    expect(Array.from(await new FastResponse(new Uint8Array([1, 2])).bytes())).toEqual([1, 2]);
    expect((await new FastResponse(null).arrayBuffer()).byteLength).toBe(0);
    await expect(new FastResponse('{').json()).rejects.toThrow(SyntaxError);
  });

  it('answers 500 (onError gets a TypeError) for a Response whose body was already read or locked, and keeps the connection', async () => {
    const errors: unknown[] = [];
    await using server = await serve({ onError: (error) => errors.push(error) }, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/fast') {
        const response = new FastResponse('once');
        await response.text();
        return response;
      }
      if (path === '/fast-materialized') {
        const response = new FastResponse('once', { headers: { 'x-a': 'b' } });
        void response.headers; // the real Response is made, then its body read
        await response.text();
        return response;
      }
      if (path === '/platform') {
        const response = new Response('once');
        await response.text();
        return response;
      }
      if (path === '/locked') {
        const response = new Response('once');
        response.body!.getReader();
        return response;
      }
      return new FastResponse('fine');
    });
    const base = `http://${server.addr.toString()}`;
    for (const path of ['/fast', '/fast-materialized', '/platform', '/locked']) {
      const answer = await fetch(base + path);
      expect(answer.status).toBe(500);
      expect(await answer.text()).toBe('Internal Server Error\n');
    }
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/Body is unusable/);
    }
    // Same connection, pipelined after a 500: the next request is answered normally.
    const text = await exchange(server.addr.port, 'GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 500 [^]*HTTP\/1\.1 200 [^]*\r\n\r\nfine$/);
  });

  it('takes every body a Response takes: other kinds make the real Response at once', async () => {
    const params = new FastResponse(new URLSearchParams({ a: '1' }));
    expect(params.materialized).toBe(true);
    expect(params.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(await params.text()).toBe('a=1');
    const buffer = new Uint16Array([0x6968]).buffer; // "hi" in little-endian bytes
    const copied = new FastResponse(buffer);
    new Uint8Array(buffer).fill(0); // the ArrayBuffer is copied at construction, as Response does
    expect(copied.materialized).toBe(false);
    expect(await copied.text()).toBe('hi');
    expect(await new FastResponse().text()).toBe('');
    const owned = new FastResponse('x', { headers: { 'Content-Length': '1', 'X-Pad': ' v ' } });
    expect(owned.headers.get('content-length')).toBe('1');
    expect(owned.headers.get('x-pad')).toBe('v');
  });

  it('writes its own fields trimmed, and the framing fields as the server computes them', async () => {
    await using server = await serve({}, () => new FastResponse('xy', { headers: { 'Content-Length': '1', 'X-Pad': ' v ', Connection: 'upgrade' } }));
    const text = await exchange(server.addr.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\nx-pad: v\r\ncontent-type: text\/plain;charset=UTF-8\r\nDate: .+ GMT\r\ncontent-length: 2\r\nconnection: close\r\n\r\nxy$/);
  });

  it('is served from a materialized FastResponse and from bodies it hands to the platform', async () => {
    await using server = await serve({}, (request) => {
      if (request.url.endsWith('/stream')) return new FastResponse(new Blob(['blob body']));
      const response = new FastResponse('touched', { headers: { 'x-c': '3' } });
      void response.headers; // builds the real Response
      return response;
    });
    const touched = await fetch(`http://${server.addr.toString()}/`);
    expect(touched.headers.get('x-c')).toBe('3');
    expect(await touched.text()).toBe('touched');
    expect(await (await fetch(`http://${server.addr.toString()}/stream`)).text()).toBe('blob body');
  });
});

describe('overrideGlobalResponse', () => {
  it('makes new Response() a FastResponse while every Response stays instanceof Response, and undoes itself', async () => {
    const platform = Response;
    const restore = overrideGlobalResponse();
    try {
      expect(overrideGlobalResponse()).toBeInstanceOf(Function); // idempotent
      const made = new Response('hi', { headers: { 'x-a': '1' } });
      expect(made).toBeInstanceOf(FastResponse);
      expect(made).toBeInstanceOf(Response);
      expect(made).toBeInstanceOf(platform);
      expect((made as unknown as FastResponse).materialized).toBe(false);
      expect(new platform('x')).toBeInstanceOf(Response);
      expect(Response.name).toBe('Response');
      expect(Response.json({ a: 1 })).toBeInstanceOf(FastResponse);
      expect(Response.redirect('http://a.example/', 301).status).toBe(301);
      expect(Response.error().type).toBe('error');
      await using server = await serve({}, () => new Response('from the global', { headers: { 'x-b': '2' } }));
      const fetched = await fetch(`http://${server.addr.toString()}/`);
      expect(fetched).toBeInstanceOf(Response); // a platform Response
      expect(fetched.headers.get('x-b')).toBe('2');
      expect(fetched.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
      expect(await fetched.text()).toBe('from the global');
    } finally {
      restore();
    }
    expect(Response).toBe(platform);
    expect(new Response('x')).not.toBeInstanceOf(FastResponse);
  });
});
