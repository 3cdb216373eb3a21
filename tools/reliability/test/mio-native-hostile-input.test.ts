// The memory-safety boundary of the project: every exported `sys`, `Poll` and `Waker` entry
// point of @rt/mio-native called with arguments a bug could produce — wrong types,
// negative, fractional, NaN, infinite and huge offsets and lengths, views of every kind
// (Uint16Array, DataView, detached), closed and foreign fds. Each call must return a number
// (a count or a negative errno) or throw a TypeError/RangeError (an OsError where the API
// documents one); and it must never touch a byte outside the view it was given: every view
// sits inside an arena whose guard bytes (0xAA) are checked after each call, and no byte the
// peer receives may be a guard byte.
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { available, constants, Interest, Poll, sys, Waker } from '@rt/mio-native';
import { openFdCount, scaled } from '../src/config.js';

const describeNative = available ? describe : describe.skip;
const GUARD = 0xaa;
const FILL = 0x55;
const RUNS = scaled(1500, 100_000);

/** A test-wide arena: views are carved out of its middle, the rest is guard bytes. */
class Arena {
  readonly bytes = new Uint8Array(new ArrayBuffer(4096));
  constructor() {
    this.reset();
  }
  reset(): void {
    this.bytes.fill(GUARD);
    this.bytes.fill(FILL, 1024, 3072);
  }
  /** The first guard byte that changed, or -1. */
  damaged(): number {
    for (let i = 0; i < 1024; i++) if (this.bytes[i] !== GUARD) return i;
    for (let i = 3072; i < 4096; i++) if (this.bytes[i] !== GUARD) return i;
    return -1;
  }
}

const arena = new Arena();

type Kind = 'fd' | 'int' | 'view' | 'views' | 'int32s' | 'address' | 'encoded' | 'how' | 'bool' | 'optional-view';

/** Values that are not what any parameter wants. */
const junk = fc.constantFrom<unknown>(undefined, null, '1', 'abc', {}, [], true, 1n, Symbol('x'), () => 1, new Date(0), { length: 3 });

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 7, 64, 1023, 1024, 2048, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53, Number.NaN, Infinity, -Infinity, 0.5, 1.5, -0.5, 1e-300),
  fc.integer({ min: -4096, max: 4096 }),
  fc.integer(),
  fc.double(),
);

interface Fds {
  a: number;
  b: number;
  closed: number;
  file: number;
  poll: number;
}

function fdArbitrary(): fc.Arbitrary<(fds: Fds) => unknown> {
  return fc.oneof(
    fc.constantFrom<keyof Fds>('a', 'b', 'closed', 'file', 'poll').map((k) => (fds: Fds) => fds[k]),
    // Never -0 or another small number: that is fd 0, the runner's stdin, and a blocking read
    // on it would hang the test (NaN used to become fd 0 as well, see the mio-native fix).
    fc.constantFrom(-1, 1_000_000, 2 ** 31 - 1, -(2 ** 31), Number.NaN, Infinity, 1.5).map((v) => () => v),
    // 2^32 + a live fd: must not alias it.
    fc.constant((fds: Fds) => 2 ** 32 + fds.a),
    junk.map((v) => () => v),
  );
}

/** A view over the arena's middle (or something that is not a usable view). */
function viewArbitrary(): fc.Arbitrary<() => unknown> {
  const offset = fc.integer({ min: 1024, max: 3072 });
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(offset, fc.integer({ min: 0, max: 2048 })).map(([start, size]) => () => Buffer.from(arena.bytes.buffer, start, Math.min(size, 3072 - start))) },
    { weight: 2, arbitrary: fc.tuple(offset, fc.integer({ min: 0, max: 512 })).map(([start, size]) => () => new Uint8Array(arena.bytes.buffer, start, Math.min(size, 3072 - start))) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 512, max: 1535 }), fc.integer({ min: 0, max: 512 })).map(([half, count]) => () => new Uint16Array(arena.bytes.buffer, half * 2, Math.min(count, 1536 - half))) },
    { weight: 1, arbitrary: fc.tuple(offset, fc.integer({ min: 0, max: 512 })).map(([start, size]) => () => new DataView(arena.bytes.buffer, start, Math.min(size, 3072 - start))) },
    { weight: 1, arbitrary: fc.constant(() => detached()) },
    { weight: 1, arbitrary: junk.map((v) => () => v) },
  );
}

function detached(): Uint8Array {
  const buffer = new ArrayBuffer(64);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

function int32sArbitrary(): fc.Arbitrary<() => unknown> {
  return fc.oneof(
    fc.tuple(fc.integer({ min: 256, max: 767 }), fc.integer({ min: 0, max: 80 }), fc.array(hostileNumber, { maxLength: 8 })).map(([word, count, values]) => () => {
      const view = new Int32Array(arena.bytes.buffer, word * 4, Math.min(count, 768 - word));
      values.forEach((v, i) => {
        if (i < view.length) view[i] = v as number;
      });
      return view;
    }),
    junk.map((v) => () => v),
    fc.constant(() => new Float32Array(4)),
  );
}

const addressArbitrary = fc.oneof(
  fc.record({ family: fc.constant('IPv4'), address: fc.constantFrom('127.0.0.1', '0.0.0.0', '999.1.1.1', '', '::1'), port: hostileNumber }),
  fc.record({ family: fc.constant('IPv6'), address: fc.constantFrom('::1', '::', 'fe80::1', 'x'), port: hostileNumber, scopeId: hostileNumber }),
  fc.record({ family: fc.constant('unix'), path: fc.oneof(fc.string({ maxLength: 200 }), fc.constant('\0abstract')) }),
  junk,
);

function argArbitrary(kind: Kind): fc.Arbitrary<(fds: Fds) => unknown> {
  switch (kind) {
    case 'fd':
      return fdArbitrary();
    case 'int':
      return fc.oneof(hostileNumber, junk).map((v) => () => v);
    case 'view':
      return viewArbitrary();
    case 'optional-view':
      return fc.oneof(viewArbitrary(), fc.constant(() => null));
    case 'views':
      return fc.oneof(fc.array(viewArbitrary(), { maxLength: 70 }).map((views) => () => views.map((v) => v())), junk.map((v) => () => v));
    case 'int32s':
      return int32sArbitrary();
    case 'address':
      return fc.oneof(addressArbitrary, fc.constant(null)).map((v) => () => v);
    case 'encoded':
      return viewArbitrary();
    case 'how':
      return fc.oneof(fc.constantFrom('read', 'write', 'both', 'sideways'), junk).map((v) => () => v);
    case 'bool':
      return fc.oneof(fc.boolean(), junk).map((v) => () => v);
  }
}

// Every `sys` function except `close` (closing arbitrary numbers would close the test
// runner's own fds; `close` is tried on its own below), with the kind of each parameter.
const signatures: Record<string, Kind[]> = {
  socket: ['int', 'int', 'int'],
  socketPair: ['int', 'int', 'int32s', 'int'],
  bind: ['fd', 'address'],
  connect: ['fd', 'address'],
  listen: ['fd', 'int'],
  accept: ['fd', 'int32s', 'int'],
  read: ['fd', 'view', 'int', 'int'],
  write: ['fd', 'view', 'int', 'int'],
  readv: ['fd', 'views'],
  writev: ['fd', 'views'],
  recvFrom: ['fd', 'view', 'int', 'int', 'view', 'int'],
  sendTo: ['fd', 'view', 'int', 'int', 'address', 'int'],
  sendToEncoded: ['fd', 'view', 'int', 'int', 'encoded', 'int', 'int'],
  recvMultiple: ['fd', 'view', 'int', 'int', 'int32s', 'optional-view'],
  sendMultiple: ['fd', 'view', 'int32s', 'int', 'optional-view', 'int32s'],
  shutdown: ['fd', 'how'],
  getSocketOption: ['fd', 'int', 'int'],
  setSocketOption: ['fd', 'int', 'int', 'int'],
  getSocketOptionBytes: ['fd', 'int', 'int', 'view'],
  setSocketOptionBytes: ['fd', 'int', 'int', 'view', 'int'],
  takeError: ['fd'],
  setLinger: ['fd', 'int'],
  getLinger: ['fd'],
  setMulticastMembershipV4: ['fd', 'address', 'address', 'bool'],
  setMulticastMembershipV6: ['fd', 'address', 'int', 'bool'],
  getSocketName: ['fd', 'view'],
  getPeerName: ['fd', 'view'],
};

/** The outcome of one call: a number, or an error of an accepted kind. */
function outcome(call: () => unknown): { value?: unknown; error?: { name: string; message: string } } {
  try {
    return { value: call() };
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown };
    return { error: { name: String(e.name), message: String(e.message) } };
  }
}

function describeArgs(args: unknown[]): string {
  return args
    .map((a) => (ArrayBuffer.isView(a) ? `${a.constructor.name}(${a.byteOffset}+${a.byteLength})` : typeof a === 'symbol' || typeof a === 'function' ? typeof a : typeof a === 'bigint' ? `${a}n` : JSON.stringify(a) ?? String(a)))
    .join(', ');
}

function isExactInt32(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value <= 2 ** 31 - 1;
}

const scratch = Buffer.alloc(65536);
function drain(fd: number): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const n = sys.read(fd, scratch);
    if (n <= 0) break;
    for (let j = 0; j < n; j++) seen.add(scratch[j]!);
  }
  return [...seen];
}

describeNative('@rt/mio-native under hostile arguments', () => {
  let directory: string;
  let file: number;
  let poll: Poll;
  let before: number;
  let cwd: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'rt-hostile-'));
    // Random relative Unix socket paths that `bind` accepts create socket files in the
    // working directory: make that the temp directory, removed at the end.
    cwd = process.cwd();
    process.chdir(directory);
    file = openSync(join(directory, 'foreign'), 'w+');
    poll = new Poll(() => undefined);
    before = openFdCount();
  });

  afterAll(() => {
    poll.close();
    closeSync(file);
    process.chdir(cwd);
    rmSync(directory, { recursive: true, force: true });
  });

  it.each(Object.entries(signatures))('sys.%s returns a number or throws TypeError/RangeError, and stays inside its buffers', (name, kinds) => {
    const fn = (sys as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    fc.assert(
      fc.property(fc.tuple(...kinds.map(argArbitrary)), (makers) => {
        arena.reset();
        const pair = new Int32Array(2);
        expect(sys.socketPair(constants.AF_UNIX, name.includes('Multiple') || name.includes('To') || name.includes('From') ? constants.SOCK_DGRAM : constants.SOCK_STREAM, pair)).toBe(0);
        const closedPair = new Int32Array(2);
        sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, closedPair);
        sys.close(closedPair[0]!);
        sys.close(closedPair[1]!);
        const fds: Fds = { a: pair[0]!, b: pair[1]!, closed: closedPair[0]!, file, poll: poll.fd };
        // Something to read on both ends, from inside the views' region only.
        const payload = Buffer.alloc(200, FILL);
        sys.write(fds.a, payload);
        sys.write(fds.b, payload);
        const args = makers.map((make) => make(fds));
        const result = outcome(() => fn(...args));
        try {
          if (result.error) {
            const allowed = name === 'getLinger' ? ['TypeError', 'RangeError', 'OsError'] : ['TypeError', 'RangeError'];
            if (!allowed.includes(result.error.name)) throw new Error(`${name}(${describeArgs(args)}) threw ${result.error.name}: ${result.error.message}`);
          } else {
            if (typeof result.value !== 'number' && !(name === 'getLinger' && result.value === null)) throw new Error(`${name}(${describeArgs(args)}) returned ${String(result.value)}`);
            // An argument that is not an exact int32 where an integer was wanted never succeeds.
            kinds.forEach((kind, i) => {
              if ((kind === 'fd' || kind === 'int') && !isExactInt32(args[i]) && args[i] !== undefined && !(name === 'setLinger' && args[i] === null)) throw new Error(`${name}(${describeArgs(args)}) accepted ${String(args[i])} as argument ${i}`);
            });
            if (name === 'socket' && (result.value as number) >= 0) sys.close(result.value as number);
            if (name === 'socketPair' && result.value === 0) {
              const out = args[2] as Int32Array;
              sys.close(out[0]!);
              sys.close(out[1]!);
            }
            if (name === 'accept' && (result.value as number) > 0) throw new Error('accepted from a socketpair');
          }
          expect(arena.damaged()).toBe(-1);
          for (const fd of [fds.a, fds.b]) expect(drain(fd)).not.toContain(GUARD);
        } finally {
          sys.close(fds.a);
          sys.close(fds.b);
        }
      }),
      { numRuns: RUNS },
    );
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });

  it('sys.close refuses what is not an fd and reports EBADF for a closed one', () => {
    const pair = new Int32Array(2);
    sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair);
    try {
      for (const bad of [Number.NaN, Infinity, 1.5, 2 ** 32 + pair[0]!, -(2 ** 31) - 1]) {
        expect(() => sys.close(bad)).toThrow(expect.objectContaining({ name: 'RangeError' }));
      }
      for (const bad of [undefined, null, '3', {}]) expect(() => sys.close(bad as number)).toThrow(expect.objectContaining({ name: 'TypeError' }));
      expect(sys.getSocketOption(pair[0]!, constants.SOL_SOCKET, constants.SO_TYPE)).toBe(constants.SOCK_STREAM); // still open
    } finally {
      sys.close(pair[0]!);
      sys.close(pair[1]!);
    }
    expect(sys.close(pair[0]!)).toBe(-9);
    expect(sys.close(-1)).toBe(-9);
  });

  it('Poll rejects bad handlers, batch sizes, fds, tokens, interests and timeouts with typed errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(() => undefined), junk),
        fc.oneof(hostileNumber, junk, fc.constant(undefined)),
        fdArbitrary(),
        fc.oneof(hostileNumber, junk),
        fc.oneof(fc.constantFrom(Interest.READABLE, Interest.WRITABLE, Interest.READABLE | Interest.WRITABLE), hostileNumber, junk),
        fc.oneof(hostileNumber, junk),
        (handler, batchSize, makeFd, token, interest, timeout) => {
          const pair = new Int32Array(2);
          sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair);
          const fds: Fds = { a: pair[0]!, b: pair[1]!, closed: 1_000_000, file, poll: poll.fd };
          const created = outcome(() => new Poll(handler as () => void, { batchSize: batchSize as number }));
          const p = (created.value as Poll | undefined) ?? new Poll(() => undefined);
          try {
            if (created.error) expect(created.error.name).toMatch(/^(TypeError|RangeError)$/);
            const fd = makeFd(fds);
            const steps = [
              () => p.register(fd as number, token as number, interest as Interest),
              () => p.reregister(fd as number, token as number, interest as Interest),
              // A positive timeout would block the test for that long: only 0 and hostile values.
              () => p.wait(typeof timeout === 'number' && Number.isInteger(timeout) && timeout !== 0 && (timeout > 0 || timeout === -1) ? 0 : (timeout as number)),
              () => p.deregister(fd as number),
            ];
            for (const step of steps) {
              const r = outcome(step);
              if (r.error) expect(r.error.name).toMatch(/^(TypeError|RangeError|OsError)$/);
              else if (step !== steps[2] && (!isExactInt32(fd) || fd === fds.closed)) throw new Error(`Poll accepted the fd ${String(fd)}`);
            }
            p.close();
            expect(() => p.register(fds.a, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EBADF' }));
          } finally {
            p.close();
            sys.close(fds.a);
            sys.close(fds.b);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });

  it('Waker refuses hostile fds and reports a closed one as EBADF', () => {
    const waker = new Waker();
    const fd = waker.fd;
    waker.close();
    waker.close();
    expect(() => waker.wake()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => waker.drain()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    for (const bad of [Number.NaN, Infinity, 1.5, 2 ** 32 + fd]) expect(() => Waker.wakeFd(bad)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    for (const bad of [undefined, null, '3']) expect(() => Waker.wakeFd(bad as unknown as number)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    // A foreign fd (a regular file): an errno, never a crash.
    expect(() => Waker.wakeFd(-1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });
});
