import fc from 'fast-check';
import { duplex, writeAll } from '@rt/io';
import { BytesMut, Framed } from '@rt/util';
import { ReplyWriter } from '../src/reply-writer.js';
import { RespCodec } from '../src/resp-codec.js';
import { ProtocolError, RespParser } from '../src/resp-parser.js';
import { encodeCommand as encode } from './resp-helpers.js';

/** Every command `decode` returns from `src` now, as strings. */
function drain(codec: RespCodec, src: BytesMut): string[][] {
  const out: string[][] = [];
  for (let command = codec.decode(src); command !== undefined; command = codec.decode(src)) {
    if (command.argc > 0) out.push(command.args());
  }
  return out;
}

describe('RespCodec', () => {
  it('decodes pipelined multibulk and inline commands from the front of a BytesMut, consuming them', () => {
    const codec = new RespCodec();
    const src = new BytesMut();
    src.putString('*2\r\n$3\r\nGET\r\n$1\r\na\r\nPING\r\n*0\r\n*3\r\n$3\r\nSET');
    expect(drain(codec, src)).toEqual([['GET', 'a'], ['PING']]);
    expect(src.length).toBe('*3\r\n$3\r\nSET'.length); // the partial command stays
    src.putString('\r\n$1\r\nk\r\n$1\r\nv\r\n');
    const command = codec.decode(src);
    expect(command?.args()).toEqual(['SET', 'k', 'v']);
    expect(command?.bytes(2)).toEqual(Buffer.from('v')); // a view of the read buffer
    expect(src.length).toBe(0);
  });

  it('throws ProtocolError for a malformed request and respects the limits', () => {
    const src = new BytesMut();
    src.putString('*1\r\n+x\r\n');
    expect(() => new RespCodec().decode(src)).toThrow(ProtocolError);
    const limited = new RespCodec({ maxBulkLength: 4 });
    const big = new BytesMut();
    big.putString('*1\r\n$5\r\n');
    expect(() => limited.decode(big)).toThrow(/Protocol error: invalid bulk length/);
  });

  it('drops an incomplete last command at end of stream, and returns a complete one', () => {
    const codec = new RespCodec();
    const src = new BytesMut();
    src.putString('PING\r\n*2\r\n$3\r\nGE');
    expect(codec.decodeEof(src)?.args()).toEqual(['PING']);
    expect(codec.decodeEof(src)).toBeUndefined();
    expect(src.length).toBe(0);
  });

  it('encodes a batch of replies and clears the writer', () => {
    const out = new ReplyWriter();
    out.ok();
    out.bulk(Buffer.from('hi'));
    const dst = new BytesMut();
    new RespCodec().encode(out, dst);
    expect(Buffer.from(dst.chunk()).toString()).toBe('+OK\r\n$2\r\nhi\r\n');
    expect(out.length).toBe(0);
  });

  it('serves a Framed over an in-memory stream, and a read aborted mid-command loses nothing', async () => {
    const [client, server] = duplex(1024);
    const framed = new Framed(server, new RespCodec());
    await writeAll(client, Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nhel'));
    const controller = new AbortController();
    const reading = framed.next({ signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_RT_CANCELLED' });
    await writeAll(client, Buffer.from('lo\r\n'));
    expect((await framed.next())?.args()).toEqual(['ECHO', 'hello']);
    const out = new ReplyWriter();
    out.bulk(Buffer.from('hello'));
    await framed.send(out);
    const reply = Buffer.alloc(64);
    const n = await client.read(reply);
    expect(reply.subarray(0, n).toString()).toBe('$5\r\nhello\r\n');
    await client.shutdown();
    expect(await framed.next()).toBeUndefined();
  });

  it('decodes what RespParser decodes, whatever the read sizes (fast-check)', () => {
    const argument = fc.uint8Array({ maxLength: 64 });
    const command = fc.array(argument, { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (commands, cuts) => {
        const bytes = Buffer.concat(commands.map((c) => encode(c)));
        const codec = new RespCodec();
        const src = new BytesMut();
        const seen: string[][] = [];
        let offset = 0;
        let k = 0;
        while (offset < bytes.length) {
          const n = cuts[k++ % cuts.length]!;
          src.put(bytes.subarray(offset, offset + n));
          offset += n;
          seen.push(...drain(codec, src));
        }
        const reference = new RespParser();
        reference.push(bytes);
        const expected: string[][] = [];
        for (let argc = reference.next(); argc >= 0; argc = reference.next()) if (argc > 0) expected.push(reference.args());
        expect(seen).toEqual(expected);
        expect(src.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('an attached parser refuses to be read into', () => {
    const codec = new RespCodec();
    const src = new BytesMut();
    src.putString('PING\r\n');
    codec.decode(src);
    expect(() => codec.parser.spare()).toThrow(/attached storage/);
  });
});
