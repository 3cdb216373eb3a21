// UDP on the native driver: a non-blocking datagram fd on the runtime's reactor. Receives
// copy one datagram straight into the caller's buffer (truncated to it, as recvfrom(2));
// readiness is cleared only when a receive or send reports EAGAIN (a datagram socket has
// no "short read"). Parked receivers and senders are served FIFO by one reusable readiness
// callback per direction (Registration.readyCallback), called from the reactor's dispatch.
import { constants, encodeSocketAddress, sys } from '@rt/mio-native';
import type { ReadyCallback, Registration } from '@rt/reactor';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { SocketClosed, WouldBlock } from '../errors.js';
import { READABLE, WRITABLE } from './driver.js';
import type { DatagramHandle, RawAddress } from './driver.js';
import { retryAfter, tryPark } from '@rt/scheduler/primitives';
import { C, EAGAIN, armWait, check, currentIo, decodeRaw, ipAddress, localAddressOf, osError } from './native-io.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIPv6 } = process.getBuiltinModule('node:net');

interface Received {
  length: number;
  from: RawAddress;
}

interface Receiver {
  waiter: Waiter<Received>;
  buf: Uint8Array;
  peek: boolean;
}

interface Sender {
  waiter: Waiter<number>;
  buf: Uint8Array;
  to: RawAddress | null;
}

const SO_BROADCAST = constants['SO_BROADCAST']!;
const IP_MULTICAST_TTL = constants['IP_MULTICAST_TTL']!;
const IP_MULTICAST_LOOP = constants['IP_MULTICAST_LOOP']!;
const IPV6_MULTICAST_HOPS = constants['IPV6_MULTICAST_HOPS']!;
const IPV6_MULTICAST_LOOP = constants['IPV6_MULTICAST_LOOP']!;

export class NativeUdp implements DatagramHandle {
  readonly driver = 'native' as const;
  readonly #fd: number;
  readonly #registration: Registration;
  /** One reusable readiness wait per direction (served synchronously from the dispatch). */
  readonly #readWait: ReadyCallback;
  readonly #writeWait: ReadyCallback;
  readonly #v6: boolean;
  readonly #from = Buffer.alloc(128);
  readonly #to = Buffer.alloc(128);
  readonly #receivers: Receiver[] = [];
  readonly #senders: Sender[] = [];
  /** `ready()` calls: woken (not served) when the readiness they wait for is cached. */
  readonly #readyWaiters: { waiter: Waiter<number>; interest: number }[] = [];
  #readArmed = false;
  #writeArmed = false;
  #closed = false;
  #local: RawAddress | undefined;
  #peer: RawAddress | null = null;
  /** The destination encoded in #to (by identity: addresses are immutable). */
  #lastTo: RawAddress | null = null;
  #lastToLength = 0;
  /** The last sender, and its raw sockaddr bytes, to reuse the object when it repeats. */
  #lastFrom: RawAddress | null = null;
  readonly #lastFromBytes = Buffer.alloc(28);

  readonly #onReadable = (): void => {
    this.#readArmed = false;
    this.#serveReady();
    this.#serveReceivers();
  };

  readonly #onWritable = (): void => {
    this.#writeArmed = false;
    this.#serveReady();
    this.#serveSenders();
  };

  #found(interest: number): number {
    const registration = this.#registration;
    return (
      (interest & READABLE && registration.tryReadiness(READABLE) !== null ? READABLE : 0) |
      (interest & WRITABLE && registration.tryReadiness(WRITABLE) !== null ? WRITABLE : 0)
    );
  }

  #serveReady(): void {
    const list = this.#readyWaiters;
    for (let i = 0; i < list.length; ) {
      const entry = list[i]!;
      const found = entry.waiter.settled ? -1 : this.#found(entry.interest);
      if (found === 0) {
        i++;
        continue;
      }
      list.splice(i, 1);
      if (found > 0) entry.waiter.wake(found);
    }
    for (const entry of list) {
      if (entry.interest & READABLE) this.#armRead();
      if (entry.interest & WRITABLE) this.#armWrite();
    }
  }

  readonly #onWaitFailed = (): void => {
    this.#readArmed = false;
    this.#writeArmed = false;
    const error = new SocketClosed(this.#closed ? 'the socket is closed' : 'the runtime shut down: its I/O driver is closed');
    for (const r of this.#receivers.splice(0)) r.waiter.fail(error);
    for (const s of this.#senders.splice(0)) s.waiter.fail(error);
    for (const w of this.#readyWaiters.splice(0)) w.waiter.fail(error);
  };

  constructor(fd: number, registration: Registration, v6: boolean) {
    this.#fd = fd;
    this.#registration = registration;
    this.#readWait = registration.readyCallback(READABLE, this.#onReadable, this.#onWaitFailed);
    this.#writeWait = registration.readyCallback(WRITABLE, this.#onWritable, this.#onWaitFailed);
    this.#v6 = v6;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** One recvfrom under cached readiness: EAGAIN when not ready; else length or -errno. */
  #tryRecvRaw(buf: Uint8Array, peek: boolean): number {
    const event = this.#registration.tryReadiness(READABLE);
    if (event === null) return EAGAIN;
    // An unnamed Unix sender leaves the address empty: clear the family of the last one.
    this.#from[0] = 0;
    this.#from[1] = 0;
    const n = sys.recvFrom(this.#fd, buf, 0, buf.length, this.#from, peek ? C.MSG_PEEK : 0);
    if (n === EAGAIN) this.#registration.clearReadiness(event);
    return n;
  }

  /** The sender of the datagram just received (the same object as last time when it repeats). */
  #sender(): RawAddress {
    const from = this.#from;
    const last = this.#lastFromBytes;
    // IPv4 and IPv6 sockaddrs fit in 28 bytes; Unix senders are decoded every time.
    if (this.#lastFrom !== null && (from[0] !== 1 || from[1] !== 0)) {
      let same = true;
      for (let i = 0; i < 28; i++) {
        if (from[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#lastFrom;
    }
    const decoded = decodeRaw(from, 128);
    if ('ip' in decoded) {
      from.copy(last, 0, 0, 28);
      this.#lastFrom = decoded;
    }
    return decoded;
  }

  #trySendRaw(buf: Uint8Array, to: RawAddress | null): number {
    const event = this.#registration.tryReadiness(WRITABLE);
    if (event === null) return EAGAIN;
    let n: number;
    if (to === null) n = sys.sendTo(this.#fd, buf, 0, buf.length, null);
    else {
      if (to !== this.#lastTo) {
        this.#lastToLength = encodeSocketAddress('ip' in to ? ipAddress(to.ip, to.port) : { family: 'unix', path: to.path }, this.#to);
        this.#lastTo = to;
      }
      n = sys.sendToEncoded(this.#fd, buf, 0, buf.length, this.#to, this.#lastToLength);
    }
    if (n === EAGAIN) this.#registration.clearReadiness(event);
    return n;
  }

  #armRead(): void {
    if (this.#readArmed || this.#closed) return;
    this.#readArmed = true;
    if (this.#arm(this.#readWait)) queueMicrotask(this.#onReadable);
  }

  #armWrite(): void {
    if (this.#writeArmed || this.#closed) return;
    this.#writeArmed = true;
    if (this.#arm(this.#writeWait)) queueMicrotask(this.#onWritable);
  }

  /** Arms a wait; true when the fd is ready already (the caller serves on a microtask). */
  #arm(wait: ReadyCallback): boolean {
    return armWait(wait, this.#onWaitFailed);
  }

  #serveReceivers(): void {
    const list = this.#receivers;
    while (list.length > 0) {
      const r = list[0]!;
      if (r.waiter.settled) {
        list.shift();
        continue;
      }
      const n = this.#tryRecvRaw(r.buf, r.peek);
      if (n === EAGAIN) break;
      list.shift();
      if (n < 0) r.waiter.fail(osError(n, 'recvfrom'));
      else {
        try {
          r.waiter.wake({ length: n, from: this.#sender() });
        } catch (error) {
          r.waiter.fail(error);
        }
      }
    }
    if (list.length > 0) this.#armRead();
  }

  #serveSenders(): void {
    const list = this.#senders;
    while (list.length > 0) {
      const s = list[0]!;
      if (s.waiter.settled) {
        list.shift();
        continue;
      }
      let n: number;
      try {
        n = this.#trySendRaw(s.buf, s.to);
      } catch (error) {
        list.shift();
        s.waiter.fail(error);
        continue;
      }
      if (n === EAGAIN) break;
      list.shift();
      if (n >= 0) s.waiter.wake(n);
      else s.waiter.fail(osError(n, 'sendto'));
    }
    if (list.length > 0) this.#armWrite();
  }

  recvFrom(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<Received> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    if (this.#receivers.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.recvFrom, buf, peek, options);
      try {
        throwIfCancelled(options);
      } catch (error) {
        return Promise.reject(error);
      }
      const n = this.#tryRecvRaw(buf, peek);
      if (n !== EAGAIN) return n >= 0 ? Promise.resolve({ length: n, from: this.#sender() }) : Promise.reject(osError(n, 'recvfrom'));
    }
    return tryPark(() => {
      const { waiter, promise } = park<Received>(peek ? 'UdpSocket.peek' : 'UdpSocket.recv', (w) => {
        const i = this.#receivers.findIndex((r) => r.waiter === w);
        if (i >= 0) this.#receivers.splice(i, 1);
      }, options);
      this.#receivers.push({ waiter, buf, peek });
      this.#armRead();
      return promise;
    });
  }

  tryRecvFrom(buf: Uint8Array): Received {
    if (this.#closed) throw new SocketClosed();
    const n = this.#receivers.length > 0 ? EAGAIN : this.#tryRecvRaw(buf, false);
    if (n === EAGAIN) throw new WouldBlock('recvfrom');
    return { length: check(n, 'recvfrom'), from: this.#sender() };
  }

  sendTo(buf: Uint8Array, to: RawAddress | null, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    if (this.#senders.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.sendTo, buf, to, options);
      try {
        throwIfCancelled(options);
        const n = this.#trySendRaw(buf, to);
        if (n !== EAGAIN) return n >= 0 ? Promise.resolve(n) : Promise.reject(osError(n, to === null ? 'send' : 'sendto'));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return tryPark(() => {
      const { waiter, promise } = park<number>('UdpSocket.send', (w) => {
        const i = this.#senders.findIndex((s) => s.waiter === w);
        if (i >= 0) this.#senders.splice(i, 1);
      }, options);
      this.#senders.push({ waiter, buf, to });
      this.#armWrite();
      return promise;
    });
  }

  trySendTo(buf: Uint8Array, to: RawAddress | null): number {
    if (this.#closed) throw new SocketClosed();
    const n = this.#senders.length > 0 ? EAGAIN : this.#trySendRaw(buf, to);
    if (n === EAGAIN) throw new WouldBlock('sendto');
    return check(n, to === null ? 'send' : 'sendto');
  }

  ready(interest: number, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    const found = this.#found(interest);
    return tryPark(() => {
      if (found !== 0) {
        throwIfCancelled(options);
        return Promise.resolve(found);
      }
      const { waiter, promise } = park<number>('UdpSocket.ready', (w) => {
        const i = this.#readyWaiters.findIndex((entry) => entry.waiter === w);
        if (i >= 0) this.#readyWaiters.splice(i, 1);
      }, options);
      this.#readyWaiters.push({ waiter, interest });
      if (interest & READABLE) this.#armRead();
      if (interest & WRITABLE) this.#armWrite();
      return promise;
    });
  }

  connect(to: RawAddress): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    const r = sys.connect(this.#fd, 'ip' in to ? ipAddress(to.ip, to.port) : { family: 'unix', path: to.path });
    if (r < 0) return Promise.reject(osError(r, 'connect', 'ip' in to ? { address: to.ip, port: to.port } : { address: to.path }));
    this.#peer = 'ip' in to ? { ip: to.ip, port: to.port } : { path: to.path };
    return Promise.resolve();
  }

  localAddress(): RawAddress {
    if (this.#closed) throw new SocketClosed();
    return (this.#local ??= localAddressOf(this.#fd));
  }

  /** @internal For socketpair ends: connected from birth. */
  markConnected(peer: RawAddress): void {
    this.#peer = peer;
  }

  peerAddress(): RawAddress | null {
    if (this.#closed) throw new SocketClosed();
    return this.#peer;
  }

  #set(level: number, name: number, value: number): void {
    if (this.#closed) throw new SocketClosed();
    check(sys.setSocketOption(this.#fd, level, name, value), 'setsockopt');
  }

  setBroadcast(flag: boolean): void {
    this.#set(C.SOL_SOCKET, SO_BROADCAST, flag ? 1 : 0);
  }

  setTtl(ttl: number): void {
    if (this.#v6) this.#set(C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, ttl);
    else this.#set(C.IPPROTO_IP, C.IP_TTL, ttl);
  }

  setMulticastTtl(ttl: number): void {
    if (this.#v6) this.#set(C.IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
    else this.#set(C.IPPROTO_IP, IP_MULTICAST_TTL, ttl);
  }

  setMulticastLoop(flag: boolean): void {
    if (this.#v6) this.#set(C.IPPROTO_IPV6, IPV6_MULTICAST_LOOP, flag ? 1 : 0);
    else this.#set(C.IPPROTO_IP, IP_MULTICAST_LOOP, flag ? 1 : 0);
  }

  #membership(group: string, iface: string | undefined, join: boolean): void {
    if (this.#closed) throw new SocketClosed();
    const r = isIPv6(group)
      ? sys.setMulticastMembershipV6(this.#fd, group, 0, join)
      : sys.setMulticastMembershipV4(this.#fd, group, iface ?? '0.0.0.0', join);
    check(r, 'setsockopt');
  }

  joinMulticast(group: string, iface: string | undefined): void {
    this.#membership(group, iface, true);
  }

  leaveMulticast(group: string, iface: string | undefined): void {
    this.#membership(group, iface, false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new SocketClosed();
    for (const r of this.#receivers.splice(0)) r.waiter.fail(error);
    for (const s of this.#senders.splice(0)) s.waiter.fail(error);
    for (const w of this.#readyWaiters.splice(0)) w.waiter.fail(error);
    try {
      this.#registration.deregister();
    } catch {
      // The reactor already closed.
    }
    sys.close(this.#fd);
  }
}

export function bindNativeUdp(ip: string, port: number, options: { reuseAddress: boolean; ipv6Only: boolean }): Promise<DatagramHandle> {
  return tryPark(() => {
    const io = currentIo();
    const v6 = isIPv6(ip);
    const fd = check(sys.socket(v6 ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM), 'socket');
    try {
      if (options.reuseAddress) check(sys.setSocketOption(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 1), 'setsockopt');
      if (v6) check(sys.setSocketOption(fd, C.IPPROTO_IPV6, C.IPV6_V6ONLY, options.ipv6Only ? 1 : 0), 'setsockopt');
      check(sys.bind(fd, ipAddress(ip, port)), 'bind', { address: ip, port });
      return Promise.resolve(new NativeUdp(fd, io.reactor.register(fd, READABLE | WRITABLE), v6));
    } catch (error) {
      sys.close(fd);
      throw error;
    }
  });
}

/** A Unix datagram socket bound to `path` (or unbound for null). */
export function bindNativeUnixDatagram(path: string | null): DatagramHandle {
  const io = currentIo();
  const fd = check(sys.socket(C.AF_UNIX, C.SOCK_DGRAM), 'socket');
  try {
    if (path !== null) check(sys.bind(fd, { family: 'unix', path }), 'bind', { address: path });
    return new NativeUdp(fd, io.reactor.register(fd, READABLE | WRITABLE), false);
  } catch (error) {
    sys.close(fd);
    throw error;
  }
}

/** A connected pair of unnamed Unix datagram sockets. */
export function pairNativeUnixDatagram(): [DatagramHandle, DatagramHandle] {
  const io = currentIo();
  const fds = new Int32Array(2);
  check(sys.socketPair(C.AF_UNIX, C.SOCK_DGRAM, fds), 'socketpair');
  const make = (fd: number): NativeUdp => {
    const handle = new NativeUdp(fd, io.reactor.register(fd, READABLE | WRITABLE), false);
    handle.markConnected({ path: '' });
    return handle;
  };
  return [make(fds[0]!), make(fds[1]!)];
}
