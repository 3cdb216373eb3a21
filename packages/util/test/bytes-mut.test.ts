import fc from 'fast-check';
import { BytesMut } from '@rt/util';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('BytesMut', () => {
  it('runs the documented example', () => {
    const buf = new BytesMut();
    buf.putString('hello\nworld');
    const newline = buf.indexOf(0x0a);
    const line = buf.splitTo(newline);
    buf.advance(1);
    expect(str(line)).toBe('hello');
    expect(buf.length).toBe(5);
    expect(str(buf.chunk())).toBe('world');
  });

  it('splitTo takes a frame from the front without a copy (the view shares the storage)', () => {
    const buf = new BytesMut(32);
    buf.put(text('abcdefgh'));
    const storage = buf.chunk().buffer;
    const frame = buf.splitTo(4);
    expect(frame.buffer).toBe(storage);
    expect(str(frame)).toBe('abcd');
    expect(str(buf.chunk())).toBe('efgh');
  });

  it('never writes over a view it handed out, however it grows afterwards', () => {
    const buf = new BytesMut(8);
    buf.put(text('12345678'));
    const frame = buf.splitTo(6);
    buf.advance(2);
    for (let i = 0; i < 10; i++) buf.put(text('xxxxxxxxxxxx'));
    expect(str(frame)).toBe('123456');
  });

  it('cuts frames from slabs: many small frames share one storage, slabs double up to 64 KiB', () => {
    const buf = new BytesMut();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 20_000; i++) {
      const room = buf.spare(100);
      room.fill(i & 0xff, 0, 100);
      buf.commit(100);
      frames.push(buf.splitTo(100));
    }
    const slabs = [...new Set(frames.map((f) => f.buffer))];
    // 2 MB of frames: the first storage (100 bytes, before any frame was handed out), then
    // slabs of 8, 16, 32 KiB, then 64 KiB ones (about thirty).
    expect(slabs.length).toBeLessThan(40);
    expect(Math.max(...slabs.map((b) => b.byteLength))).toBe(64 * 1024);
    expect(slabs.map((b) => b.byteLength).slice(0, 6)).toEqual([100, 8192, 16384, 32768, 65536, 65536]);
    // Every frame is still what was read into it: no slab was written over.
    expect(frames.every((f, i) => f.length === 100 && f.every((b) => b === (i & 0xff)))).toBe(true);
  });

  it('starts a new slab moving only the partial frame, and gives a large frame storage of its own', () => {
    const buf = new BytesMut();
    buf.put(new Uint8Array(8 * 1024 - 10).fill(1));
    const first = buf.splitTo(8 * 1024 - 20); // 10 bytes stay: the start of the next frame
    const slab = first.buffer;
    buf.put(new Uint8Array(100).fill(2)); // more than the 10-byte tail: a fresh slab
    expect(buf.chunk().buffer).not.toBe(slab);
    expect(buf.length).toBe(110);
    expect(buf.start).toBe(0); // only the live (partial) bytes were moved, to the front
    expect([...buf.chunk().subarray(8, 12)]).toEqual([1, 1, 2, 2]);
    expect(first.every((b) => b === 1)).toBe(true);
    buf.clear();
    buf.put(new Uint8Array(2));
    buf.split(); // a view handed out: the storage is a slab again
    // A frame above a quarter slab (16 KiB): exactly its size, not a slab.
    buf.reserve(20_000);
    expect(buf.storage.length).toBe(20_000);
    buf.put(new Uint8Array(20_000).fill(3));
    const large = buf.split();
    expect(large.buffer.byteLength).toBe(20_000);
    // The next small frames go into a slab again.
    buf.put(new Uint8Array(10).fill(4));
    expect(buf.chunk().buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
    expect(large.every((b) => b === 3)).toBe(true);
  });

  it('spare() after a frame makes room for a frame of the same size (header included), so one is not read across two slabs', () => {
    const buf = new BytesMut();
    const frame = 30_000;
    for (let i = 0; i < 40; i++) {
      const room = buf.spare(i === 0 ? frame + 2 : 8 * 1024);
      expect(room.length).toBeGreaterThanOrEqual(frame + 2);
      room.fill(i, 0, frame + 2);
      buf.commit(frame + 2);
      buf.advance(2); // the header
      expect(buf.splitTo(frame).every((b) => b === i)).toBe(true);
    }
  });

  it('spare() after a frame reserves for that frame and its header, not for every byte discarded since the last frame', () => {
    // A codec that skips data (advance) between small frames: 10 MB discarded, 50 KB at a time,
    // then a 10-byte frame. The next spare() must not allocate 10 MB.
    const buf = new BytesMut();
    buf.put(Uint8Array.of(0));
    buf.split(); // a view handed out
    for (let i = 0; i < 200; i++) {
      buf.put(new Uint8Array(50_000));
      buf.advance(50_000);
    }
    buf.put(new Uint8Array(12).fill(7));
    buf.advance(2); // this frame's header
    expect(buf.splitTo(10).every((b) => b === 7)).toBe(true);
    expect(buf.spare(1).length).toBeLessThanOrEqual(64 * 1024);
    expect(buf.storage.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('a stream of 16-64 KiB frames (a 4-byte header each) takes one read per frame, every frame intact', () => {
    // The source always has more than the room offered; each frame has a 4-byte header. A
    // partial frame left after a split goes to a slab with room for its rest, not to a storage
    // of exactly one more read (an extra read and a second move per frame).
    for (const size of [20_000, 40_000, 60_000]) {
      const buf = new BytesMut();
      const frames = 300;
      const stream = new Uint8Array(frames * (size + 4));
      for (let i = 0; i < frames; i++) stream.fill(i & 0xff, i * (size + 4), (i + 1) * (size + 4));
      let sent = 0;
      let reads = 0;
      const got: Uint8Array[] = [];
      while (got.length < frames) {
        while (buf.length >= size + 4) {
          buf.advance(4);
          got.push(buf.splitTo(size));
        }
        if (got.length === frames) break;
        const room = buf.spare(8 * 1024);
        const n = Math.min(room.length, stream.length - sent);
        room.set(stream.subarray(sent, sent + n));
        buf.commit(n);
        sent += n;
        reads++;
      }
      expect(reads).toBeLessThanOrEqual(frames * 1.05);
      expect(got.every((frame, i) => frame.length === size && frame.every((b) => b === (i & 0xff)))).toBe(true);
    }
  });

  it('compacts in place when nothing was handed out', () => {
    const buf = new BytesMut(64);
    buf.put(new Uint8Array(60).fill(1));
    const storage = buf.chunk().buffer;
    buf.advance(58);
    buf.put(new Uint8Array(30).fill(2));
    expect(buf.chunk().buffer).toBe(storage);
    expect([...buf.chunk()]).toEqual([1, 1, ...new Array(30).fill(2)]);
  });

  it('reclaim() lets storage that views were handed out of be reused', () => {
    const buf = new BytesMut(16);
    buf.put(text('abcdefgh'));
    const storage = buf.chunk().buffer;
    buf.splitTo(8);
    buf.reclaim();
    buf.put(text('ijklmnop'));
    expect(buf.chunk().buffer).toBe(storage);
    expect(str(buf.chunk())).toBe('ijklmnop');
  });

  it('chunk() is always the live bytes of the current storage (a repeated range gets the same view back, refilled)', () => {
    const buf = new BytesMut(16);
    buf.put(text('abcd'));
    const first = buf.chunk();
    expect(buf.chunk()).toBe(first); // same range, same storage: the view is reused
    buf.advance(4);
    buf.put(text('wxyz')); // emptied, so back at the front: the same range again
    expect(buf.chunk()).toBe(first);
    expect(str(first)).toBe('wxyz');
    buf.advance(1);
    expect(str(buf.chunk())).toBe('xyz');
    buf.put(text('0123456789abcdef')); // grows: a new storage
    const grown = buf.chunk();
    expect(grown.buffer).not.toBe(first.buffer);
    expect(grown.buffer).toBe(buf.storage.buffer);
    expect(str(grown)).toBe('xyz0123456789abcdef');
    buf.clear();
    expect(buf.chunk().length).toBe(0);
    expect(buf.chunk().buffer).toBe(buf.storage.buffer);
    // A frame handed out is never the chunk view, and the chunk never shows its bytes again.
    buf.put(text('frame'));
    const view = buf.chunk();
    const frame = buf.splitTo(5);
    expect(frame).not.toBe(view);
    buf.put(text('next!'));
    expect(str(frame)).toBe('frame');
    expect(str(buf.chunk())).toBe('next!');
  });

  it('spare() and commit() let a reader fill it directly', () => {
    const buf = new BytesMut();
    const spare = buf.spare(10);
    expect(spare.length).toBeGreaterThanOrEqual(10);
    spare.set(text('abc'));
    buf.commit(3);
    expect(str(buf.chunk())).toBe('abc');
    expect(() => buf.commit(buf.capacity)).toThrow(RangeError);
  });

  it('storage and start locate the live bytes without a view, and an empty buffer reads into its whole storage', () => {
    const buf = new BytesMut();
    const spare = buf.spare(16);
    expect(spare).toBe(buf.storage); // empty: no view made
    spare.set(text('hello world'));
    buf.commit(11);
    buf.advance(6);
    expect(buf.start).toBe(6);
    expect(str(buf.storage.subarray(buf.start, buf.start + buf.length))).toBe('world');
    expect(buf.spare(1)).not.toBe(buf.storage); // not empty: the room past the live bytes
    expect(buf.spare(1).byteOffset).toBe(buf.storage.byteOffset + 11);
    buf.reserve(buf.capacity * 4); // grows: a fresh storage, live bytes at its front
    expect(buf.start).toBe(0);
    expect(str(buf.storage.subarray(buf.start, buf.start + buf.length))).toBe('world');
  });

  it('writes and reads unsigned integers of 1 to 8 bytes in both byte orders', () => {
    const buf = new BytesMut();
    buf.putUint(0x0102, 2);
    buf.putUint(0x0102, 2, true);
    buf.putUint(0xdeadbeef, 4);
    buf.putUint(2n ** 64n - 1n, 8);
    buf.putUint(2 ** 40 + 5, 6, true);
    expect([...buf.splitTo(4)]).toEqual([1, 2, 2, 1]);
    expect(buf.getUint(0, 4)).toBe(0xdeadbeef);
    expect(buf.getUint(4, 8)).toBe(Infinity);
    expect(buf.getUint(12, 6, true)).toBe(2 ** 40 + 5);
    expect(() => buf.putUint(256, 1)).toThrow(RangeError);
    expect(() => buf.putUint(-1, 4)).toThrow(RangeError);
    expect(() => buf.putUint(1.5, 4)).toThrow(TypeError);
    expect(() => buf.putUint(1, 9)).toThrow(RangeError);
    expect(() => buf.getUint(15, 4)).toThrow(RangeError);
  });

  it('putUint round-trips through getUint for every size and byte order (the number fast path included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (size, littleEndian, fraction) => {
        const value = Math.floor(fraction * (2 ** (8 * size) - 1));
        const buf = new BytesMut();
        buf.putU8(0xaa);
        buf.putUint(value, size, littleEndian);
        buf.putU8(0xbb);
        expect(buf.length).toBe(size + 2);
        expect(buf.getUint(1, size, littleEndian)).toBe(value);
        expect([buf.at(0), buf.at(size + 1)]).toEqual([0xaa, 0xbb]);
        const big = new BytesMut();
        big.putUint(BigInt(value), size, littleEndian);
        expect([...big.chunk()]).toEqual([...buf.chunk().subarray(1, size + 1)]);
      }),
      { numRuns: 500 },
    );
    expect(() => new BytesMut().putUint(1, '4' as never)).toThrow(RangeError); // the existing message: size must be an integer
    expect(() => new BytesMut().putUint(2 ** 32, 4)).toThrow(RangeError);
  });

  it('rejects bad arguments at once', () => {
    const buf = new BytesMut();
    buf.put(text('ab'));
    expect(() => buf.advance(3)).toThrow(RangeError);
    expect(() => buf.splitTo(-1)).toThrow(RangeError);
    expect(() => buf.put('ab' as never)).toThrow(TypeError);
    expect(() => buf.putString(1 as never)).toThrow(TypeError);
    expect(() => new BytesMut(-1)).toThrow(RangeError);
    expect(() => buf.reserve(-1)).toThrow(RangeError);
    expect(buf.at(5)).toBeUndefined();
    expect(buf.indexOf(0x62, 5)).toBe(-1);
  });

  it('truncate, clear, isEmpty', () => {
    const buf = new BytesMut();
    buf.put(text('abcdef'));
    buf.truncate(3);
    expect(str(buf.chunk())).toBe('abc');
    buf.truncate(10);
    expect(buf.length).toBe(3);
    buf.clear();
    expect(buf.isEmpty()).toBe(true);
  });

  it('behaves like a plain byte array under any sequence of operations (fuzz)', () => {
    type Op = { kind: 'put'; bytes: Uint8Array } | { kind: 'advance' | 'split'; n: number } | { kind: 'reserve'; n: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'put' as const, bytes })),
      fc.nat(50).map((n) => ({ kind: 'advance' as const, n })),
      fc.nat(50).map((n) => ({ kind: 'split' as const, n })),
      fc.nat(100).map((n) => ({ kind: 'reserve' as const, n })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const buf = new BytesMut();
        let model: number[] = [];
        const frames: [Uint8Array, number[]][] = [];
        for (const o of ops) {
          if (o.kind === 'put') {
            buf.put(o.bytes);
            model.push(...o.bytes);
          } else if (o.kind === 'reserve') {
            buf.reserve(o.n);
            expect(buf.capacity - buf.length).toBeGreaterThanOrEqual(o.n);
          } else {
            const n = Math.min(o.n, model.length);
            if (o.kind === 'advance') buf.advance(n);
            else frames.push([buf.splitTo(n), model.slice(0, n)]);
            model = model.slice(n);
          }
          expect([...buf.chunk()]).toEqual(model);
          expect([...buf.storage.subarray(buf.start, buf.start + buf.length)]).toEqual(model);
        }
        for (const [frame, expected] of frames) expect([...frame]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
