// The native driver on @rt/reactor + @rt/mio-native: sockets are non-blocking fds whose
// readiness comes from the runtime's epoll reactor (see native-stream.ts for the read and
// write paths).
//
// Accept: when an accept() finds no queued connection it drains the kernel backlog in one
// batch (accept4 up to 64 fds per call, repeated while the batch is full) into a queue, then
// hands the fds to parked accept() calls in FIFO order. Each fd comes with the peer address
// accept4 returned (as Tokio's `TcpListener::accept` returns `(TcpStream, SocketAddr)`): an
// IPv4 peer is kept as one number until `peerAddr()` asks, so a connection costs no
// `getpeername` and no decoding it does not use.
//
// Knowing the backlog is empty: the listener is edge-triggered, so a batch must learn that
// the queue is empty before it clears the readiness (a connection that arrives later is a
// new edge). An accept4 that fails with EAGAIN tells it, but it is the dearest call of the
// accept path (the kernel allocates a socket and a file before it finds the queue empty:
// ~2.5 µs here, 8 getpeernames). A TCP listener therefore asks the queue's length first
// (`sys.listenQueue`, TCP_INFO: one getsockopt per batch) and accepts exactly that many; a
// Unix listener (or a kernel without that report) accepts until EAGAIN, and a batch that
// ended on EAGAIN clears the readiness at once instead of a second accept4 that would fail
// again. libuv gets the same effect from a level-triggered listener and one accept per
// readiness report.
// EMFILE/ENFILE (and ENOBUFS/ENOMEM) do not end the listener: the driver counts them
// (runtime.metrics().drivers), backs off for 50 ms and retries; ECONNABORTED (the peer gave up
// before accept) and the network errors of one queued connection are counted and skipped; an
// error that says the listening socket itself is broken (EINVAL after a shutdown(), EBADF,
// ENOTSOCK, …) fails every accept() from then on with that error.
//
import { available, constants, errno, loadError, sys } from '@rt/mio-native';
import type { Registration } from '@rt/reactor';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { NetError, SocketClosed, WouldBlock, toNetError } from '../errors.js';
import { READABLE, WRITABLE } from './driver.js';
import type { DatagramHandle, Driver, ListenerHandle, ListenOptions, RawAddress, StreamHandle, TcpSocketHandle } from './driver.js';
import { NativeTcpSocket } from './native-tcp-socket.js';
import { retryAfter, tryPark } from '@rt/scheduler/primitives';
import { C, EAGAIN, EINPROGRESS, EMFILE, ENFILE, check, currentIo, decodeRaw, errorWhere, ipAddress, localAddressOf, osError, peerAddressOf } from './native-io.js';
import type { AcceptedPeer, NativeCounters } from './native-io.js';
import { NativeStream } from './native-stream.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { fstatSync } = process.getBuiltinModule('node:fs');

const BATCH = 64;
/** Bytes per peer address slot of a batch (sizeof(struct sockaddr_storage); the addon's MIO_ADDR_SLOT). */
const ADDRESS_SLOT = 128;
const AF_INET = C.AF_INET;
/** Linux's SO_PROTOCOL and IPPROTO_TCP: only a plain TCP listener's TCP_INFO counts its accept queue (not MPTCP's). */
const SO_PROTOCOL = 38;
const IPPROTO_TCP = 6;
const SO_REUSEPORT = constants['SO_REUSEPORT']!;
const SO_TYPE = constants['SO_TYPE']!;
/** Linux's SO_ACCEPTCONN (not in the addon's table; the native driver is Linux-only). */
const SO_ACCEPTCONN = (constants as unknown as Readonly<Record<string, number | undefined>>)['SO_ACCEPTCONN'] ?? 30;
const BACKOFF_MS = 50;
const { ENOBUFS, ENOMEM } = errno;
/** accept4 errors that say the listening socket itself is broken (not one connection): fatal. */
const LISTENER_BROKEN: ReadonlySet<number> = new Set([errno.EBADF, errno.EINVAL, errno.ENOTSOCK, errno.EOPNOTSUPP, errno.EFAULT]);


class NativeListener implements ListenerHandle {
  readonly driver = 'native' as const;
  readonly #fd: number;
  readonly #registration: Registration;
  readonly #register: (fd: number) => Registration;
  readonly #counters: NativeCounters;
  readonly #unix: string | null;
  /** Accepted fds no accept() took yet, and their peers (`#peers[i]` is `#queue[i]`'s). */
  readonly #queue: number[] = [];
  readonly #peers: AcceptedPeer[] = [];
  readonly #waiters: Waiter<StreamHandle>[] = [];
  readonly #batch = new Int32Array(BATCH);
  readonly #addresses = Buffer.alloc(BATCH * ADDRESS_SLOT);
  readonly #addressView = new DataView(this.#addresses.buffer, this.#addresses.byteOffset, this.#addresses.byteLength);
  readonly #addressLengths = new Int32Array(BATCH);
  /** `[queued, max backlog]` from `sys.listenQueue`, or null when this listener cannot count its queue. */
  readonly #queueInfo: Int32Array | null;
  #armed = false;
  #backoff: ReturnType<typeof setTimeout> | undefined;
  /** The error of an accept4 that found the listening socket broken: every accept() fails with it. */
  #failure: NetError | undefined;
  #closed = false;
  #local: RawAddress | undefined;

  readonly #onReadable = (): void => {
    this.#armed = false;
    this.#serve();
  };

  readonly #removeWaiter = (waiter: Waiter<StreamHandle>): void => {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
  };

  readonly #onWaitFailed = (): void => {
    this.#armed = false;
    const error = new SocketClosed(this.#closed ? 'the listener is closed' : 'the runtime shut down: its I/O driver is closed');
    for (const w of this.#waiters.splice(0)) w.fail(error);
  };

  readonly #onBackoffEnd = (): void => {
    this.#backoff = undefined;
    this.#serve();
  };

  constructor(fd: number, registration: Registration, register: (fd: number) => Registration, counters: NativeCounters, unix: string | null) {
    this.#fd = fd;
    this.#registration = registration;
    this.#register = register;
    this.#counters = counters;
    this.#unix = unix;
    this.#queueInfo = unix === null ? countableQueue(fd) : null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Drains the backlog into the queue. Returns whether a connection is queued. */
  #drain(): boolean {
    if (this.#backoff === undefined) this.#acceptBatch();
    return this.#queue.length > 0;
  }

  #acceptBatch(): void {
    const registration = this.#registration;
    const batch = this.#batch;
    for (;;) {
      const event = registration.tryReadiness(READABLE);
      if (event === null) return;
      let max = BATCH;
      const info = this.#queueInfo;
      if (info !== null && sys.listenQueue(this.#fd, info) === 0) {
        if (info[0] === 0) {
          registration.clearReadiness(event);
          return;
        }
        if (info[0]! < BATCH) max = info[0]!;
      }
      const n = sys.accept(this.#fd, batch, max, this.#addresses, this.#addressLengths);
      if (n === EAGAIN) {
        registration.clearReadiness(event);
        return;
      }
      if (n < 0) {
        this.#counters.acceptErrors++;
        if (n === EMFILE || n === ENFILE || n === ENOBUFS || n === ENOMEM) {
          this.#counters.acceptBackoffs++;
          this.#backoff = setTimeout(this.#onBackoffEnd, BACKOFF_MS);
          return;
        }
        if (LISTENER_BROKEN.has(n)) {
          // The listening socket itself is unusable (shut down, not listening, not a socket):
          // every accept() fails with this error from now on, as Tokio's accept returns it
          // (retrying would spin: the same call fails the same way at once).
          this.#failure = osError(n, 'accept');
          registration.clearReadiness(event);
          return;
        }
        // ECONNABORTED, EINTR and the network errors Linux passes on from a connection that
        // failed in the queue (EPROTO, ENETDOWN, EHOSTUNREACH, …): count, skip, keep listening.
        continue;
      }
      for (let i = 0; i < n; i++) {
        this.#queue.push(batch[i]!);
        this.#peers.push(this.#peerAt(i));
      }
      if (n < max) {
        // batch[n] is the errno that ended the batch: EAGAIN means the backlog is empty, so
        // the readiness goes now (no second accept4 to learn it). Any other error (EMFILE,
        // ECONNABORTED, …) is met again, and handled, by the next call.
        if (batch[n] === EAGAIN) registration.clearReadiness(event);
        return;
      }
      if (max < BATCH) {
        // Every connection queued when the queue was counted is taken; any later one came
        // with an edge of its own.
        registration.clearReadiness(event);
        return;
      }
    }
  }

  /** The peer of the batch's connection `i`: an IPv4 one packed into a number (decoded by the stream on demand). */
  #peerAt(i: number): AcceptedPeer {
    const at = i * ADDRESS_SLOT;
    const view = this.#addressView;
    if (view.getUint16(at, true) === AF_INET) return view.getUint32(at + 4, false) * 65536 + view.getUint16(at + 2, false);
    return decodeRaw(this.#addresses.subarray(at, at + ADDRESS_SLOT), this.#addressLengths[i]!);
  }

  /** Wraps the queue's first connection (the queue must not be empty). */
  #wrapNext(): StreamHandle {
    const fd = this.#queue.shift()!;
    const peer = this.#peers.shift()!;
    let registration: Registration;
    try {
      registration = this.#register(fd);
    } catch (error) {
      sys.close(fd);
      throw error;
    }
    return new NativeStream(fd, registration, this.#unix !== null, peer);
  }

  #serve(): void {
    const waiters = this.#waiters;
    while (waiters.length > 0) {
      const waiter = waiters[0]!;
      if (waiter.settled) {
        waiters.shift();
        continue;
      }
      if (this.#queue.length === 0 && !this.#drain()) {
        if (this.#failure !== undefined) for (const w of waiters.splice(0)) w.fail(this.#failure);
        break;
      }
      waiters.shift();
      try {
        waiter.wake(this.#wrapNext());
      } catch (error) {
        waiter.fail(error);
      }
    }
    if (waiters.length > 0 && this.#backoff === undefined) this.#arm();
  }

  #arm(): void {
    if (this.#armed || this.#closed) return;
    this.#armed = true;
    this.#registration.readiness(READABLE).then(this.#onReadable, this.#onWaitFailed);
  }

  accept(options: WaitOptions | undefined): Promise<StreamHandle> {
    if (this.#closed) return Promise.reject(new SocketClosed('the listener is closed'));
    if (this.#waiters.length === 0 && (this.#queue.length > 0 || this.#drain())) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.accept, options);
      try {
        throwIfCancelled(options);
        return Promise.resolve(this.#wrapNext());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    try {
      const { waiter, promise } = park<StreamHandle>('TcpListener.accept', this.#removeWaiter, options);
      this.#waiters.push(waiter);
      if (this.#backoff === undefined) this.#arm();
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryAccept(): StreamHandle {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    if (this.#queue.length === 0 && !this.#drain()) throw this.#failure ?? new WouldBlock('accept');
    return this.#wrapNext();
  }

  localAddress(): RawAddress {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    return (this.#local ??= this.#unix !== null ? { path: this.#unix } : localAddressOf(this.#fd));
  }

  #ttlOption(): [number, number] {
    const local = this.localAddress();
    return 'ip' in local && local.ip.includes(':') ? [C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS] : [C.IPPROTO_IP, C.IP_TTL];
  }

  setTtl(ttl: number): void {
    const [level, name] = this.#ttlOption();
    check(sys.setSocketOption(this.#fd, level, name, ttl), 'setsockopt');
  }

  ttl(): number {
    const [level, name] = this.#ttlOption();
    return check(sys.getSocketOption(this.#fd, level, name), 'getsockopt');
  }

  intoRawFd(): number {
    if (this.#closed) throw new SocketClosed('the listener is closed');
    this.#closed = true;
    if (this.#backoff !== undefined) clearTimeout(this.#backoff);
    const error = new SocketClosed('the listener was moved out of this runtime (intoRawFd)');
    for (const w of this.#waiters.splice(0)) w.fail(error);
    // Connections drained from the backlog that no accept() took: they cannot go back.
    for (const fd of this.#queue.splice(0)) sys.close(fd);
    this.#peers.length = 0;
    try {
      this.#registration.deregister();
    } catch {
      // The reactor already closed.
    }
    return this.#fd;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#backoff !== undefined) clearTimeout(this.#backoff);
    const error = new SocketClosed('the listener is closed');
    for (const w of this.#waiters.splice(0)) w.fail(error);
    for (const fd of this.#queue.splice(0)) sys.close(fd);
    this.#peers.length = 0;
    try {
      this.#registration.deregister();
    } catch {
      // The reactor already closed.
    }
    sys.close(this.#fd);
  }
}

/**
 * `[queued, max backlog]` storage when `fd` is a plain TCP listener whose kernel reports its
 * accept queue through TCP_INFO (checked by the backlog it reports: a kernel without that
 * report gives 0 for a listener), else null: such a listener accepts until EAGAIN.
 */
function countableQueue(fd: number): Int32Array | null {
  const info = new Int32Array(2);
  if (sys.getSocketOption(fd, C.SOL_SOCKET, SO_PROTOCOL) !== IPPROTO_TCP) return null;
  return sys.listenQueue(fd, info) === 0 && info[1]! > 0 ? info : null;
}

function newSocket(family: number, type: number): number {
  return check(sys.socket(family, type), 'socket');
}

function closeQuietly(fd: number): void {
  sys.close(fd);
}

async function listenOn(family: number, address: Parameters<typeof sys.bind>[1], options: ListenOptions, unix: string | null): Promise<ListenerHandle> {
  const fd = newSocket(family, C.SOCK_STREAM);
  try {
    if (family !== C.AF_UNIX) check(sys.setSocketOption(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 1), 'setsockopt');
    if (options.reusePort === true) check(sys.setSocketOption(fd, C.SOL_SOCKET, SO_REUSEPORT, 1), 'setsockopt');
    if (family === C.AF_INET6) check(sys.setSocketOption(fd, C.IPPROTO_IPV6, C.IPV6_V6ONLY, options.ipv6Only ? 1 : 0), 'setsockopt');
    check(sys.bind(fd, address), 'bind', errorWhere(address));
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
  return listenFd(fd, options.backlog, unix);
}

/** Listens on an existing bound stream fd (owned from here on: closed on failure). */
export function listenFd(fd: number, backlog: number, unix: string | null): ListenerHandle {
  try {
    const io = currentIo();
    check(sys.listen(fd, backlog), 'listen');
    const registration = io.reactor.register(fd, READABLE);
    return new NativeListener(fd, registration, (accepted) => io.reactor.register(accepted, READABLE | WRITABLE), io.counters, unix);
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

function connectTo(family: number, address: Parameters<typeof sys.connect>[1], label: string, unix: boolean, peer: RawAddress | undefined, options: WaitOptions | undefined): Promise<StreamHandle> {
  return tryPark(() => {
    throwIfCancelled(options);
    return connectFd(newSocket(family, C.SOCK_STREAM), address, label, unix, peer, options);
  });
}

/** Connects an existing non-blocking stream fd (owned from here on: closed on failure). */
export function connectFd(fd: number, address: Parameters<typeof sys.connect>[1], label: string, unix: boolean, peer: RawAddress | undefined, options: WaitOptions | undefined): Promise<StreamHandle> {
  return tryPark(() => {
    try {
      throwIfCancelled(options);
    } catch (error) {
      closeQuietly(fd);
      throw error;
    }
    const io = currentIo();
    const r = sys.connect(fd, address);
    if (r < 0 && r !== EINPROGRESS) {
      closeQuietly(fd);
      return Promise.reject(osError(r, 'connect', errorWhere(address)));
    }
    let registration: Registration;
    try {
      registration = io.reactor.register(fd, READABLE | WRITABLE);
    } catch (error) {
      closeQuietly(fd);
      throw error;
    }
    if (r === 0) return Promise.resolve(new NativeStream(fd, registration, unix, peer));
    let done = false;
    const cleanup = (): void => {
      if (done) return;
      done = true;
      try {
        registration.deregister();
      } catch {
        // The reactor already closed.
      }
      closeQuietly(fd);
    };
    const { waiter, promise } = park<StreamHandle>(label, cleanup, options);
    registration.readiness(WRITABLE).then(
      () => {
        if (waiter.settled) return;
        const error = sys.takeError(fd);
        if (error < 0) {
          cleanup();
          waiter.fail(osError(error, 'connect', errorWhere(address)));
          return;
        }
        done = true;
        waiter.wake(new NativeStream(fd, registration, unix, peer));
      },
      () => {
        if (waiter.settled) return;
        cleanup();
        waiter.fail(new SocketClosed('the runtime shut down while connecting'));
      },
    );
    return promise;
  });
}

/**
 * Checks that `fd` is an open, connected (or, with `listening`, listening), non-blocking TCP
 * (IPv4/IPv6 stream) socket and returns its peer address (its local one when listening).
 * Throws NetError otherwise; never closes or takes `fd`.
 */
export function inspectTcpFd(fd: number, what: string, listening = false): RawAddress {
  let socket: boolean;
  try {
    socket = fstatSync(fd).isSocket();
  } catch (error) {
    throw toNetError(error, 'fstat');
  }
  if (!socket) throw new NetError('ENOTSOCK', 'fstat', `${what}: fd ${fd} is not a socket`);
  if (check(sys.getSocketOption(fd, C.SOL_SOCKET, SO_TYPE), 'getsockopt') !== C.SOCK_STREAM) {
    throw new NetError('EPROTOTYPE', 'getsockopt', `${what}: fd ${fd} is not a stream socket (SOCK_STREAM)`);
  }
  const local = localAddressOf(fd);
  if ('path' in local) throw new NetError('EAFNOSUPPORT', 'getsockname', `${what}: fd ${fd} is a Unix socket, not TCP`);
  let peer: RawAddress = local;
  if (listening) {
    if (check(sys.getSocketOption(fd, C.SOL_SOCKET, SO_ACCEPTCONN), 'getsockopt') !== 1) {
      throw new NetError('EINVAL', 'getsockopt', `${what}: fd ${fd} is not a listening socket`);
    }
  } else {
    try {
      peer = peerAddressOf(fd);
    } catch (error) {
      if (error instanceof NetError) throw new NetError(error.code, 'getpeername', `${what}: fd ${fd} is not a connected socket (${error.code})`);
      throw error;
    }
  }
  if (check(sys.getFdFlag(fd, 'O_NONBLOCK'), 'fcntl') === 0) {
    throw new NetError('EINVAL', 'fcntl', `${what}: fd ${fd} is in blocking mode; set O_NONBLOCK first (as Tokio's TcpStream::from_std requires)`);
  }
  return peer;
}

/** `./native-udp.js`, once the first UDP socket is bound. */
let nativeUdp: typeof import('./native-udp.js') | undefined;

const driver: Driver = {
  name: 'native',

  adoptTcp(fd: number): StreamHandle {
    const peer = inspectTcpFd(fd, 'TcpStream.fromRawFd');
    let registration: Registration;
    try {
      registration = currentIo().reactor.register(fd, READABLE | WRITABLE);
    } catch (error) {
      throw toNetError(error, 'epoll_ctl');
    }
    return new NativeStream(fd, registration, false, peer);
  },

  adoptTcpListener(fd: number): Promise<ListenerHandle> {
    inspectTcpFd(fd, 'TcpListener.fromRawFd', true);
    let registration: Registration;
    let io: ReturnType<typeof currentIo>;
    try {
      io = currentIo();
      registration = io.reactor.register(fd, READABLE);
    } catch (error) {
      return Promise.reject(toNetError(error, 'epoll_ctl'));
    }
    return Promise.resolve(new NativeListener(fd, registration, (accepted) => io.reactor.register(accepted, READABLE | WRITABLE), io.counters, null));
  },

  listenTcp(ip: string, port: number, options: ListenOptions): Promise<ListenerHandle> {
    const address = ipAddress(ip, port);
    return listenOn(address.family === 'IPv6' ? C.AF_INET6 : C.AF_INET, address, options, null);
  },

  connectTcp(ip: string, port: number, options: WaitOptions | undefined): Promise<StreamHandle> {
    const address = ipAddress(ip, port);
    return connectTo(address.family === 'IPv6' ? C.AF_INET6 : C.AF_INET, address, 'TcpStream.connect', false, { ip, port }, options);
  },

  listenUnix(path: string, options: ListenOptions): Promise<ListenerHandle> {
    return listenOn(C.AF_UNIX, { family: 'unix', path }, options, path);
  },

  connectUnix(path: string, options: WaitOptions | undefined): Promise<StreamHandle> {
    return connectTo(C.AF_UNIX, { family: 'unix', path }, 'UnixStream.connect', true, { path }, options);
  },

  // UDP's module is loaded at the first bind (bind is async): a TCP server never loads it
  // (@rt/http README, "What a server loads"). One import, then the module itself.
  async bindUdp(ip: string, port: number, options: { reuseAddress: boolean; ipv6Only: boolean }): Promise<DatagramHandle> {
    nativeUdp ??= await import('./native-udp.js');
    return nativeUdp.bindNativeUdp(ip, port, options);
  },

  createTcp(family: 'IPv4' | 'IPv6'): TcpSocketHandle {
    return new NativeTcpSocket(
      family,
      (fd, ip, port, options) => connectFd(fd, ipAddress(ip, port), 'TcpStream.connect', false, { ip, port }, options),
      (fd, backlog) => listenFd(fd, backlog, null),
    );
  },
};

export function nativeDriver(): Driver | null {
  return available ? driver : null;
}

export function nativeUnavailableReason(): string {
  return `the @rt/mio-native addon did not load on this machine (${loadError?.message ?? 'unknown reason'})`;
}

