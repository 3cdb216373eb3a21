// UDP on Node's `dgram` for the fallback driver. Datagrams are queued as Node delivers them
// (Node cannot pause a UDP socket); past MAX_QUEUED the oldest-first queue stops growing and
// new datagrams are dropped, as the kernel drops them when its receive buffer is full, and
// counted in `dropped`.
import type { Socket } from 'node:dgram';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { retryAfter } from '@rt/scheduler/primitives';
import { NetError, SocketClosed, WouldBlock, toNetError } from '../errors.js';
import { READABLE, WRITABLE } from './driver.js';
import type { DatagramHandle, RawAddress } from './driver.js';
import { stripZone } from './fallback-stream.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIPv6 } = process.getBuiltinModule('node:net');
// node:dgram when the first socket is bound.

const MAX_QUEUED = 4096;

interface Receiver {
  waiter: Waiter<{ length: number; from: RawAddress }>;
  buf: Uint8Array | null;
  peek: boolean;
}

interface Datagram {
  data: Buffer;
  from: RawAddress;
}

class FallbackUdp implements DatagramHandle {
  readonly driver = 'fallback' as const;
  readonly #socket: Socket;
  readonly #queue: Datagram[] = [];
  readonly #receivers: Receiver[] = [];
  readonly #local: RawAddress;
  #peer: RawAddress | null = null;
  #closed = false;
  #error: Error | undefined;
  dropped = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
    const a = socket.address();
    this.#local = { ip: stripZone(a.address), port: a.port };
    socket.on('message', (data: Buffer, rinfo) => {
      if (this.#queue.length >= MAX_QUEUED) {
        this.dropped++;
        return;
      }
      this.#queue.push({ data, from: { ip: stripZone(rinfo.address), port: rinfo.port } });
      this.#serve();
    });
    socket.on('error', (error: Error) => {
      this.#error = toNetError(error, 'recvfrom');
      this.#serve();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #ready(): boolean {
    return this.#queue.length > 0 || this.#error !== undefined || this.#closed;
  }

  #recvNow(buf: Uint8Array, peek: boolean): { length: number; from: RawAddress } {
    if (this.#closed) throw new SocketClosed();
    const d = peek ? this.#queue[0] : this.#queue.shift();
    if (d === undefined) {
      const error = this.#error!;
      this.#error = undefined;
      throw error;
    }
    const n = Math.min(buf.length, d.data.length);
    buf.set(n === d.data.length ? d.data : d.data.subarray(0, n));
    return { length: n, from: d.from };
  }

  #serve(): void {
    while (this.#receivers.length > 0 && this.#ready()) {
      const r = this.#receivers.shift()!;
      if (r.waiter.settled) continue;
      if (r.buf === null) {
        r.waiter.wake({ length: 0, from: this.#local });
        continue;
      }
      try {
        r.waiter.wake(this.#recvNow(r.buf, r.peek));
      } catch (error) {
        r.waiter.fail(error);
      }
    }
  }

  recvFrom(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<{ length: number; from: RawAddress }> {
    if (this.#ready() && this.#receivers.length === 0) {
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.recvFrom, buf, peek, options);
      throwIfCancelled(options);
      try {
        return Promise.resolve(this.#recvNow(buf, peek));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const { waiter, promise } = park<{ length: number; from: RawAddress }>(peek ? 'UdpSocket.peek' : 'UdpSocket.recv', (w) => {
      const i = this.#receivers.findIndex((r) => r.waiter === w);
      if (i >= 0) this.#receivers.splice(i, 1);
    }, options);
    this.#receivers.push({ waiter, buf, peek });
    return promise;
  }

  tryRecvFrom(buf: Uint8Array): { length: number; from: RawAddress } {
    if (!this.#ready()) throw new WouldBlock('recvfrom');
    return this.#recvNow(buf, false);
  }

  sendTo(buf: Uint8Array, to: RawAddress | null, options: WaitOptions | undefined): Promise<number> {
    const y = coop();
    if (y !== undefined) return retryAfter(y, this, this.sendTo, buf, to, options);
    throwIfCancelled(options);
    if (this.#closed) return Promise.reject(new SocketClosed());
    // Once handed to dgram the datagram is sent: the operation is complete for cancellation.
    const copy = Buffer.from(buf);
    return new Promise<number>((resolve, reject) => {
      const done = (error: Error | null): void => (error ? reject(toNetError(error, 'sendto')) : resolve(copy.length));
      if (to === null) {
        if (this.#peer === null) {
          reject(new NetError('EDESTADDRREQ', 'send', 'send: the socket is not connected (use sendTo or connect first)'));
          return;
        }
        this.#socket.send(copy, done);
      } else if ('ip' in to) this.#socket.send(copy, to.port, to.ip, done);
      else reject(new TypeError('sendTo: a UDP socket needs an IP address'));
    });
  }

  trySendTo(buf: Uint8Array, to: RawAddress | null): number {
    if (this.#closed) throw new SocketClosed();
    const copy = Buffer.from(buf);
    const noop = (): void => {};
    if (to === null) {
      if (this.#peer === null) throw new NetError('EDESTADDRREQ', 'send', 'send: the socket is not connected');
      this.#socket.send(copy, noop);
    } else if ('ip' in to) this.#socket.send(copy, to.port, to.ip, noop);
    return copy.length;
  }

  ready(interest: number, options: WaitOptions | undefined): Promise<number> {
    const found = (interest & READABLE && this.#ready() ? READABLE : 0) | (interest & WRITABLE);
    if (found !== 0) {
      throwIfCancelled(options);
      return Promise.resolve(found);
    }
    const { waiter, promise } = park<{ length: number; from: RawAddress }>('UdpSocket.ready', (w) => {
      const i = this.#receivers.findIndex((r) => r.waiter === w);
      if (i >= 0) this.#receivers.splice(i, 1);
    }, options);
    this.#receivers.push({ waiter, buf: null, peek: false });
    return promise.then(() => READABLE);
  }

  connect(to: RawAddress): Promise<void> {
    if (!('ip' in to)) return Promise.reject(new TypeError('connect: a UDP socket needs an IP address'));
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(toNetError(error, 'connect'));
      this.#socket.once('error', onError);
      this.#socket.connect(to.port, to.ip, () => {
        this.#socket.off('error', onError);
        const r = this.#socket.remoteAddress();
        this.#peer = { ip: stripZone(r.address), port: r.port };
        resolve();
      });
    });
  }

  localAddress(): RawAddress {
    if (this.#closed) throw new SocketClosed();
    return this.#local;
  }

  peerAddress(): RawAddress | null {
    if (this.#closed) throw new SocketClosed();
    return this.#peer;
  }

  setBroadcast(flag: boolean): void {
    this.#socket.setBroadcast(flag);
  }

  setTtl(ttl: number): void {
    this.#socket.setTTL(ttl);
  }

  setMulticastTtl(ttl: number): void {
    this.#socket.setMulticastTTL(ttl);
  }

  setMulticastLoop(flag: boolean): void {
    this.#socket.setMulticastLoopback(flag);
  }

  joinMulticast(group: string, iface: string | undefined): void {
    try {
      this.#socket.addMembership(group, iface);
    } catch (error) {
      throw toNetError(error, 'setsockopt');
    }
  }

  leaveMulticast(group: string, iface: string | undefined): void {
    try {
      this.#socket.dropMembership(group, iface);
    } catch (error) {
      throw toNetError(error, 'setsockopt');
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new SocketClosed();
    for (const r of this.#receivers.splice(0)) r.waiter.fail(closed);
    this.#queue.length = 0;
    this.#socket.close();
  }
}

export function bindFallbackUdp(ip: string, port: number, options: { reuseAddress: boolean; ipv6Only: boolean }): Promise<DatagramHandle> {
  const socket = process.getBuiltinModule('node:dgram').createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4', reuseAddr: options.reuseAddress, ipv6Only: options.ipv6Only });
  return new Promise<DatagramHandle>((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(toNetError(error, 'bind'));
    };
    socket.once('error', onError);
    socket.bind({ address: ip, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(new FallbackUdp(socket));
    });
  });
}
