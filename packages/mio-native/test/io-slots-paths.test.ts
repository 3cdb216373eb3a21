// Review rv29 of the io slots (pass na27): the slot path of `sys.read(fd, buffer)` /
// `sys.write(fd, buffer)` must give exactly what the argument path (`sys.read(fd, buffer, 0,
// buffer.length)`, the addon's read/write) gives on the same inputs, and a detached slots'
// ArrayBuffer must not make a call use the fd of the previous call. Each case runs in a child
// process (the built package, stdin /dev/null: fd 0 and -0 read nothing) so a crash fails it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addonPath, available } from '@rt/mio-native';
import { nodeCommand } from './helpers.js';

const describeNative = available && addonPath !== null ? describe : describe.skip;

const packageDir = join(__dirname, '..', 'dist');
const indexUrl = pathToFileURL(join(packageDir, 'index.js')).href;
const bindingUrl = pathToFileURL(join(packageDir, 'internal', 'binding.js')).href;

function run(body: string, flags: string[] = [], before = ''): { status: number | null; stdout: string; stderr: string } {
  const code = `
    ${before}
    (async () => {
      const { sys, constants: C } = await import(${JSON.stringify(indexUrl)});
      const { binding: b } = await import(${JSON.stringify(bindingUrl)});
      const pair = () => { const p = new Int32Array(2); sys.socketPair(C.AF_UNIX, C.SOCK_STREAM, p); return [p[0], p[1]]; };
      // A pipe (a FIFO's two non-blocking ends: sys has no pipe()).
      const fs = require('node:fs');
      const dir = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'rt-io-slots-'));
      let fifos = 0;
      const pipe = () => {
        const f = dir + '/f' + fifos++;
        require('node:child_process').execFileSync('mkfifo', [f]);
        const r = fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        return [r, fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)];
      };
      try {
        ${body}
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const [command, args] = nodeCommand([...flags, '-e', code]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// ArrayBuffer.prototype.transfer detaches the slots' ArrayBuffer (Node 22+; Node 20 has it behind
// a V8 flag). structuredClone / postMessage copy it instead (an external ArrayBuffer) or refuse.
const transferFlags = process.versions.node.startsWith('20.') ? ['--harmony-rab-gsab-transfer'] : [];

describeNative('the io slots: review rv29', () => {
  it('a detached slots ArrayBuffer: sys.read / sys.write still use the fd they are given and return a number', () => {
    const result = run(
      `
      const [x, y] = pair();
      const [p, q] = pair();
      sys.write(p, Buffer.from('0')); // the slot's last fd is p
      sys.read(q, Buffer.alloc(1));   // ... then q
      b.io.transfer();
      const detached = b.io.byteLength === 0;
      const n = sys.write(y, Buffer.from('hello'));      // must go to y (not q, the slot's stale fd)
      const got = Buffer.alloc(16);
      const r = sys.read(x, got);                         // must read x
      const stray = sys.read(p, Buffer.alloc(16), 0, 16); // nothing went to q's peer
      console.log(JSON.stringify({ detached, n, r, text: got.subarray(0, 5).toString(), stray }));
    `,
      transferFlags,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ detached: true, n: 5, r: 5, text: 'hello', stray: -11 });
  });

  it('a detached slots ArrayBuffer, pass na28: every call after it (reads, writes, EAGAIN, a bad fd) is what the argument path gives, and a stale fd in the slot is never used', () => {
    // The addon resets the slot's fd to NaN after each call, so with the wrapper's stores lost
    // the slot call is the RangeError, and sys makes the call again as arguments.
    const result = run(
      `
      const [x, y] = pair();
      const [p, q] = pair();
      const stale = new Float64Array(b.io, 0, 1);
      sys.write(p, Buffer.from('0'));
      sys.read(q, Buffer.alloc(1));
      const staleAfterCall = String(stale[0]);
      b.io.transfer();
      const outcome = (f) => { try { return f(); } catch (e) { return e.name + ' ' + e.message; } };
      const seen = [];
      const got = Buffer.alloc(16);
      for (let i = 0; i < 300; i++) {
        seen.push(sys.write(y, Buffer.from('m' + (i % 10))), sys.read(x, got), got.subarray(0, 2).toString(), sys.read(x, got));
      }
      const counts = {};
      for (const v of seen) counts[v] = (counts[v] ?? 0) + 1;
      const bad = [outcome(() => sys.read(1.5, got)), outcome(() => sys.read(1.5, got, 0, 16))];
      const typeOf = typeof sys.write(y, Buffer.from('t'));
      const stray = sys.read(q, Buffer.alloc(16), 0, 16); // nothing ever went to p
      console.log(JSON.stringify({ staleAfterCall, detached: b.io.byteLength === 0, counts, bad, typeOf, stray }));
    `,
      transferFlags,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.staleAfterCall).toBe('NaN');
    expect(out.detached).toBe(true);
    const texts = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}`, 30]));
    expect(out.counts).toEqual({ 2: 600, [-11]: 300, ...texts });
    expect(out.bad[0]).toBe(out.bad[1]);
    expect(out.bad[0]).toMatch(/^RangeError .*1\.5/);
    expect(out.typeOf).toBe('number');
    expect(out.stray).toBe(-11);
  });

  it('where the runtime refuses external ArrayBuffers (no binding.io), sys.read / sys.write take the argument path', () => {
    // The addon then exports neither io nor readWhole / writeWhole (mio_io_init): simulated by
    // removing them from the exports as the loader opens the addon.
    const before = `
      const dlopen = process.dlopen;
      process.dlopen = (module, file, ...rest) => {
        dlopen.call(process, module, file, ...rest);
        delete module.exports.io; delete module.exports.readWhole; delete module.exports.writeWhole;
      };`;
    const result = run(
      `
      const [x, y] = pair();
      const n = sys.write(y, Buffer.from('plain'));
      const got = Buffer.alloc(16);
      const r = sys.read(x, got);
      const again = sys.read(x, got);
      let bad;
      try { sys.read(Number.NaN, got); } catch (e) { bad = e.name; }
      console.log(JSON.stringify({ io: b.io === undefined && b.readWhole === undefined, n, r, text: got.subarray(0, 5).toString(), again, bad }));
    `,
      [],
      before,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ io: true, n: 5, r: 5, text: 'plain', again: -11, bad: 'RangeError' });
  });

  it('the slot path and the argument path give the same result, errno or error on the same inputs', () => {
    const result = run(`
      const outcome = (f) => { try { return f(); } catch (e) { return e.name + ' ' + e.code + ' ' + e.message; } };
      // Each scenario builds fresh descriptors, returns [fd, buffer, op] and a tear-down.
      const scenarios = {
        'socket read EAGAIN': () => { const [x, y] = pair(); return [x, Buffer.alloc(8), 'read', [x, y]]; },
        'socket read data': () => { const [x, y] = pair(); sys.write(y, Buffer.from('abc'), 0, 3); return [x, Buffer.alloc(8), 'read', [x, y]]; },
        'socket read end': () => { const [x, y] = pair(); sys.close(y); return [x, Buffer.alloc(8), 'read', [x]]; },
        'socket read ECONNRESET': () => { const [x, y] = pair(); sys.write(x, Buffer.from('unread'), 0, 6); sys.close(y); return [x, Buffer.alloc(8), 'read', [x]]; },
        'socket write': () => { const [x, y] = pair(); return [x, Buffer.from('abc'), 'write', [x, y]]; },
        'socket write EPIPE': () => { const [x, y] = pair(); sys.close(y); return [x, Buffer.from('abc'), 'write', [x]]; },
        'socket write full': () => { const [x, y] = pair(); const big = Buffer.alloc(1 << 16); while (sys.write(x, big, 0, big.length) > 0); return [x, Buffer.from('abc'), 'write', [x, y]]; },
        'socket zero-length': () => { const [x, y] = pair(); return [x, Buffer.alloc(0), 'write', [x, y]]; },
        'pipe write (ENOTSOCK fallback)': () => { const p = pipe(); return [p[1], Buffer.from('abc'), 'write', p]; },
        'pipe read': () => { const p = pipe(); sys.write(p[1], Buffer.from('xyz'), 0, 3); return [p[0], Buffer.alloc(8), 'read', p]; },
        'pipe read EAGAIN': () => { const p = pipe(); return [p[0], Buffer.alloc(8), 'read', p]; },
        'pipe read end of stream': () => { const p = pipe(); sys.close(p[1]); return [p[0], Buffer.alloc(8), 'read', [p[0]]]; },
        'pipe write EPIPE': () => { const p = pipe(); sys.close(p[0]); return [p[1], Buffer.from('abc'), 'write', [p[1]]]; },
        'pipe write full': () => { const p = pipe(); const big = Buffer.alloc(1 << 16); while (sys.write(p[1], big, 0, big.length) > 0); return [p[1], Buffer.from('abc'), 'write', p]; },
        'pipe read of the write end (EBADF)': () => { const p = pipe(); return [p[1], Buffer.alloc(8), 'read', p]; },
        '/dev/null write (ENOTSOCK fallback)': () => { const f = fs.openSync('/dev/null', 'w'); return [f, Buffer.from('abc'), 'write', [f]]; },
        'closed fd read': () => { const [x, y] = pair(); sys.close(x); sys.close(y); return [x, Buffer.alloc(8), 'read', []]; },
        'closed fd write': () => { const [x, y] = pair(); sys.close(x); sys.close(y); return [y, Buffer.alloc(8), 'write', []]; },
        'stdin (/dev/null) read, fd -0': () => [-0, Buffer.alloc(8), 'read', []],
        'subarray read': () => { const [x, y] = pair(); sys.write(y, Buffer.from('0123456789'), 0, 10); return [x, Buffer.alloc(32).subarray(3, 7), 'read', [x, y]]; },
      };
      for (const bad of [NaN, Infinity, -Infinity, 1.5, -0.5, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, 1e300, Number.MIN_VALUE, -1, 2 ** 31 - 1]) {
        scenarios['fd ' + String(bad)] = () => [bad, Buffer.alloc(8), 'read', []];
        scenarios['write fd ' + String(bad)] = () => [bad, Buffer.alloc(8), 'write', []];
      }
      for (const [name, arg] of [['string fd', '3'], ['null fd', null], ['bigint fd', 3n]]) scenarios[name] = () => [arg, Buffer.alloc(8), 'read', []];
      scenarios['null buffer'] = () => { const [x, y] = pair(); return [x, null, 'read', [x, y]]; };
      scenarios['string buffer'] = () => { const [x, y] = pair(); return [x, 'abc', 'write', [x, y]]; };
      const out = {};
      for (const [name, make] of Object.entries(scenarios)) {
        const results = [];
        for (const path of ['slot', 'arguments']) {
          const [fd, buffer, op, fds] = make();
          const r = outcome(() => path === 'slot' ? sys[op](fd, buffer) : sys[op](fd, buffer, 0, buffer == null || typeof buffer === 'string' ? 0 : buffer.length));
          results.push(typeof r === 'number' ? r : String(r).replace(/(expected [^,]*|a Buffer).*/, '$1'));
          for (const f of fds) sys.close(f);
        }
        out[name] = results;
      }
      console.log(JSON.stringify(out));
    `);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, [unknown, unknown]>;
    const mismatches = Object.entries(out).filter(([, [slot, args]]) => slot !== args);
    expect(mismatches).toEqual([]);
    // The cases really reached what they name (a typo would compare two identical errors).
    expect(out['socket read ECONNRESET']![0]).toBe(-104);
    expect(out['socket write EPIPE']![0]).toBe(-32);
    expect(out['pipe write EPIPE']![0]).toBe(-32);
    expect(out['pipe write (ENOTSOCK fallback)']![0]).toBe(3);
    expect(out['socket write full']![0]).toBe(-11);
    expect(out['pipe write full']![0]).toBe(-11);
    expect(out['pipe read end of stream']![0]).toBe(0);
    expect(out['pipe read of the write end (EBADF)']![0]).toBe(-9);
    expect(out['/dev/null write (ENOTSOCK fallback)']![0]).toBe(3);
    expect(out['closed fd read']![0]).toBe(-9);
    expect(out['fd NaN']![0]).toMatch(/^RangeError ERR_RT_NATIVE_ARGUMENT/);
    expect(out['string fd']![0]).toMatch(/^TypeError ERR_RT_NATIVE_ARGUMENT/);
  });
});
