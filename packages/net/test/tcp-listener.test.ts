import { spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { closeSync, existsSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { Cancelled, Handle } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { NetError, SocketAddr, SocketClosed, TcpListener, TcpStream, WouldBlock } from '@rt/net';
import { drivers, eventually } from './support/drivers.js';
import { sys } from '@rt/mio-native';

describe.each(drivers)('TcpListener (%s driver)', (driver) => {
  it('binds every address form and reports the chosen port', async () => {
    const forms = ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }, new SocketAddr('127.0.0.1', 0), 'localhost:0'] as const;
    for (const form of forms) {
      const listener = await TcpListener.bind(form, { driver });
      const addr = listener.localAddr();
      expect(addr.port).toBeGreaterThan(0);
      expect(['127.0.0.1', '::1']).toContain(addr.ip);
      expect(listener.driver).toBe(driver);
      listener.close();
    }
  });

  it('binds IPv6 loopback with brackets', async () => {
    await using listener = await TcpListener.bind('[::1]:0', { driver });
    const addr = listener.localAddr();
    expect(addr.family).toBe('IPv6');
    expect(addr.ip).toBe('::1');
    expect(addr.toString()).toBe(`[::1]:${addr.port}`);
    const client = await TcpStream.connect(addr, { driver });
    const server = await listener.accept();
    expect(server.peerAddr().toString()).toBe(client.localAddr().toString());
    client.close();
    server.close();
  });

  it('rejects malformed addresses at once with a message naming the value', async () => {
    await expect(TcpListener.bind('127.0.0.1', { driver })).rejects.toThrow(/"127.0.0.1" has no port/);
    await expect(TcpListener.bind('127.0.0.1:99999', { driver })).rejects.toThrow(RangeError);
    await expect(TcpListener.bind('127.0.0.1:http', { driver })).rejects.toThrow(TypeError);
    await expect(TcpListener.bind('::1:80', { driver })).rejects.toThrow(/brackets/);
    await expect(TcpListener.bind({ host: '127.0.0.1', port: -1 }, { driver })).rejects.toThrow(RangeError);
    await expect(TcpListener.bind(42 as unknown as string, { driver })).rejects.toThrow(TypeError);
    await expect(TcpListener.bind('127.0.0.1:0', { driver, backlog: 0 })).rejects.toThrow(/backlog/);
  });

  it('fails with EADDRINUSE, errno, syscall (bind; Node says listen), address, port and kind for a taken port', async () => {
    await using first = await TcpListener.bind('127.0.0.1:0', { driver });
    const error = await TcpListener.bind(first.localAddr(), { driver }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({ code: 'EADDRINUSE', errno: -(osConstants.errno.EADDRINUSE), syscall: driver === 'native' ? 'bind' : 'listen', kind: 'AddrInUse', address: expect.any(String), port: expect.any(Number) });
  });

  it('accepts connections with their peer address', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const client = await TcpStream.connect(listener.localAddr(), { driver });
    const server = await listener.accept();
    expect(server.peerAddr().toString()).toBe(client.localAddr().toString());
    expect(server.localAddr().toString()).toBe(listener.localAddr().toString());
    expect(server.driver).toBe(driver);
    client.close();
    server.close();
  });

  it('reports the IPv4-mapped peer address of a dual-stack listener, as getpeername did', async () => {
    await using listener = await TcpListener.bind('[::]:0', { driver, ipv6Only: false });
    const client = await TcpStream.connect(`127.0.0.1:${listener.localAddr().port}`, { driver });
    const server = await listener.accept();
    expect(server.peerAddr().family).toBe('IPv6');
    // Both drivers spell it as Node does (inet_ntop: dotted decimal after ::ffff:).
    expect(server.peerAddr().ip).toBe('::ffff:127.0.0.1');
    expect(server.peerAddr().port).toBe(client.localAddr().port);
    client.close();
    server.close();
  });

  it('loses no connection and mixes up no peer address when accepts are aborted at random points of the batches', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver, backlog: 256 });
    let seed = 0x2545f491;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    const clients = new Map<number, TcpStream>();
    const accepted: TcpStream[] = [];
    const take = (stream: TcpStream): void => {
      accepted.push(stream);
    };
    for (let round = 0; round < 30; round++) {
      const pending: Promise<void>[] = [];
      const controllers: AbortController[] = [];
      for (let i = random(4); i >= 0; i--) {
        const controller = new AbortController();
        controllers.push(controller);
        pending.push(listener.accept({ signal: controller.signal }).then(take, (error: unknown) => expect(error).toBeInstanceOf(Cancelled)));
      }
      const arrivals = random(4);
      for (let i = 0; i < arrivals; i++) {
        const client = await TcpStream.connect(listener.localAddr(), { driver });
        clients.set(client.localAddr().port, client);
        if (random(2) === 0) controllers[random(controllers.length)]!.abort();
      }
      for (let i = random(3); i > 0; i--) await settle();
      for (const controller of controllers) if (random(2) === 0) controller.abort();
      // The accepts still parked take what is queued or arrives; the rest is taken below.
      for (const controller of controllers) controller.abort();
      await Promise.all(pending);
    }
    while (accepted.length < clients.size) take(await listener.accept());
    // Each client accepted exactly once, each stream with its own client's address.
    expect(accepted.map((s) => s.peerAddr().port).sort()).toEqual([...clients.keys()].sort());
    for (const s of accepted) expect(s.peerAddr().ip).toBe('127.0.0.1');
    await settle();
    expect(() => listener.tryAccept()).toThrow(WouldBlock);
    for (const s of [...clients.values(), ...accepted]) s.close();
  });

  it('serves concurrent accept calls in FIFO order', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const first = listener.accept();
    const second = listener.accept();
    const a = await TcpStream.connect(listener.localAddr(), { driver });
    const sa = await first;
    expect(sa.peerAddr().port).toBe(a.localAddr().port);
    const b = await TcpStream.connect(listener.localAddr(), { driver });
    const sb = await second;
    expect(sb.peerAddr().port).toBe(b.localAddr().port);
    for (const s of [a, b, sa, sb]) s.close();
  });

  it('loses no connection when accept is aborted', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const controller = new AbortController();
    const aborted = track(listener.accept({ signal: controller.signal }));
    await settle();
    expect(aborted.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(Cancelled);
    const client = await TcpStream.connect(listener.localAddr(), { driver });
    const server = await listener.accept();
    expect(server.peerAddr().port).toBe(client.localAddr().port);
    client.close();
    server.close();
  });

  it('rejects accept with an already aborted signal without taking a queued connection', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const client = await TcpStream.connect(listener.localAddr(), { driver });
    await eventually(() => {
      try {
        const s = listener.tryAccept();
        s.close();
        return true;
      } catch (error) {
        if (error instanceof WouldBlock) return false;
        throw error;
      }
    });
    const again = await TcpStream.connect(listener.localAddr(), { driver });
    await expect(listener.accept({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    const server = await listener.accept();
    expect(server.peerAddr().port).toBe(again.localAddr().port);
    for (const s of [client, again, server]) s.close();
  });

  it('accepts every connection of a backlog larger than one accept batch', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver, backlog: 512 });
    const clients = await Promise.all(Array.from({ length: 128 }, () => TcpStream.connect(listener.localAddr(), { driver })));
    const ports = new Set(clients.map((c) => c.localAddr().port));
    for (let i = 0; i < 128; i++) {
      const server = await listener.accept();
      expect(ports.delete(server.peerAddr().port)).toBe(true);
      server.close();
    }
    expect(ports.size).toBe(0);
    for (const c of clients) c.close();
  });

  it('wakes a parked accept when a burst larger than one batch arrives', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver, backlog: 512 });
    const accepted: TcpStream[] = [];
    const acceptor = (async () => {
      while (accepted.length < 130) accepted.push(await listener.accept());
    })();
    await settle();
    const clients = await Promise.all(Array.from({ length: 130 }, () => TcpStream.connect(listener.localAddr(), { driver })));
    await acceptor;
    expect(accepted).toHaveLength(130);
    for (const s of [...clients, ...accepted]) s.close();
  });

  it("reports its driver in the runtime's metrics", async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const drivers = Handle.current().metrics().drivers;
    const entry = drivers[driver === 'native' ? '@rt/net native driver' : '@rt/net fallback driver'];
    expect(entry?.['driver']).toBe(driver);
    if (driver === 'fallback') expect(String(entry?.['reason'])).toMatch(/forced|not available/);
    expect(listener.closed).toBe(false);
  });

  it('tryAccept throws WouldBlock when nothing is queued', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
    expect(() => listener.tryAccept()).toThrow(WouldBlock);
  });

  it('ends async iteration when closed and fails parked accepts with SocketClosed', async () => {
    const listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const stream of listener) {
        seen.push(stream.peerAddr().port);
        stream.close();
      }
    })();
    const parked = track(listener.accept());
    const c1 = await TcpStream.connect(listener.localAddr(), { driver });
    const c2 = await TcpStream.connect(listener.localAddr(), { driver });
    await eventually(() => seen.length + (parked.isReady() ? 1 : 0) === 2);
    listener.close();
    await loop;
    await settle();
    if (parked.isRejected()) expect(parked.error).toBeInstanceOf(SocketClosed);
    else (parked.value as TcpStream).close();
    await expect(listener.accept()).rejects.toBeInstanceOf(SocketClosed);
    expect(() => listener.localAddr()).toThrow(SocketClosed);
    expect(listener.closed).toBe(true);
    c1.close();
    c2.close();
  });

  it('closes queued connections when closed before they are accepted', async () => {
    const listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const client = await TcpStream.connect(listener.localAddr(), { driver });
    await settle();
    listener.close();
    const buf = new Uint8Array(8);
    const n = await client.read(buf).catch((e: unknown) => e);
    expect(n === 0 || (n instanceof NetError && n.code === 'ECONNRESET')).toBe(true);
    client.close();
  });

  if (driver === 'native') {
    it('reports the peer address of a connection reset before it was accepted (from accept4, not a getpeername that fails)', async () => {
      await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
      const client = await TcpStream.connect(listener.localAddr(), { driver });
      const port = client.localAddr().port;
      client.setLinger(0);
      client.close(); // RST: the connection stays in the accept queue, its peer gone
      const server = await listener.accept();
      expect(server.peerAddr().toString()).toBe(`127.0.0.1:${port}`);
      const error = await server.read(new Uint8Array(8)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      server.close();
    });
  }

  if (driver === 'native') {
    it('fails accept() with the typed error when the listening socket itself breaks (shut down: EINVAL), parked or not, without spinning', async () => {
      const bound = await TcpListener.bind('127.0.0.1:0', { driver });
      const fd = bound.intoRawFd();
      await using listener = await TcpListener.fromRawFd(fd, { driver });
      const parked = listener.accept();
      await settle();
      expect(sys.shutdown(fd, 'both')).toBe(0); // the socket stops listening; accept4 says EINVAL
      const error = await parked.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetError);
      expect(error).toMatchObject({ code: 'EINVAL', syscall: 'accept' });
      // Every later accept fails the same way at once, and tryAccept throws it too.
      await expect(listener.accept()).rejects.toMatchObject({ code: 'EINVAL' });
      expect(() => listener.tryAccept()).toThrow(NetError);
    });

    it('fails an accept() made after the listening socket broke, before any readiness', async () => {
      const bound = await TcpListener.bind('127.0.0.1:0', { driver });
      const fd = bound.intoRawFd();
      await using listener = await TcpListener.fromRawFd(fd, { driver });
      expect(sys.shutdown(fd, 'both')).toBe(0);
      await expect(listener.accept()).rejects.toMatchObject({ code: 'EINVAL', syscall: 'accept' });
    });
  }

  if (driver === 'native' && existsSync('/usr/bin/prlimit')) {
    it('survives EMFILE on accept: backs off, counts it in the runtime metrics, then accepts', async () => {
      await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
      const client = await TcpStream.connect(listener.localAddr(), { driver });
      const spares = Array.from({ length: 8 }, () => openSync('/dev/null', 'r'));
      // The directory listing itself used an fd that is closed again: keep only open ones.
      const fds = readdirSync('/proc/self/fd')
        .map(Number)
        .filter((fd) => {
          try {
            readlinkSync(`/proc/self/fd/${fd}`);
            return true;
          } catch {
            return false;
          }
        });
      let lowestFree = 0;
      while (fds.includes(lowestFree)) lowestFree++;
      const limit = (value: string): void => {
        const r = spawnSync('/usr/bin/prlimit', ['--pid', String(process.pid), `--nofile=${value}`], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`prlimit failed: ${String(r.error ?? r.status)}`);
      };
      const original = spawnSync('/usr/bin/prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output=SOFT,HARD'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
      const metrics = (): Record<string, unknown> => Handle.current().metrics().drivers['@rt/net native driver'] ?? {};
      const before = Number(metrics()['acceptBackoffs'] ?? 0);
      limit(`${lowestFree}:${original[1]}`);
      let accepting: Promise<TcpStream>;
      try {
        accepting = listener.accept();
        await eventually(() => Number(metrics()['acceptBackoffs'] ?? 0) > before);
        expect(listener.closed).toBe(false);
      } finally {
        for (const fd of spares) closeSync(fd);
        limit(`${original[0]}:${original[1]}`);
      }
      const server = await accepting;
      expect(server.peerAddr().port).toBe(client.localAddr().port);
      expect(Number(metrics()['acceptErrors'])).toBeGreaterThan(0);
      server.close();
      client.close();
    });
  }
});
