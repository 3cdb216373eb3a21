// TcpSocket on the fallback driver: Node's `net` creates the fd only at connect/listen, so
// options are recorded and applied there. Node can bind a connecting socket (localAddress,
// localPort) and always sets SO_REUSEADDR on listening sockets; it has no SO_REUSEPORT (on
// Node 20) nor TCP buffer sizes: those throw ENOTSUP.
import type { Socket } from 'node:net';
import { park } from '@rt/scheduler';
import type { WaitOptions } from '@rt/scheduler';
import { NetError, SocketClosed, toNetError } from '../errors.js';
import type { ListenerHandle, RawAddress, StreamHandle, TcpSocketHandle, TcpSocketOption } from './driver.js';
import { tryPark } from '@rt/scheduler/primitives';
import { FallbackStream } from './fallback-stream.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { connect: netConnect } = process.getBuiltinModule('node:net');

export class FallbackTcpSocket implements TcpSocketHandle {
  readonly driver = 'fallback' as const;
  readonly #family: 'IPv4' | 'IPv6';
  readonly #options: Partial<Record<TcpSocketOption, number>> = { reuseAddress: 0, noDelay: 0, keepAlive: 0 };
  #bound: { ip: string; port: number } | undefined;
  #used = false;

  constructor(family: 'IPv4' | 'IPv6', private readonly listenServer: (ip: string, port: number, backlog: number) => Promise<ListenerHandle>) {
    this.#family = family;
  }

  #check(): void {
    if (this.#used) throw new SocketClosed('the TcpSocket was closed or already used by connect/listen');
  }

  setOption(name: TcpSocketOption, value: number): void {
    this.#check();
    if (name === 'reusePort' || name === 'sendBufferSize' || name === 'recvBufferSize') {
      throw new NetError('ENOTSUP', 'setsockopt', `TcpSocket: ${name} is not supported by the fallback driver (Node net)`);
    }
    this.#options[name] = value;
  }

  getOption(name: TcpSocketOption): number {
    this.#check();
    const value = this.#options[name];
    if (value === undefined) throw new NetError('ENOTSUP', 'getsockopt', `TcpSocket: ${name} is not supported by the fallback driver (Node net)`);
    return value;
  }

  bind(ip: string, port: number): void {
    this.#check();
    this.#bound = { ip, port };
  }

  localAddress(): RawAddress {
    this.#check();
    if (this.#bound === undefined) return { ip: this.#family === 'IPv6' ? '::' : '0.0.0.0', port: 0 };
    return this.#bound;
  }

  connect(ip: string, port: number, options: WaitOptions | undefined): Promise<StreamHandle> {
    return tryPark(() => {
      this.#check();
      this.#used = true;
      const pending: { socket?: Socket } = {};
      const { waiter, promise } = park<StreamHandle>('TcpSocket.connect', () => pending.socket?.destroy(), options);
      const s = netConnect({
        host: ip,
        port,
        allowHalfOpen: true,
        noDelay: this.#options.noDelay === 1,
        keepAlive: this.#options.keepAlive === 1,
        ...(this.#bound === undefined ? {} : { localAddress: this.#bound.ip, localPort: this.#bound.port }),
      });
      pending.socket = s;
      const onError = (error: Error): void => {
        s.destroy();
        waiter.fail(toNetError(error, 'connect'));
      };
      s.once('error', onError);
      s.once('connect', () => {
        s.off('error', onError);
        if (!waiter.wake(new FallbackStream(s, null))) s.destroy();
      });
      return promise;
    });
  }

  listen(backlog: number): Promise<ListenerHandle> {
    return tryPark(() => {
      this.#check();
      this.#used = true;
      const bound = this.#bound ?? { ip: this.#family === 'IPv6' ? '::' : '0.0.0.0', port: 0 };
      return this.listenServer(bound.ip, bound.port, backlog);
    });
  }

  close(): void {
    this.#used = true;
  }
}

