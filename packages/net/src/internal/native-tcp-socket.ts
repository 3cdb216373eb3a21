// TcpSocket on the native driver: a real socket fd from creation, so every option is a
// setsockopt before bind/connect/listen, as in Tokio.
import { constants, sys } from '@rt/mio-native';
import type { WaitOptions } from '@rt/scheduler';
import { SocketClosed } from '../errors.js';
import type { ListenerHandle, RawAddress, StreamHandle, TcpSocketHandle, TcpSocketOption } from './driver.js';
import { C, check, ipAddress, localAddressOf } from './native-io.js';

const options: Record<TcpSocketOption, [number, number]> = {
  reuseAddress: [C.SOL_SOCKET, C.SO_REUSEADDR],
  reusePort: [C.SOL_SOCKET, constants['SO_REUSEPORT']!],
  sendBufferSize: [C.SOL_SOCKET, constants['SO_SNDBUF']!],
  recvBufferSize: [C.SOL_SOCKET, constants['SO_RCVBUF']!],
  noDelay: [C.IPPROTO_TCP, C.TCP_NODELAY],
  keepAlive: [C.SOL_SOCKET, C.SO_KEEPALIVE],
};

export class NativeTcpSocket implements TcpSocketHandle {
  readonly driver = 'native' as const;
  #fd: number;

  constructor(
    family: 'IPv4' | 'IPv6',
    private readonly connectFd: (fd: number, ip: string, port: number, options: WaitOptions | undefined) => Promise<StreamHandle>,
    private readonly listenFd: (fd: number, backlog: number) => ListenerHandle,
  ) {
    this.#fd = check(sys.socket(family === 'IPv6' ? C.AF_INET6 : C.AF_INET, C.SOCK_STREAM), 'socket');
  }

  #take(): number {
    const fd = this.#fd;
    if (fd < 0) throw new SocketClosed('the TcpSocket was closed or already used by connect/listen');
    return fd;
  }

  setOption(name: TcpSocketOption, value: number): void {
    const [level, option] = options[name];
    check(sys.setSocketOption(this.#take(), level, option, value), 'setsockopt');
  }

  getOption(name: TcpSocketOption): number {
    const [level, option] = options[name];
    return check(sys.getSocketOption(this.#take(), level, option), 'getsockopt');
  }

  bind(ip: string, port: number): void {
    check(sys.bind(this.#take(), ipAddress(ip, port)), 'bind', { address: ip, port });
  }

  localAddress(): RawAddress {
    return localAddressOf(this.#take());
  }

  connect(ip: string, port: number, waitOptions: WaitOptions | undefined): Promise<StreamHandle> {
    let fd: number;
    try {
      fd = this.#take();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#fd = -1;
    return this.connectFd(fd, ip, port, waitOptions);
  }

  listen(backlog: number): Promise<ListenerHandle> {
    try {
      const fd = this.#take();
      this.#fd = -1;
      return Promise.resolve(this.listenFd(fd, backlog));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    if (this.#fd >= 0) sys.close(this.#fd);
    this.#fd = -1;
  }
}
