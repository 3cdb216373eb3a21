import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { constants, OsError, sys } from '@rt/mio-native';
import { NetError, SocketClosed, UnixListener, UnixStream } from '@rt/net';
import { drivers, readAll } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
let dir: string;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rt-net-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const socketPath = (): string => join(dir, `s${counter++}.sock`);

describe.each(drivers)('UnixStream and UnixListener (%s driver)', (driver) => {
  it('connects, echoes and half-closes over a path', async () => {
    const path = socketPath();
    const listener = await UnixListener.bind(path, { driver });
    expect(listener.localAddr().path).toBe(path);
    const client = await UnixStream.connect(path, { driver });
    const server = await listener.accept();
    expect(client.peerAddr().path).toBe(path);
    expect(client.localAddr().path).toBeNull();
    await client.writeAll(text('over unix'));
    await client.shutdown();
    expect((await readAll(server)).toString()).toBe('over unix');
    await server.writeAll(text('back'));
    await server.shutdown();
    expect((await readAll(client)).toString()).toBe('back');
    client.close();
    server.close();
    listener.close();
    expect(existsSync(path)).toBe(false);
  });

  it('fails to connect to a missing path with ENOENT, the path as address (as Node), kind NotFound', async () => {
    const error = await UnixStream.connect(join(dir, 'missing.sock'), { driver }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'connect', kind: 'NotFound', address: join(dir, 'missing.sock') });
  });

  it('fails to bind a path in use with EADDRINUSE', async () => {
    const path = socketPath();
    await using listener = await UnixListener.bind(path, { driver });
    await expect(UnixListener.bind(path, { driver })).rejects.toMatchObject({ code: 'EADDRINUSE', kind: 'AddrInUse', address: path });
    expect(listener.closed).toBe(false);
  });

  it('loses no connection when accept is aborted, and ends iteration on close', async () => {
    const path = socketPath();
    const listener = await UnixListener.bind(path, { driver });
    const controller = new AbortController();
    const aborted = track(listener.accept({ signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    const client = await UnixStream.connect(path, { driver });
    const accepted: UnixStream[] = [];
    const loop = (async () => {
      for await (const s of listener) {
        accepted.push(s);
        listener.close();
      }
    })();
    await loop;
    expect(accepted).toHaveLength(1);
    await expect(listener.accept()).rejects.toBeInstanceOf(SocketClosed);
    accepted[0]!.close();
    client.close();
  });

  it('sets the socket file mode when asked, and rejects a bad mode at once', async () => {
    const path = join(dir, 'mode.sock');
    const listener = await UnixListener.bind(path, { driver, mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const client = await UnixStream.connect(path, { driver });
    const served = await listener.accept();
    client.close();
    served.close();
    listener.close();
    expect(existsSync(path)).toBe(false);
    for (const mode of [-1, 0o1000, 1.5, '600', Number.NaN]) {
      await expect(UnixListener.bind(join(dir, 'bad.sock'), { driver, mode: mode as number })).rejects.toThrow(RangeError);
    }
    expect(existsSync(join(dir, 'bad.sock'))).toBe(false);
  });

  it('rejects bad paths at once', async () => {
    await expect(UnixListener.bind('', { driver })).rejects.toThrow(TypeError);
    await expect(UnixStream.connect('x'.repeat(200), { driver })).rejects.toThrow(RangeError);
  });

  if (driver === 'native') {
    it('pair() makes two connected unnamed sockets', async () => {
      const [a, b] = UnixStream.pair({ driver });
      await a.writeAll(text('paired'));
      await a.shutdown();
      expect((await readAll(b)).toString()).toBe('paired');
      expect(a.localAddr().path).toBeNull();
      a.close();
      b.close();
    });

    it("reports an accepted peer's own path (from accept4), or none when the peer is unnamed", async () => {
      const path = socketPath();
      const listener = await UnixListener.bind(path, { driver });
      const named = socketPath();
      const raw = OsError.check(sys.socket(constants.AF_UNIX, constants.SOCK_STREAM), 'socket');
      try {
        OsError.check(sys.bind(raw, { family: 'unix', path: named }), 'bind');
        OsError.check(sys.connect(raw, { family: 'unix', path }), 'connect');
        const first = await listener.accept();
        expect(first.peerAddr().path).toBe(named);
        const unnamed = await UnixStream.connect(path, { driver });
        const second = await listener.accept();
        expect(second.peerAddr().path).toBeNull();
        for (const s of [first, second, unnamed]) s.close();
      } finally {
        sys.close(raw);
        listener.close();
      }
    });
  } else {
    it('pair() is refused with ENOTSUP', () => {
      expect(() => UnixStream.pair({ driver })).toThrow(NetError);
    });
  }
});
