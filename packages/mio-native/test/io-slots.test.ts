// The io slots (native/mio.c, "The io slots"; pass na27): `sys.read(fd, buffer)` and
// `sys.write(fd, buffer)` of a whole view pass the fd to the addon, and take the result back,
// through 16 bytes of the addon's own memory (`binding.io`) instead of N-API values. What must
// hold: the addon checks the fd it finds in the slot exactly as it checks an fd argument (NaN, a
// fraction, a value outside int32: its RangeError; a closed fd: -EBADF), the buffer argument as
// before (a TypeError for anything that is not a view), and nothing JavaScript does to the slots'
// ArrayBuffer (detach, transfer, drop and collect, in the main thread or a worker that ends)
// makes the addon touch memory it does not own. The lifetime cases run in child processes
// (`--expose-gc`, the built package) so a crash fails the case; tools/reliability's asan run
// executes this file against the ASan build too.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addonPath, available, errnoName, sys } from '@rt/mio-native';
import { binding } from '../src/internal/binding.js';
import { EAGAIN, nodeCommand, socketPair } from './helpers.js';

const describeNative = available && addonPath !== null ? describe : describe.skip;

const rangeError = expect.objectContaining({ name: 'RangeError', code: 'ERR_RT_NATIVE_ARGUMENT', message: expect.stringContaining('int32') });
const typeError = expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT' });
const notInt32 = [Number.NaN, Infinity, -Infinity, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 32 + 3, -(2 ** 31) - 1, Number.MAX_VALUE, Number.MIN_VALUE];

describeNative('the io slots: readWhole / writeWhole', () => {
  it('the addon exports 16 bytes of slots and the two functions; sys.read / sys.write of a whole view go through them', () => {
    const b = binding!;
    expect(b.io).toBeInstanceOf(ArrayBuffer);
    expect(b.io!.byteLength).toBe(16);
    expect(typeof b.readWhole).toBe('function');
    expect(typeof b.writeWhole).toBe('function');
    const fd = new Float64Array(b.io!, 0, 1);
    const result = new Int32Array(b.io!, 8, 1);
    const [x, y] = socketPair();
    try {
      expect(sys.write(x, Buffer.from('slots'))).toBe(5);
      expect(fd[0]).toBeNaN(); // the wrapper stored x there, and the call consumed it (pass na28)
      expect(result[0]).toBe(5);
      const into = Buffer.alloc(8);
      expect(sys.read(y, into)).toBe(5);
      expect(fd[0]).toBeNaN();
      expect(into.subarray(0, 5).toString()).toBe('slots');
      expect(sys.read(y, into)).toBe(EAGAIN);
      expect(result[0]).toBe(EAGAIN);
      // Straight through the binding: fd in, result out, undefined returned.
      fd[0] = x;
      expect(b.writeWhole!(Buffer.from('raw'))).toBeUndefined();
      expect(result[0]).toBe(3);
      fd[0] = y;
      expect(b.readWhole!(into)).toBeUndefined();
      expect(result[0]).toBe(3);
      expect(into.subarray(0, 3).toString()).toBe('raw');
    } finally {
      sys.close(x);
      sys.close(y);
    }
  });

  it('an fd in the slot that is not exactly an int32 is the addon RangeError, through sys and through the binding, and nothing is read or written', () => {
    const b = binding!;
    const fd = new Float64Array(b.io!, 0, 1);
    const [x, y] = socketPair();
    try {
      const buffer = Buffer.from('abcdefgh');
      for (const bad of notInt32) {
        expect(() => sys.read(bad, buffer)).toThrow(rangeError);
        expect(() => sys.write(bad, buffer)).toThrow(rangeError);
        fd[0] = bad;
        expect(() => b.readWhole!(buffer)).toThrow(rangeError);
        expect(() => b.writeWhole!(buffer)).toThrow(rangeError);
      }
      // 2^32 + fd would alias fd if it wrapped: nothing reached x's peer.
      expect(() => sys.write(2 ** 32 + x, buffer)).toThrow(rangeError);
      expect(sys.read(y, Buffer.alloc(8))).toBe(EAGAIN);
      fd[0] = -0.5; // rounds to 0 (stdin) if it were truncated
      expect(() => b.readWhole!(Buffer.alloc(1))).toThrow(rangeError);
      fd[0] = x + 0.25;
      expect(() => b.writeWhole!(buffer)).toThrow(rangeError);
      expect(sys.read(y, Buffer.alloc(8))).toBe(EAGAIN);
    } finally {
      sys.close(x);
      sys.close(y);
    }
  });

  it('an fd that is not a number is the addon TypeError (it goes as an argument); a bad buffer is a TypeError with a good fd in the slot', () => {
    const b = binding!;
    const [x, y] = socketPair();
    try {
      for (const bad of ['3', null, undefined, {}, 3n, Symbol('fd'), [x]]) {
        expect(() => sys.read(bad as unknown as number, Buffer.alloc(4))).toThrow(typeError);
        expect(() => sys.write(bad as unknown as number, Buffer.alloc(4))).toThrow(typeError);
      }
      // A fd object whose valueOf would run code: never called (no coercion on either path).
      let coerced = 0;
      const sneaky = { valueOf: () => (coerced++, x) };
      expect(() => sys.write(sneaky as unknown as number, Buffer.alloc(4))).toThrow(typeError);
      expect(coerced).toBe(0);
      // A buffer that is not a view, through sys: the addon's TypeError (not a property read of null).
      for (const bad of ['nope', null, undefined, 7, {}, new ArrayBuffer(8), { BYTES_PER_ELEMENT: 1 }]) {
        expect(() => sys.read(x, bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT', message: expect.stringContaining('Buffer') }));
        expect(() => sys.write(x, bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT', message: expect.stringContaining('Buffer') }));
      }
      const slot = new Float64Array(b.io!, 0, 1);
      for (const bad of ['nope', null, undefined, 7, {}, new ArrayBuffer(8), [1, 2]]) {
        slot[0] = x; // each call consumes the slot's fd (pass na28)
        expect(() => b.readWhole!(bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('Buffer') }));
        slot[0] = x;
        expect(() => b.writeWhole!(bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('Buffer') }));
      }
      slot[0] = x;
      expect(() => (b.readWhole as unknown as () => void)()).toThrow(typeError);
      expect(sys.read(y, Buffer.alloc(4))).toBe(EAGAIN); // nothing was written
    } finally {
      sys.close(x);
      sys.close(y);
    }
  });

  it('the slot functions take a typed array by its element count (never more bytes than the view), any other view whole; sys sends them only Uint8Arrays', () => {
    const b = binding!;
    const fd = new Float64Array(b.io!, 0, 1);
    const result = new Int32Array(b.io!, 8, 1);
    const [x, y] = socketPair();
    try {
      sys.write(x, Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'));
      // Straight to the binding: a Float64Array of 2 elements (16 bytes) at byte 8 of 48 takes 2 bytes.
      const wide = new Float64Array(new ArrayBuffer(48), 8, 2);
      new Uint8Array(wide.buffer).fill(0x2e);
      fd[0] = y;
      b.readWhole!(wide as unknown as Uint8Array);
      expect(result[0]).toBe(2);
      expect(Buffer.from(wide.buffer).toString('latin1')).toBe(`........01${'.'.repeat(38)}`);
      // A DataView: its bytes, through the buffer look-up.
      const view = new DataView(new ArrayBuffer(12), 2, 4);
      fd[0] = y; // each call consumes the slot's fd (pass na28)
      b.readWhole!(view as unknown as Uint8Array);
      expect(result[0]).toBe(4);
      expect(Buffer.from(view.buffer, 2, 4).toString()).toBe('2345');
      // Through sys: a wider view is read by its byte length (it goes as an argument).
      const wide2 = new Uint16Array(4);
      expect(sys.read(y, wide2 as unknown as Uint8Array)).toBe(8);
      expect(Buffer.from(wide2.buffer).toString()).toBe('6789abcd');
      // Int8Array and Uint8ClampedArray are not Uint8Arrays: argument form, same bytes.
      expect(sys.read(y, new Int8Array(3) as unknown as Uint8Array)).toBe(3);
      expect(sys.read(y, new Uint8ClampedArray(3) as unknown as Uint8Array)).toBe(3);
      // A subarray of a Buffer, and a view of a resizable buffer's tracked length.
      const big = Buffer.alloc(64);
      expect(sys.read(y, big.subarray(10, 14))).toBe(4);
      expect(big.subarray(10, 14).toString()).toBe('klmn');
      const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void };
      const rab = new Resizable(2, { maxByteLength: 16 });
      const tracking = new Uint8Array(rab);
      rab.resize(6);
      expect(sys.read(y, tracking)).toBe(6);
      expect(Buffer.from(tracking).toString()).toBe('opqrst');
      rab.resize(0);
      expect(sys.read(y, tracking)).toBe(0);
      expect(sys.read(y, Buffer.alloc(16))).toBe(6);
    } finally {
      sys.close(x);
      sys.close(y);
    }
  });

  it('a fresh slot holds NaN (the RangeError), neither 0 (stdin) nor a fd that works', () => {
    // Before pass na28 it held -1 (EBADF): a call whose store was lost then succeeded, with its
    // result unreadable; NaN makes every call that finds no stored fd the RangeError.
    const result = run(`
      let error;
      try { b.readWhole(Buffer.alloc(4)); } catch (e) { error = e.name + ' ' + e.code; }
      console.log(JSON.stringify({ fd: String(new Float64Array(b.io, 0, 1)[0]), error, result: new Int32Array(b.io, 8, 1)[0] }));
    `);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ fd: 'NaN', error: 'RangeError ERR_RT_NATIVE_ARGUMENT', result: 0 });
  });

  it('the slot fd serves one call: the addon resets it to NaN, so a call with no new store is the RangeError and touches no fd', () => {
    // Pass na28: the guard against a lost store (a detached slots ArrayBuffer) with nothing to
    // check per call in JavaScript.
    const b = binding!;
    const fd = new Float64Array(b.io!, 0, 1);
    const result = new Int32Array(b.io!, 8, 1);
    const [x, y] = socketPair();
    try {
      expect(sys.write(x, Buffer.from('one'))).toBe(3);
      expect(fd[0]).toBeNaN();
      // The stale fd (x) is gone: a second call without a store writes nothing anywhere.
      expect(() => b.writeWhole!(Buffer.from('stale'))).toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('got nan') }));
      expect(result[0]).toBe(3); // the result of the last call that ran, untouched
      const into = Buffer.alloc(16);
      expect(sys.read(y, into, 0, 16)).toBe(3);
      expect(into.subarray(0, 3).toString()).toBe('one');
      expect(sys.read(y, into, 0, 16)).toBe(EAGAIN); // 'stale' went nowhere
      // Straight through the binding, each call after its own store; then none.
      fd[0] = y;
      b.readWhole!(into);
      expect(result[0]).toBe(EAGAIN);
      expect(fd[0]).toBeNaN();
      expect(() => b.readWhole!(into)).toThrow(rangeError);
      // Every path resets it: a call that throws after the fd check (a bad buffer) too.
      fd[0] = x;
      expect(() => b.writeWhole!({} as unknown as Uint8Array)).toThrow(typeError);
      expect(fd[0]).toBeNaN();
      expect(() => b.writeWhole!(Buffer.from('late'))).toThrow(rangeError);
      expect(sys.read(y, into, 0, 16)).toBe(EAGAIN);
      // A bad fd through sys: its own RangeError, naming the caller's value, and the slot reset.
      expect(() => sys.write(x + 0.5, Buffer.from('z'))).toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringContaining(String(x + 0.5)) }));
      expect(fd[0]).toBeNaN();
      // And sys keeps working after all of it.
      expect(sys.write(x, Buffer.from('two'))).toBe(3);
      expect(sys.read(y, into)).toBe(3);
    } finally {
      sys.close(x);
      sys.close(y);
    }
  });

  it('a closed or never-open fd in the slot is -EBADF; a detached view reads and writes nothing', () => {
    const [x, y] = socketPair();
    sys.close(x);
    sys.close(y);
    expect(errnoName(sys.read(x, Buffer.alloc(4)))).toBe('EBADF');
    expect(errnoName(sys.write(y, Buffer.alloc(4)))).toBe('EBADF');
    expect(errnoName(sys.read(-1, Buffer.alloc(4)))).toBe('EBADF');
    expect(errnoName(sys.write(2 ** 31 - 1, Buffer.alloc(4)))).toBe('EBADF');
    const [a, b] = socketPair();
    try {
      sys.write(b, Buffer.from('data'));
      const detached = new Uint8Array(new ArrayBuffer(16));
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      expect(sys.read(a, detached)).toBe(0);
      expect(sys.write(b, detached)).toBe(0);
      expect(sys.read(a, Buffer.alloc(8))).toBe(4);
    } finally {
      sys.close(a);
      sys.close(b);
    }
  });
});

// The built package (ESM), loaded by the child with import(): the same addon (RT_MIO_NATIVE_DIR under ASan).
const packageDir = join(__dirname, '..', 'dist');
const indexUrl = pathToFileURL(join(packageDir, 'index.js')).href;
const bindingUrl = pathToFileURL(join(packageDir, 'internal', 'binding.js')).href;

function run(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `
    (async () => {
      const { sys, constants: C } = await import(${JSON.stringify(indexUrl)});
      const { binding: b } = await import(${JSON.stringify(bindingUrl)});
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const pair = () => { const p = new Int32Array(2); sys.socketPair(C.AF_UNIX, C.SOCK_STREAM, p); return [p[0], p[1]]; };
      ${body}
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const [command, args] = nodeCommand(['--expose-gc', '-e', code]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describeNative('the io slots: their memory stays the addon own', () => {
  it('the slots ArrayBuffer transferred away (or copied, where it cannot detach), dropped and collected: the addon keeps reading and writing its own memory', () => {
    const result = run(`
      const [x, y] = pair();
      sys.write(x, Buffer.from('s')); // the call consumed x: the slot holds NaN from here on
      const io = b.io;
      let moved = io.transfer !== undefined ? io.transfer() : structuredClone(io, { transfer: [io] });
      const detached = io.byteLength === 0;
      moved = null;
      for (let i = 0; i < 4; i++) { gc(); await turn(); }
      // The wrapper's views are gone with a detached buffer; the binding still takes its fd from
      // the same memory (the addon's; NaN since pass na28, so each call is its RangeError): no crash.
      let calls = 0;
      for (let i = 0; i < 2000; i++) {
        try { b.writeWhole(Buffer.from('z')); calls++; } catch { calls++; }
        try { b.readWhole(Buffer.alloc(4)); } catch {}
      }
      // The argument forms are untouched.
      // (x's send buffer is full of the loop's bytes by now: the other direction.)
      const n = sys.write(y, Buffer.from('after'), 0, 5);
      const got = Buffer.alloc(8);
      const r = sys.read(x, got, 0, 8);
      console.log(JSON.stringify({ calls, n, r: got.subarray(0, r).toString(), detachedOrCopied: detached || io.byteLength === 16 }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ calls: 2000, n: 5, r: 'after', detachedOrCopied: true });
  });

  it('workers each have their own slots; one that ends (and one terminated mid-loop) frees its slots while the main thread keeps using its own', () => {
    const result = run(`
      const { Worker } = require('node:worker_threads');
      const worker = (terminate) => new Promise((resolve, reject) => {
        const w = new Worker(\`
          const { parentPort } = require('node:worker_threads');
          (async () => {
            const { sys, constants: C } = await import(\${JSON.stringify(${JSON.stringify(indexUrl)})});
            const { binding: b } = await import(\${JSON.stringify(${JSON.stringify(bindingUrl)})});
            const p = new Int32Array(2); sys.socketPair(C.AF_UNIX, C.SOCK_STREAM, p);
            let sum = 0;
            for (let i = 0; i < 200; i++) { sys.write(p[1], Buffer.from('w')); sum += sys.read(p[0], Buffer.alloc(4)); }
            parentPort.postMessage({ sum, own: b.io.byteLength });
            if (\${terminate}) for (;;) { sys.write(p[1], Buffer.from('w')); sys.read(p[0], Buffer.alloc(4)); }
            sys.close(p[0]); sys.close(p[1]);
          })();
        \`, { eval: true });
        w.once('message', (m) => { if (terminate) w.terminate(); resolve(m); });
        w.once('error', reject);
      });
      const [x, y] = pair();
      const results = [];
      for (let i = 0; i < 4; i++) {
        const pending = worker(i % 2 === 1);
        // The main thread's slots, used while the worker uses its own.
        for (let j = 0; j < 50; j++) { sys.write(x, Buffer.from('m')); if (sys.read(y, Buffer.alloc(4)) !== 1) throw new Error('main slots'); }
        results.push(await pending);
        gc();
        await turn();
      }
      for (let j = 0; j < 500; j++) { sys.write(x, Buffer.from('m')); if (sys.read(y, Buffer.alloc(4)) !== 1) throw new Error('main slots after'); }
      sys.close(x); sys.close(y);
      console.log(JSON.stringify(results));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(Array.from({ length: 4 }, () => ({ sum: 200, own: 16 })));
  });
});
