// Review of pass eu30: `ByteStream.read` and `writeAll` test `buf instanceof Uint8Array` in
// place and call `checkBuffer` (a module-local copy) only to throw; the native stream reads
// `sys`, `EAGAIN`, `armWait`, `readyOrCancelled` and `RESOLVED` through module-local copies
// taken at load. These specs pin (1) the buffer-check matrix, the same on both drivers as
// before the pass: what is accepted, and what is refused, synchronously, with the same TypeError
// and message; (2) the read and write paths with those copies on each driver, with a diagnostics
// subscriber that attaches after the stream has already parked and still hears its parks.
import diagnostics_channel from 'node:diagnostics_channel';
import vm from 'node:vm';
import { Builder } from '@rt/scheduler';
import type { TcpStream } from '@rt/net';
import { drivers, tcpPair } from './support/drivers.js';

/** A Buffer of a subclass of Node's Buffer (its prototype extends Buffer.prototype; `new` of a Buffer subclass is deprecated). */
const subBuffer = (size: number): Buffer => Object.setPrototypeOf(Buffer.alloc(size), Object.create(Buffer.prototype) as Buffer) as Buffer;
class Bytes extends Uint8Array {}

function detached(): Uint8Array {
  const backing = new ArrayBuffer(8);
  const view = new Uint8Array(backing);
  structuredClone(backing, { transfer: [backing] });
  return view;
}

/** Refused: the value and how `describe` names it in the message. */
const refused: [string, () => unknown, string][] = [
  ['a string', () => 'buf', '"buf"'],
  ['null', () => null, 'null'],
  ['undefined', () => undefined, 'undefined'],
  ['a number', () => 42, '42'],
  ['a plain object', () => ({ length: 4 }), '[object Object]'],
  ['an array of numbers', () => [1, 2, 3], '[object Array]'],
  ['an ArrayBuffer', () => new ArrayBuffer(4), '[object ArrayBuffer]'],
  ['a DataView', () => new DataView(new ArrayBuffer(4)), '[object DataView]'],
  ['a Uint8ClampedArray', () => new Uint8ClampedArray(4), '[object Uint8ClampedArray]'],
  ['an Int8Array', () => new Int8Array(4), '[object Int8Array]'],
  ['a Uint16Array', () => new Uint16Array(2), '[object Uint16Array]'],
  ['a Float64Array', () => new Float64Array(1), '[object Float64Array]'],
  ['a BigUint64Array', () => new BigUint64Array(1), '[object BigUint64Array]'],
  ['a Uint8Array of another realm (vm)', () => vm.runInNewContext('new Uint8Array(4)'), '[object Uint8Array]'],
];

describe.each(drivers)('eu30 review (%s driver)', (driver) => {
  let pair: [TcpStream, TcpStream, { close(): void }] | undefined;
  afterEach(() => {
    if (pair === undefined) return;
    for (const s of pair) s.close();
    pair = undefined;
  });

  it.each(refused)('read and writeAll refuse %s synchronously, with the TypeError checkBuffer always threw', async (_, make, described) => {
    pair = await tcpPair(driver);
    const [client] = pair;
    const value = make() as Uint8Array;
    expect(() => client.read(value)).toThrow(new TypeError(`TcpStream.read: buf must be a Uint8Array (or Buffer), got ${described}`));
    expect(() => client.writeAll(value)).toThrow(new TypeError(`TcpStream.writeAll: buf must be a Uint8Array (or Buffer), got ${described}`));
    // Refused before the stream is looked at: the same error on a closed stream.
    client.close();
    expect(() => client.read(value)).toThrow(TypeError);
    expect(() => client.writeAll(value)).toThrow(TypeError);
  });

  it('read and writeAll accept a Uint8Array, a Buffer, a subarray, and subclasses of Uint8Array and of Buffer', async () => {
    pair = await tcpPair(driver);
    const [client, server] = pair;
    const sent: Uint8Array[] = [Uint8Array.of(1, 2), Buffer.from([3, 4]), Uint8Array.of(0, 5, 6, 0).subarray(1, 3), Bytes.of(7, 8), subBuffer(2).fill(9)];
    for (const buf of sent) await client.writeAll(buf);
    const into: Uint8Array[] = [new Uint8Array(2), Buffer.alloc(2), new Uint8Array(4).subarray(1, 3), new Bytes(2), subBuffer(2)];
    const got: number[] = [];
    for (const buf of into) {
      let n = 0;
      while (n < 2) n += await server.read(buf.subarray(n));
      got.push(...buf);
    }
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
  });

  it('a view of a detached buffer passes the check as before: an empty write, and a read of 0 bytes', async () => {
    pair = await tcpPair(driver);
    const [client, server] = pair;
    await expect(client.writeAll(detached())).resolves.toBeUndefined();
    await client.writeAll(Uint8Array.of(42));
    const one = new Uint8Array(1);
    expect(await server.read(one)).toBe(1);
    expect(one[0]).toBe(42);
    expect(await server.read(detached())).toBe(0);
  });

  it('the read/write paths (module-local copies) park and echo in a task, heard by a subscriber attached after the first parks', async () => {
    const runtime = Builder.currentThread().name('eu30').build();
    try {
      pair = await tcpPair(driver);
      const [client, server] = pair;
      const parks: string[] = [];
      const onPark = (m: unknown): void => void parks.push((m as { label: string }).label);
      let round = 0;
      const echo = runtime.spawn(async () => {
        const buf = new Uint8Array(64);
        for (;;) {
          const n = await server.read(buf);
          if (n === 0) return;
          await server.writeAll(buf.subarray(0, n));
        }
      });
      const reply = new Uint8Array(1);
      try {
        for (; round < 40; round++) {
          if (round === 20) diagnostics_channel.subscribe('rt:task:park', onPark);
          await client.writeAll(Uint8Array.of(round));
          expect(await client.read(reply)).toBe(1);
          expect(reply[0]).toBe(round);
        }
      } finally {
        diagnostics_channel.unsubscribe('rt:task:park', onPark);
      }
      await client.shutdown();
      await echo;
      // The server task parks on each read it makes before the next message arrives: at least
      // once per round heard.
      expect(parks.length).toBeGreaterThanOrEqual(20);
      expect(new Set(parks)).toEqual(new Set(['TcpStream.read']));
    } finally {
      await runtime.shutdown();
    }
  });
});
