// The TLS entry points of native/tls.c, driven synchronously over a non-blocking socket pair:
// every argument checked with a typed error, handles freed exactly once, a use after free
// refused, and the handshake / read / write / close_notify / truncation / garbage paths.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { available, constants, nativeTls, sys, tlsAvailable } from '@rt/mio-native';
import type { NativeTlsBinding, TlsConnectionHandle, TlsContextHandle } from '@rt/mio-native';
import { openFds, socketPair } from './helpers.js';

const describeTls = available && tlsAvailable ? describe : describe.skip;

/** A throwaway self-signed certificate for `localhost`, made by the openssl CLI. */
function makeCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'rt-mio-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
    ], { cwd: dir, stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeTls('native TLS (tls.c)', () => {
  let t: NativeTlsBinding;
  let pem: { key: Buffer; cert: Buffer };
  const state = new Int32Array(2);
  const alpn = Buffer.from('\x02h2\x08http/1.1', 'latin1');

  beforeAll(() => {
    t = nativeTls();
    pem = makeCert();
  });

  let before = 0;
  beforeEach(() => {
    before = openFds();
  });
  afterEach(() => {
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  const serverContext = (): TlsContextHandle => t.tlsContextCreate(1, pem.cert, pem.key, null, 0, 0, alpn, 0) as TlsContextHandle;
  const clientContext = (): TlsContextHandle => t.tlsContextCreate(0, null, null, pem.cert, 0, 0, Buffer.from('\x08http/1.1', 'latin1'), 1) as TlsContextHandle;

  /** Steps both handshakes until both are done (loopback: bounded number of steps). */
  function handshake(client: TlsConnectionHandle, server: TlsConnectionHandle): void {
    let c = -1;
    let s = -1;
    for (let i = 0; i < 50 && (c !== 0 || s !== 0); i++) {
      if (c !== 0) c = t.tlsHandshake(client, state);
      if (s !== 0) s = t.tlsHandshake(server, state);
      // A TLS 1.3 server completes with its session tickets held for its next flush point.
      if (s === t.tlsConstants.DONE_HELD) s = 0;
      if (c !== 0 && c !== t.tlsConstants.WANT_READ) throw new Error(`client handshake: ${c} ${t.tlsErrorInfo(client)[0]}`);
      if (s !== 0 && s !== t.tlsConstants.WANT_READ) throw new Error(`server handshake: ${s} ${t.tlsErrorInfo(server)[0]}`);
    }
    expect([c, s]).toEqual([0, 0]);
  }

  /** Bytes waiting unread in the socket `fd` (peeked, not taken). */
  function unread(fd: number): number {
    const n = sys.recvFrom(fd, peekBuf, 0, peekBuf.length, peekAddress, constants.MSG_PEEK | constants.MSG_DONTWAIT);
    return n < 0 ? 0 : n;
  }
  const peekBuf = Buffer.alloc(64 * 1024);
  const peekAddress = Buffer.alloc(128);

  /** A connected client/server pair over a socket pair; `close()` frees all. */
  function pair(): { client: TlsConnectionHandle; server: TlsConnectionHandle; fds: [number, number]; close: () => void } {
    const fds = socketPair();
    const sctx = serverContext();
    const cctx = clientContext();
    const server = t.tlsCreate(sctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    const client = t.tlsCreate(cctx, fds[1], Buffer.from('localhost'), 0, 1) as TlsConnectionHandle;
    // The contexts can go at once: each connection holds its own reference.
    expect(t.tlsContextFree(sctx)).toBe(true);
    expect(t.tlsContextFree(cctx)).toBe(true);
    return {
      client,
      server,
      fds,
      close: () => {
        t.tlsFree(client);
        t.tlsFree(server);
        sys.close(fds[0]);
        sys.close(fds[1]);
      },
    };
  }

  it('handshakes, negotiates ALPN and SNI, moves bytes both ways, and reads close_notify as 0', () => {
    const p = pair();
    try {
      handshake(p.client, p.server);
      const [protocol, , standardName, chosen, serverName, reused] = t.tlsInfo(p.server);
      expect(protocol).toBe('TLSv1.3');
      expect(standardName).toMatch(/^TLS_/);
      expect(chosen).toBe('http/1.1');
      expect(serverName).toBe('localhost');
      expect(reused).toBe(false);
      expect(t.tlsPeerCertificate(p.client)!.length).toBeGreaterThan(100);
      expect(t.tlsPeerCertificate(p.server)).toBeNull();
      expect(t.tlsWrite(p.client, Buffer.from('hello tls'), 0, 9, state)).toBe(9);
      expect(state[0]).toBe(0);
      const buf = Buffer.alloc(64);
      expect(t.tlsRead(p.server, buf, 4, 60, state)).toBe(9);
      expect(buf.subarray(4, 13).toString()).toBe('hello tls');
      expect(state[1]).toBe(1); // the socket was read dry
      expect(t.tlsRead(p.server, buf, 0, 64, state)).toBe(t.tlsConstants.WANT_READ);
      expect(state[1]).toBe(1);
      expect(t.tlsShutdown(p.server, state)).toBe(0);
      expect(t.tlsRead(p.client, buf, 0, 64, state)).toBe(0); // close_notify (after the session tickets)
      expect(t.tlsSession(p.client)).toBeInstanceOf(Buffer);
    } finally {
      p.close();
    }
  });

  it('a TLS 1.3 server holds its session tickets (DONE_HELD) until its next flush point; a read that returns bytes keeps them', () => {
    for (const flushPoint of ['write', 'shutdown', 'flush', 'read that must wait'] as const) {
      const p = pair();
      try {
        let s = -1;
        let c = -1;
        for (let i = 0; i < 50 && s !== t.tlsConstants.DONE_HELD; i++) {
          if (c !== 0) c = t.tlsHandshake(p.client, state);
          s = t.tlsHandshake(p.server, state);
          if (s !== t.tlsConstants.DONE_HELD) expect(s).toBe(t.tlsConstants.WANT_READ);
        }
        expect(s).toBe(t.tlsConstants.DONE_HELD);
        expect(state[0]).toBe(0); // nothing for a writable wait: held, not pending
        expect(unread(p.fds[1])).toBe(0); // not sent
        // A read that returns bytes keeps them held.
        expect(t.tlsWrite(p.client, Buffer.from('hi'), 0, 2, state)).toBe(2);
        const buf = Buffer.alloc(64);
        expect(t.tlsRead(p.server, buf, 0, 64, state)).toBe(2);
        expect(state[0]).toBe(0);
        expect(unread(p.fds[1])).toBe(0);
        if (flushPoint === 'write') {
          expect(t.tlsWrite(p.server, Buffer.from('reply'), 0, 5, state)).toBe(5);
        } else if (flushPoint === 'shutdown') {
          expect(t.tlsShutdown(p.server, state)).toBe(0);
        } else if (flushPoint === 'flush') {
          expect(t.tlsFlush(p.server, state)).toBe(0);
        } else {
          expect(t.tlsRead(p.server, buf, 0, 64, state)).toBe(t.tlsConstants.WANT_READ);
        }
        expect(state[0]).toBe(0);
        const sent = unread(p.fds[1]);
        expect(sent).toBeGreaterThan(200); // two tickets (+ the reply or close_notify), in one send
        // The client reads them: a session it can resume with.
        const r = t.tlsRead(p.client, buf, 0, 64, state);
        expect(r).toBe(flushPoint === 'write' ? 5 : flushPoint === 'shutdown' ? 0 : t.tlsConstants.WANT_READ);
        expect(t.tlsSession(p.client)).toBeInstanceOf(Buffer);
        expect(t.tlsFlush(p.server, state)).toBe(0); // nothing held any more
      } finally {
        p.close();
      }
    }
  });

  it('a TLS 1.2 server sends its last flight (Finished) at once: the client waits for it', () => {
    const fds = socketPair();
    const sctx = t.tlsContextCreate(1, pem.cert, pem.key, null, 0, t.tlsConstants.TLS1_2_VERSION, null, 0) as TlsContextHandle;
    const cctx = t.tlsContextCreate(0, null, null, pem.cert, 0, 0, null, 1) as TlsContextHandle;
    const server = t.tlsCreate(sctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    const client = t.tlsCreate(cctx, fds[1], Buffer.from('localhost'), 0, 1) as TlsConnectionHandle;
    try {
      let c = -1;
      let s = -1;
      for (let i = 0; i < 50 && (c !== 0 || s !== 0); i++) {
        if (c !== 0) c = t.tlsHandshake(client, state);
        if (s !== 0) s = t.tlsHandshake(server, state);
        expect([0, t.tlsConstants.WANT_READ]).toContain(s); // never DONE_HELD
      }
      expect([c, s]).toEqual([0, 0]);
      expect(t.tlsInfo(server)[0]).toBe('TLSv1.2');
    } finally {
      for (const h of [client, server]) t.tlsFree(h);
      for (const h of [sctx, cctx]) t.tlsContextFree(h);
      sys.close(fds[0]);
      sys.close(fds[1]);
    }
  });

  it('keeps what the kernel does not take and flushes it later; refuses a write (taking nothing) over the limit', () => {
    const p = pair();
    try {
      handshake(p.client, p.server);
      const chunk = Buffer.alloc(64 * 1024, 7);
      let taken = 0;
      let refused = false;
      for (let i = 0; i < 200 && !refused; i++) {
        const r = t.tlsWrite(p.client, chunk, 0, chunk.length, state);
        if (r === t.tlsConstants.WANT_WRITE) refused = true;
        else taken += r;
      }
      expect(refused).toBe(true);
      expect(state[0]).toBeGreaterThan(0);
      const buf = Buffer.alloc(64 * 1024);
      let read = 0;
      for (let i = 0; i < 10_000 && read < taken; i++) {
        const r = t.tlsRead(p.server, buf, 0, buf.length, state);
        if (r > 0) {
          expect(buf.subarray(0, r).every((b) => b === 7)).toBe(true);
          read += r;
        } else {
          expect(r).toBe(t.tlsConstants.WANT_READ);
          expect(t.tlsFlush(p.client, state)).toBeGreaterThanOrEqual(0);
        }
      }
      expect(read).toBe(taken);
      expect(t.tlsFlush(p.client, state)).toBe(0);
    } finally {
      p.close();
    }
  });

  it('reports end of stream without close_notify as EOF, and garbage as ERROR with OpenSSL\'s reason', () => {
    const p = pair();
    try {
      handshake(p.client, p.server);
      sys.shutdown(p.fds[1], 'write');
      expect(t.tlsRead(p.server, Buffer.alloc(16), 0, 16, state)).toBe(t.tlsConstants.EOF);
    } finally {
      p.close();
    }
    const fds = socketPair();
    const ctx = serverContext();
    const server = t.tlsCreate(ctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    try {
      expect(sys.write(fds[1], Buffer.from('GET / HTTP/1.1\r\n\r\n'), 0, 18)).toBe(18);
      expect(t.tlsHandshake(server, state)).toBe(t.tlsConstants.ERROR);
      const [reason, libReason] = t.tlsErrorInfo(server);
      expect(reason).toMatch(/^error:/);
      expect(libReason).toBe('http request');
    } finally {
      t.tlsFree(server);
      t.tlsContextFree(ctx);
      sys.close(fds[0]);
      sys.close(fds[1]);
    }
  });

  it('frees each handle exactly once and refuses any use after', () => {
    const ctx = serverContext();
    const fds = socketPair();
    const conn = t.tlsCreate(ctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    expect(t.tlsFree(conn)).toBe(true);
    expect(t.tlsFree(conn)).toBe(false);
    for (const use of [
      () => t.tlsHandshake(conn, state),
      () => t.tlsRead(conn, Buffer.alloc(1), 0, 1, state),
      () => t.tlsWrite(conn, Buffer.alloc(1), 0, 1, state),
      () => t.tlsFlush(conn, state),
      () => t.tlsShutdown(conn, state),
      () => t.tlsInfo(conn),
      () => t.tlsErrorInfo(conn),
      () => t.tlsPeerCertificate(conn),
      () => t.tlsSession(conn),
      () => t.tlsSetSession(conn, Buffer.alloc(8)),
    ]) {
      expect(use).toThrow(expect.objectContaining({ code: 'ERR_RT_NATIVE_CLOSED' }));
    }
    expect(t.tlsContextFree(ctx)).toBe(true);
    expect(t.tlsContextFree(ctx)).toBe(false);
    expect(() => t.tlsCreate(ctx, fds[0], null, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_RT_NATIVE_CLOSED' }));
    sys.close(fds[0]);
    sys.close(fds[1]);
  });

  it('checks every argument with a typed error', () => {
    const ctx = serverContext();
    const fds = socketPair();
    const conn = t.tlsCreate(ctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    const argument = expect.objectContaining({ code: 'ERR_RT_NATIVE_ARGUMENT' });
    // By name: errors made by the addon come from Node's realm, not jest's.
    const RangeError = expect.objectContaining({ name: 'RangeError', code: 'ERR_RT_NATIVE_ARGUMENT' });
    const TypeError = expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT' });
    const any = t as unknown as Record<string, (...args: unknown[]) => unknown>;
    try {
      // Handles: the wrong kind, a plain object, a number.
      for (const bad of [ctx, {}, 1, null, Buffer.alloc(8)]) {
        for (const name of ['tlsHandshake', 'tlsFlush', 'tlsShutdown']) expect(() => any[name]!(bad, state)).toThrow(argument);
        for (const name of ['tlsInfo', 'tlsErrorInfo', 'tlsPeerCertificate', 'tlsSession', 'tlsFree']) expect(() => any[name]!(bad)).toThrow(argument);
      }
      for (const bad of [conn, {}, 1, null]) {
        expect(() => any['tlsCreate']!(bad, fds[1], null, 0, 0)).toThrow(argument);
        expect(() => any['tlsContextFree']!(bad)).toThrow(argument);
      }
      // Buffers and bounds.
      expect(() => t.tlsRead(conn, Buffer.alloc(4), 2, 3, state)).toThrow(RangeError);
      expect(() => t.tlsRead(conn, Buffer.alloc(4), -1, 1, state)).toThrow(RangeError);
      expect(() => t.tlsWrite(conn, Buffer.alloc(4), 0, 2 ** 31, state)).toThrow(RangeError);
      expect(() => t.tlsWrite(conn, Buffer.alloc(4), 0.5, 1, state)).toThrow(RangeError);
      expect(() => any['tlsRead']!(conn, 'text', 0, 1, state)).toThrow(TypeError);
      expect(() => any['tlsRead']!(conn, Buffer.alloc(4), 0, 1, new Uint32Array(1))).toThrow(TypeError);
      expect(() => any['tlsRead']!(conn, Buffer.alloc(4), 0, 1, new Int32Array(0))).toThrow(TypeError);
      expect(() => any['tlsRead']!(conn, Buffer.alloc(4), 0, 1, new Int32Array(1))).toThrow(TypeError); // read needs state[1]
      expect(t.tlsFlush(conn, new Int32Array(1))).toBe(0);
      expect(() => any['tlsRead']!(conn, Buffer.alloc(4), 0, 1)).toThrow(TypeError);
      expect(() => any['tlsSetSession']!(conn, 'x')).toThrow(TypeError);
      // Context arguments.
      expect(() => t.tlsContextCreate(2, null, null, null, 0, 0, null, 0)).toThrow(RangeError);
      expect(() => t.tlsContextCreate(0, null, null, null, 0x0301, 0, null, 0)).toThrow(RangeError);
      expect(() => t.tlsContextCreate(0, null, null, null, 0, 0, null, 3)).toThrow(RangeError);
      expect(() => t.tlsContextCreate(0, null, null, null, 0, 0, Buffer.from([5, 0x61]), 0)).toThrow(RangeError);
      expect(() => t.tlsContextCreate(0, null, null, null, 0, 0, Buffer.from([0]), 0)).toThrow(RangeError);
      expect(() => any['tlsContextCreate']!(0, 'pem', null, null, 0, 0, null, 0)).toThrow(TypeError);
      // OpenSSL's refusals are strings (the reason), not throws.
      expect(t.tlsContextCreate(1, Buffer.from('not a certificate'), pem.key, null, 0, 0, null, 0)).toMatch(/^cert: /);
      expect(t.tlsContextCreate(1, pem.cert, Buffer.from('not a key'), null, 0, 0, null, 0)).toMatch(/^key: /);
      expect(t.tlsContextCreate(0, null, null, Buffer.from('no pem here'), 0, 0, null, 1)).toMatch(/^ca: /);
      // Connection arguments.
      expect(() => t.tlsCreate(ctx, -1, null, 0, 0)).toThrow(RangeError);
      expect(() => t.tlsCreate(ctx, fds[1], Buffer.from('a\0b'), 0, 1)).toThrow(RangeError);
      expect(() => t.tlsCreate(ctx, fds[1], Buffer.alloc(0), 0, 1)).toThrow(RangeError);
      expect(() => t.tlsCreate(ctx, fds[1], Buffer.alloc(300, 0x61), 0, 1)).toThrow(RangeError);
      expect(() => t.tlsCreate(ctx, fds[1], null, 2, 0)).toThrow(RangeError);
      expect(t.tlsSetSession(conn, Buffer.from('not a session'))).toBe(false);
    } finally {
      t.tlsFree(conn);
      t.tlsContextFree(ctx);
      sys.close(fds[0]);
      sys.close(fds[1]);
    }
  });

  it('survives random arguments to every entry point (typed errors or results, never a crash)', () => {
    const ctx = serverContext();
    const fds = socketPair();
    const conn = t.tlsCreate(ctx, fds[0], null, 0, 0) as TlsConnectionHandle;
    const any = t as unknown as Record<string, (...args: unknown[]) => unknown>;
    const names = ['tlsContextCreate', 'tlsContextFree', 'tlsCreate', 'tlsHandshake', 'tlsRead', 'tlsWrite', 'tlsFlush', 'tlsShutdown', 'tlsErrorInfo', 'tlsInfo', 'tlsPeerCertificate', 'tlsSession', 'tlsSetSession'];
    // Never the real handles with a free: the live ones must stay usable for the next case.
    const value = fc.oneof(
      fc.integer({ min: -3, max: 70_000 }),
      fc.double(),
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.constant(state),
      fc.constant(conn),
      fc.constant(ctx),
      fc.constant({}),
    );
    try {
      fc.assert(
        fc.property(fc.constantFrom(...names), fc.array(value, { maxLength: 9 }), (name, args) => {
          if ((name === 'tlsContextFree' || name === 'tlsCreate') && args.includes(ctx)) return;
          try {
            const result = any[name]!(...args);
            if (name === 'tlsContextCreate' && typeof result === 'object' && result !== null) t.tlsContextFree(result as TlsContextHandle);
            if (name === 'tlsCreate' && typeof result === 'object' && result !== null) t.tlsFree(result as TlsConnectionHandle);
          } catch (error) {
            expect(['ERR_RT_NATIVE_ARGUMENT', 'ERR_RT_NATIVE_CLOSED']).toContain((error as { code?: string }).code);
          }
        }),
        { numRuns: 2000 },
      );
    } finally {
      t.tlsFree(conn);
      t.tlsContextFree(ctx);
      sys.close(fds[0]);
      sys.close(fds[1]);
    }
  });

  it('exposes its constants', () => {
    expect(t.tlsConstants.TLS1_2_VERSION).toBe(0x0303);
    expect(t.tlsConstants.TLS1_3_VERSION).toBe(0x0304);
    expect(t.tlsConstants.version).toBeGreaterThanOrEqual(0x30000000);
    expect(constants.SHUT_WR).toBeDefined();
  });
});
