// The fallback driver: @rt/net on Node's `net` and `dgram`, for platforms where the native
// addon is not available (or when RT_NET_DRIVER=fallback). Same contract as the native
// driver (see driver.ts); slower, because every chunk goes through Node's streams.
import type { Server, Socket } from 'node:net';
import { available, loadError } from '@rt/mio-native';
import { Handle, coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { retryAfter } from '@rt/scheduler/primitives';
import { NetError, SocketClosed, WouldBlock, toNetError } from '../errors.js';
import type { Driver, ListenerHandle, ListenOptions, RawAddress, StreamHandle, TcpSocketHandle } from './driver.js';
import { FallbackTcpSocket } from './fallback-tcp-socket.js';
import { FallbackStream, stripZone } from './fallback-stream.js';
import { bindFallbackUdp } from './fallback-udp.js';
import { inspectTcpFd } from './native-driver.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { createServer, connect: netConnect, Socket: NetSocket } = process.getBuiltinModule('node:net');


class FallbackListener implements ListenerHandle {
  readonly driver = 'fallback' as const;
  readonly #server: Server;
  readonly #queue: Socket[] = [];
  readonly #waiters: Waiter<StreamHandle>[] = [];
  readonly #unix: string | null;
  readonly #local: RawAddress;
  #closed = false;
  #error: Error | undefined;
  readonly #removeWaiter = (waiter: Waiter<StreamHandle>): void => {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
  };

  constructor(server: Server, unix: string | null) {
    this.#server = server;
    this.#unix = unix;
    const address = server.address();
    this.#local =
      unix !== null || address === null || typeof address === 'string'
        ? { path: unix ?? String(address) }
        : { ip: stripZone(address.address), port: address.port };
    server.on('connection', (socket: Socket) => this.#onConnection(socket));
    server.on('error', (error: Error) => {
      this.#error = toNetError(error, 'accept');
      for (const w of this.#waiters.splice(0)) w.fail(this.#error);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onConnection(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    while (this.#waiters.length > 0) {
      const w = this.#waiters.shift()!;
      if (w.settled) continue;
      w.wake(new FallbackStream(socket, this.#names()));
      return;
    }
    this.#queue.push(socket);
    socket.on('error', noop);
  }

  #names(): { local: string; peer: string } | null {
    return this.#unix === null ? null : { local: this.#unix, peer: '' };
  }

  #take(): StreamHandle {
    const socket = this.#queue.shift()!;
    socket.off('error', noop);
    return new FallbackStream(socket, this.#names());
  }

  accept(options: WaitOptions | undefined): Promise<StreamHandle> {
    if (this.#closed) return Promise.reject(new SocketClosed('the listener is closed'));
    if (this.#queue.length > 0 && this.#waiters.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.accept, options);
      throwIfCancelled(options);
      return Promise.resolve(this.#take());
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    const { waiter, promise } = park<StreamHandle>('TcpListener.accept', this.#removeWaiter, options);
    this.#waiters.push(waiter);
    return promise;
  }

  tryAccept(): StreamHandle {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    if (this.#queue.length === 0) throw new WouldBlock('accept');
    return this.#take();
  }

  localAddress(): RawAddress {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    return this.#local;
  }

  setTtl(_ttl: number): void {
    throw toNetError({ code: 'ENOTSUP', message: 'setTtl: not supported by the fallback driver (Node net)' }, 'setsockopt');
  }

  ttl(): number {
    throw toNetError({ code: 'ENOTSUP', message: 'ttl: not supported by the fallback driver (Node net)' }, 'getsockopt');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new SocketClosed('the listener is closed');
    for (const w of this.#waiters.splice(0)) w.fail(closed);
    for (const s of this.#queue.splice(0)) s.destroy();
    this.#server.close();
  }
}

function noop(): void {}

const FALLBACK_KEY = Symbol('@rt/net fallback driver');
let sockets = 0;

/** Notes in `runtime.metrics().drivers` that (and why) sockets run on the fallback driver. */
function noteFallback(): void {
  sockets++;
  Handle.current().extension(FALLBACK_KEY, () => ({
    shutdown: noop,
    metrics: () => ({
      driver: 'fallback',
      reason: available ? 'forced (RT_NET_DRIVER=fallback or { driver: "fallback" })' : `@rt/mio-native is not available: ${loadError?.message ?? 'unknown'}`,
      socketsCreated: sockets,
    }),
  }));
}

function listen(server: Server, listenArgs: { host?: string; port?: number; path?: string; fd?: number; backlog: number; ipv6Only?: boolean; reusePort?: boolean }, syscall: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(toNetError(error, syscall));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ ...listenArgs, exclusive: true });
  });
}

function connectSocket(args: { host: string; port: number } | { path: string }, label: string, unix: { local: string; peer: string } | null, options: WaitOptions | undefined): Promise<StreamHandle> {
  throwIfCancelled(options);
  const pending: { socket?: Socket } = {};
  const { waiter, promise } = park<StreamHandle>(label, () => pending.socket?.destroy(), options);
  const s = netConnect({ ...args, allowHalfOpen: true });
  pending.socket = s;
  const onError = (error: Error): void => {
    s.destroy();
    waiter.fail(toNetError(error, 'connect'));
  };
  s.once('error', onError);
  s.once('connect', () => {
    s.off('error', onError);
    if (!waiter.wake(new FallbackStream(s, unix))) s.destroy();
  });
  return promise;
}

/** Node added `reusePort` to `server.listen` in 22.12 / 23.1. */
function nodeHasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major >= 23 || (major === 22 && minor >= 12);
}

export const fallbackDriver: Driver = {
  name: 'fallback',

  adoptTcp(fd: number): StreamHandle {
    // With the addon loaded (RT_NET_DRIVER=fallback), validate first so a rejected fd is
    // left open; without it, Node's own check is the only one (and a rejected socket is closed).
    if (available) inspectTcpFd(fd, 'TcpStream.fromRawFd');
    let socket: Socket;
    try {
      socket = new NetSocket({ fd, allowHalfOpen: true, readable: true, writable: true });
    } catch (error) {
      throw toNetError(error, 'fromRawFd');
    }
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      throw new NetError('ENOTCONN', 'getpeername', `TcpStream.fromRawFd: fd ${fd} is not a connected TCP socket`);
    }
    noteFallback();
    return new FallbackStream(socket, null);
  },

  async adoptTcpListener(fd: number): Promise<ListenerHandle> {
    if (available) inspectTcpFd(fd, 'TcpListener.fromRawFd', true);
    noteFallback();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await listen(server, { fd, backlog: 1024 }, 'listen');
    return new FallbackListener(server, null);
  },

  async listenTcp(ip: string, port: number, options: ListenOptions): Promise<ListenerHandle> {
    if (options.reusePort === true && !nodeHasReusePort()) {
      throw new NetError('ENOTSUP', 'listen', `TcpListener.bind: reusePort needs Node 22.12+ on the fallback driver (this is Node ${process.versions.node}); use the native driver`);
    }
    noteFallback();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const args = { host: ip, port, backlog: options.backlog, ipv6Only: options.ipv6Only };
    await listen(server, options.reusePort === true ? { ...args, reusePort: true } : args, 'listen');
    return new FallbackListener(server, null);
  },

  connectTcp(ip: string, port: number, options: WaitOptions | undefined): Promise<StreamHandle> {
    noteFallback();
    return connectSocket({ host: ip, port }, 'TcpStream.connect', null, options);
  },

  async listenUnix(path: string, options: ListenOptions): Promise<ListenerHandle> {
    noteFallback();
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await listen(server, { path, backlog: options.backlog }, 'listen');
    return new FallbackListener(server, path);
  },

  connectUnix(path: string, options: WaitOptions | undefined): Promise<StreamHandle> {
    noteFallback();
    return connectSocket({ path }, 'UnixStream.connect', { local: '', peer: path }, options);
  },

  bindUdp(ip: string, port: number, options: { reuseAddress: boolean; ipv6Only: boolean }) {
    noteFallback();
    return bindFallbackUdp(ip, port, options);
  },

  createTcp(family: 'IPv4' | 'IPv6'): TcpSocketHandle {
    noteFallback();
    return new FallbackTcpSocket(family, (ip, port, backlog) => fallbackDriver.listenTcp(ip, port, { backlog, ipv6Only: false }));
  },
};
