// A TCP listener on 127.0.0.1 (any port) driven by raw @rt/reactor readiness and
// @rt/mio-native syscalls, for the echo servers that measure the layers below TcpStream
// (echo-rt-server.mjs, echo-ladder-servers.mjs). Prints the port on stdout, then hands every
// accepted fd (TCP_NODELAY set) to `onAccept` until the process is killed.
import { constants, OsError, sys } from '@rt/mio-native';
import { Interest } from '@rt/reactor';

const EAGAIN = -11;

export function listenRaw(reactor, onAccept) {
  const listener = OsError.check(sys.socket(constants.AF_INET, constants.SOCK_STREAM), 'socket');
  sys.setSocketOption(listener, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1);
  OsError.check(sys.bind(listener, { family: 'IPv4', address: '127.0.0.1', port: 0 }), 'bind');
  OsError.check(sys.listen(listener, 1024), 'listen');
  const address = Buffer.alloc(128);
  sys.getSocketName(listener, address);
  console.log(address.readUInt16BE(2));
  const registration = reactor.register(listener, Interest.READABLE);
  const accepted = new Int32Array(64);
  void (async () => {
    for (;;) {
      const event = await registration.readiness(Interest.READABLE);
      const n = sys.accept(listener, accepted);
      if (n === EAGAIN) {
        registration.clearReadiness(event);
        continue;
      }
      OsError.check(n, 'accept');
      for (let i = 0; i < n; i++) {
        sys.setSocketOption(accepted[i], constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
        onAccept(accepted[i]);
      }
    }
  })();
}
