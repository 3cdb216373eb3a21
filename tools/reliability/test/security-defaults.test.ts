// Security defaults of the examples and @rt/net, as they are (RELIABILITY.md lists what is
// missing): servers bind loopback unless told otherwise, a Unix socket file is not writable
// by other users, a stale socket file is an error (never silently replaced), and the parsers
// facing the network have caps.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnixListener } from '@rt/net';
import { startEchoServer } from '../../../examples/echo/src/server.js';
import { serve } from '@rt/http';
import { HttpServer } from '../../../examples/http-hello/src/server.js';
import { parseArguments } from '../../../examples/mini-redis/src/cli.js';
import { RespParser } from '../../../examples/mini-redis/src/resp-parser.js';
import { Server } from '../../../examples/mini-redis/src/server.js';

describe('security defaults', () => {
  it('binds mini-redis and http-hello to loopback unless a host is given', async () => {
    const redis = await Server.bind({ port: 0 });
    const http = await HttpServer.bind({ port: 0 });
    try {
      expect(redis.localAddr().ip).toBe('127.0.0.1');
      expect(parseArguments([]).host).toBeUndefined(); // the CLI leaves the default alone
    } finally {
      await redis.shutdown();
      await http.shutdown();
    }
  });

  it('binds the echo example wherever it is told (its CLI defaults to 127.0.0.1:7007)', async () => {
    const echo = await startEchoServer('127.0.0.1:0');
    expect(echo.localAddr.ip).toBe('127.0.0.1');
    await echo.close();
  });

  it('creates a Unix socket file that other users cannot connect to, refuses a stale file, and removes its file on close', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'rt-security-'));
    const previous = process.umask(0o022);
    try {
      const path = join(directory, 'server.sock');
      const listener = await UnixListener.bind(path);
      expect(statSync(path).mode & 0o002).toBe(0); // others: no write permission, so no connect
      listener.close();
      expect(() => statSync(path)).toThrow();
      writeFileSync(path, 'stale'); // a leftover file: binding fails loudly instead of deleting it
      await expect(UnixListener.bind(path)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      process.umask(previous);
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('caps what one request may make the parsers buffer', async () => {
    const resp = new RespParser();
    expect([resp.maxBulkLength, resp.maxArrayLength, resp.maxInlineLength, resp.maxBufferedBytes]).toEqual([512 * 2 ** 20, 2 ** 20, 64 * 1024, 2 ** 30]);
    await using http = await serve({}, () => new Response(''));
    expect(http.limits).toEqual({
      maxRequestLine: 8 * 1024, maxHeaderSize: 16 * 1024, maxHeaders: 100, maxBodySize: 16 * 2 ** 20,
      headerTimeout: 10_000, keepAliveTimeout: 5_000, ioTimeout: 30_000, bodyTimeout: 300_000, maxRequestsPerConnection: 10_000, maxConnections: 10_000,
    });
  });
});
