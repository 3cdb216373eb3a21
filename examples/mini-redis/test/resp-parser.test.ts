import fc from 'fast-check';
import { NameTable, ProtocolError, RespParser } from '../src/resp-parser.js';
import { encodeCommand as encode } from './resp-helpers.js';

/** Every command the parser yields, as string arrays (empty commands skipped). */
function drain(parser: RespParser): string[][] {
  const out: string[][] = [];
  for (;;) {
    const argc = parser.next();
    if (argc < 0) return out;
    if (argc > 0) out.push(parser.args());
  }
}

describe('RespParser', () => {
  it('parses a multibulk command into binary-safe arguments', () => {
    const parser = new RespParser();
    parser.push(encode(['SET', 'key', 'va\r\nl\u00ffue']));
    expect(parser.next()).toBe(3);
    expect(parser.args()).toEqual(['SET', 'key', 'va\r\nl\u00ffue']);
    expect([...parser.bytes(2)]).toEqual([...Buffer.from('va\r\nl\u00ffue', 'latin1')]);
    expect(parser.upper(0)).toBe('SET');
    expect(parser.length(1)).toBe(3);
    expect(parser.next()).toBe(-1);
  });

  it('copy(i) is an argument in memory of its own, unchanged when the buffer is reused', () => {
    const parser = new RespParser();
    parser.push(encode(['SET', 'k', 'v\u0000\u00ff']));
    expect(parser.next()).toBe(3);
    const value = parser.copy(2);
    expect(value).toBeInstanceOf(Buffer);
    expect([...value]).toEqual([0x76, 0x00, 0xff]);
    parser.spare().fill(0x2a); // the buffer's memory is reused for the next read
    parser.push(encode(['SET', 'k', 'xyz']));
    expect(parser.next()).toBe(3);
    expect([...value]).toEqual([0x76, 0x00, 0xff]);
    expect(parser.copy(2).toString('latin1')).toBe('xyz');
  });

  it('parses every complete command of a pipelined buffer and keeps the incomplete rest', () => {
    const parser = new RespParser();
    const bytes = Buffer.concat([encode(['PING']), encode(['GET', 'a']), encode(['ECHO', 'hello'])]);
    parser.push(bytes.subarray(0, bytes.length - 3));
    expect(drain(parser)).toEqual([['PING'], ['GET', 'a']]);
    expect(parser.buffered).toBeGreaterThan(0);
    parser.spare();
    parser.push(bytes.subarray(bytes.length - 3));
    expect(drain(parser)).toEqual([['ECHO', 'hello']]);
    expect(parser.buffered).toBe(0);
  });

  it('gives the same commands whatever the split into reads', () => {
    const bytes = Buffer.concat([encode(['SET', 'k', 'x'.repeat(100)]), encode(['GET', 'k']), Buffer.from('PING\r\n')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new RespParser();
      const seen: string[][] = [];
      parser.push(bytes.subarray(0, cut));
      seen.push(...drain(parser));
      parser.push(bytes.subarray(cut));
      seen.push(...drain(parser));
      expect(seen).toEqual([['SET', 'k', 'x'.repeat(100)], ['GET', 'k'], ['PING']]);
    }
  });

  it('parses inline commands as telnet and nc send them', () => {
    const parser = new RespParser();
    parser.push(Buffer.from('PING\r\n  set  a   b \nGET a\r\n\r\n'));
    expect(drain(parser)).toEqual([['PING'], ['set', 'a', 'b'], ['GET', 'a']]);
  });

  it('skips empty multibulk commands as Redis does', () => {
    const parser = new RespParser();
    parser.push(Buffer.from('*0\r\n*-1\r\n'));
    expect(parser.next()).toBe(0);
    expect(parser.next()).toBe(0);
    expect(parser.next()).toBe(-1);
  });

  it('rejects a declared bulk length above the cap before buffering its data', () => {
    const parser = new RespParser({ maxBulkLength: 1024 });
    parser.push(Buffer.from('*2\r\n$3\r\nGET\r\n$1025\r\n'));
    expect(() => parser.next()).toThrow(ProtocolError);
    expect(parser.capacity).toBeLessThanOrEqual(64 * 1024);
  });

  it('rejects the 512 MiB default cap plus one with a protocol error, holding only the header', () => {
    const parser = new RespParser();
    parser.push(Buffer.from(`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`));
    expect(() => parser.next()).toThrow(/invalid bulk length/);
    expect(parser.capacity).toBeLessThanOrEqual(64 * 1024);
  });

  it('rejects malformed requests with Redis error texts', () => {
    const cases: Array<[string, RegExp]> = [
      ['*2\r\n+GET\r\n', /expected '\$', got '\+'/],
      ['*x\r\n', /invalid multibulk length/],
      ['*1\r\n$-5\r\n', /invalid bulk length/],
      ['*1\r\n$2\r\nabcd\r\n', /not terminated by CRLF/],
      [`*${2 * 1024 * 1024}\r\n`, /invalid multibulk length/],
    ];
    for (const [input, message] of cases) {
      const parser = new RespParser();
      parser.push(Buffer.from(input));
      expect(() => parser.next()).toThrow(message);
    }
  });

  it('rejects an inline request or a length line longer than the inline cap', () => {
    const inline = new RespParser({ maxInlineLength: 16 });
    inline.push(Buffer.from('x'.repeat(17)));
    expect(() => inline.next()).toThrow(/too big inline request/);
    const header = new RespParser({ maxInlineLength: 16 });
    header.push(Buffer.from(`*${'1'.repeat(20)}`));
    expect(() => header.next()).toThrow(ProtocolError);
  });

  it('waits for a large declared argument without rescanning and returns its memory afterwards', () => {
    const parser = new RespParser();
    const value = Buffer.alloc(1024 * 1024, 0x61);
    const bytes = encode(['SET', 'big', value]);
    for (let offset = 0; offset < bytes.length; offset += 1000) {
      const spare = parser.spare();
      const n = Math.min(1000, bytes.length - offset, spare.length);
      bytes.copy(spare, 0, offset, offset + n);
      parser.commit(n);
      if (offset + n < bytes.length) expect(parser.next()).toBe(-1);
      else expect(parser.next()).toBe(3);
      offset -= 1000 - n;
    }
    expect(parser.length(2)).toBe(value.length);
    parser.spare();
    expect(parser.capacity).toBeLessThan(1024 * 1024);
  });

  it('validates its limits and commit', () => {
    expect(() => new RespParser({ maxBulkLength: 0 })).toThrow(RangeError);
    expect(() => new RespParser({ maxArrayLength: 1.5 })).toThrow(/maxArrayLength/);
    const parser = new RespParser();
    const spare = parser.spare();
    expect(() => parser.commit(spare.length + 1)).toThrow(RangeError);
    expect(() => parser.commit(-1)).toThrow(RangeError);
  });

  it('round-trips random commands cut into random reads (fast-check)', () => {
    const argument = fc.uint8Array({ maxLength: 64 });
    const command = fc.array(argument, { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (commands, cuts) => {
        const bytes = Buffer.concat(commands.map((c) => encode(c)));
        const parser = new RespParser();
        const seen: string[][] = [];
        let offset = 0;
        let k = 0;
        while (offset < bytes.length) {
          const n = cuts[k++ % cuts.length]!;
          parser.push(bytes.subarray(offset, offset + n));
          offset += n;
          seen.push(...drain(parser));
        }
        expect(seen).toEqual(commands.map((c) => c.map((a) => Buffer.from(a).toString('latin1'))));
        expect(parser.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never crashes and never buffers beyond its caps on random byte streams (fast-check)', () => {
    const limits = { maxBulkLength: 256, maxArrayLength: 8, maxInlineLength: 64, maxBufferedBytes: 4096 };
    // Biased towards protocol-looking bytes so the fuzzer reaches deep states.
    const token = fc.oneof(
      fc.constantFrom('*', '$', '\r\n', '\r', '\n', '-', '0', '1', '2', '9', '*2\r\n', '$3\r\n', 'GET', ' ', '99999999999999999999'),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (tokens, chunk) => {
        const bytes = Buffer.from(tokens.join(''), 'latin1');
        const parser = new RespParser(limits);
        for (let offset = 0; offset < bytes.length; offset += chunk) {
          parser.push(bytes.subarray(offset, offset + chunk));
          try {
            for (;;) {
              const argc = parser.next();
              if (argc < 0) break;
              expect(argc).toBeLessThanOrEqual(limits.maxArrayLength);
              for (let i = 0; i < argc; i++) expect(parser.length(i)).toBeLessThanOrEqual(Math.max(limits.maxBulkLength, limits.maxInlineLength));
            }
          } catch (error) {
            if (!(error instanceof ProtocolError)) throw error;
            return; // the connection would be closed here
          }
          // One incomplete command at most, bounded by the caps.
          expect(parser.buffered).toBeLessThanOrEqual(limits.maxArrayLength * (limits.maxBulkLength + 2 + 2 * limits.maxInlineLength) + limits.maxInlineLength + chunk);
          expect(parser.capacity).toBeLessThanOrEqual(2 * limits.maxBufferedBytes + 16 * 1024);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('NameTable', () => {
  const names = new NameTable(['GET', 'SET', 'PING', 'PTTL', 'SUBSCRIBE']);
  const upperOf = (argument: string | Uint8Array, table?: NameTable): string => {
    const parser = new RespParser();
    parser.push(encode([argument]));
    expect(parser.next()).toBe(1);
    return parser.upper(0, table);
  };

  it('reads a known name in any case as its own constant, and anything else as upper()', () => {
    expect(upperOf('get', names)).toBe('GET');
    expect(upperOf('gEt', names)).toBe('GET');
    expect(upperOf('PTTL', names)).toBe('PTTL'); // same length and letter as PING
    expect(upperOf('ping', names)).toBe('PING');
    expect(upperOf('subscribe', names)).toBe('SUBSCRIBE');
    expect(upperOf('incr', names)).toBe('INCR'); // not in the table: upper-cased string
    expect(upperOf('gets', names)).toBe('GETS');
    expect(upperOf(Uint8Array.of(0xc7, 0x45, 0x54), names)).toBe('\u00c7ET'); // 0xc7 & 0xdf is not 'G'
    expect(upperOf(Uint8Array.of(0x47, 0x05, 0x54), names)).toBe('G\u0005T');
  });

  it('rejects names that are not 1 to 15 upper-case letters', () => {
    expect(() => new NameTable(['get'])).toThrow(TypeError);
    expect(() => new NameTable([''])).toThrow(TypeError);
    expect(() => new NameTable(['A'.repeat(16)])).toThrow(TypeError);
    expect(() => new NameTable(['SET-X'])).toThrow(TypeError);
  });

  it('gives what upper() gives for any bytes (fuzz)', () => {
    const alphabet = [...Buffer.from('GETSPINUBCRgetspinubcr-_ \x00', 'latin1'), 0xc7, 0xdf, 0xff, 0x80];
    // Known names in random case, with one byte replaced now and then, and random bytes.
    const nearName = fc
      .tuple(fc.constantFrom('GET', 'SET', 'PING', 'PTTL', 'SUBSCRIBE'), fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), fc.option(fc.tuple(fc.nat(8), fc.constantFrom(...alphabet))))
      .map(([name, lower, replace]) => {
        const bytes = [...name].map((c, i) => (lower[i] ? c.toLowerCase() : c).charCodeAt(0));
        if (replace !== null) bytes[replace[0] % bytes.length] = replace[1];
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(nearName, fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 })), (bytes) => {
        const argument = Uint8Array.from(bytes);
        expect(upperOf(argument, names)).toBe(upperOf(argument));
      }),
      { numRuns: 2000 },
    );
  });
});
