// Echo server on @rt/reactor and @rt/mio-native's raw syscalls (no @rt/net yet), for
// echo.bench.mjs. Prints its port, then serves until killed. Tokio's shape: one async task
// per connection, edge-triggered readiness, readiness cleared on EAGAIN or a short read,
// one 64 KiB buffer per connection (a partial write keeps the rest and stops reading until
// it drains: that is the backpressure).
import { constants, OsError, sys } from '@rt/mio-native';
import { Interest, Reactor } from '@rt/reactor';

const EAGAIN = -11;
const BUFFER = 64 * 1024;
const reactor = new Reactor();

const listener = OsError.check(sys.socket(constants.AF_INET, constants.SOCK_STREAM), 'socket');
sys.setSocketOption(listener, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1);
OsError.check(sys.bind(listener, { family: 'IPv4', address: '127.0.0.1', port: 0 }), 'bind');
OsError.check(sys.listen(listener, 1024), 'listen');
const address = Buffer.alloc(128);
sys.getSocketName(listener, address);
console.log(address.readUInt16BE(2));

async function serve(fd) {
  sys.setSocketOption(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
  const registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
  const buffer = Buffer.allocUnsafe(BUFFER);
  try {
    for (;;) {
      const event = await registration.readiness(Interest.READABLE);
      const n = sys.read(fd, buffer, 0, BUFFER);
      if (n === EAGAIN) {
        registration.clearReadiness(event);
        continue;
      }
      if (n <= 0) return;
      if (n < BUFFER) registration.clearReadiness(event); // short read: drained
      let offset = 0;
      while (offset < n) {
        const w = sys.write(fd, buffer, offset, n - offset);
        if (w >= 0) offset += w;
        else if (w === EAGAIN) {
          const writable = await registration.readiness(Interest.WRITABLE);
          const again = sys.write(fd, buffer, offset, n - offset);
          if (again === EAGAIN) registration.clearReadiness(writable);
          else if (again < 0) return;
          else offset += again;
        } else return;
      }
    }
  } finally {
    registration.deregister();
    sys.close(fd);
  }
}

async function acceptLoop() {
  const registration = reactor.register(listener, Interest.READABLE);
  const accepted = new Int32Array(64);
  for (;;) {
    const event = await registration.readiness(Interest.READABLE);
    const n = sys.accept(listener, accepted);
    if (n === EAGAIN) {
      registration.clearReadiness(event);
      continue;
    }
    OsError.check(n, 'accept');
    for (let i = 0; i < n; i++) void serve(accepted[i]);
  }
}

void acceptLoop();
