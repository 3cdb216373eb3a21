import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { available, constants, OsError, sys } from '@rt/mio-native';
import { ClosedError, Interest, NativeBackend, Reactor, Ready, ReadyEvent } from '@rt/reactor';
import { backendContract } from './backend-contract.js';
import { catchingMicrotaskThrows } from './microtask-throws.js';
import type { Harness } from './backend-contract.js';

const describeNative = available ? describe : describe.skip;
const openFds = (): number => readdirSync('/proc/self/fd').length;

function nativeHarness(): Harness {
  const backend = new NativeBackend();
  const reactor = new Reactor({ backend });
  const fds: number[] = [];
  const byte = Buffer.from('x');
  const scratch = Buffer.alloc(4096);
  return {
    reactor,
    pair: () => {
      const out = new Int32Array(2);
      OsError.check(sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out), 'socketpair');
      fds.push(out[0]!, out[1]!);
      return [out[0]!, out[1]!];
    },
    send: (_a, b) => void OsError.check(sys.write(b, byte), 'write'),
    sendAndFinish: (_a, b) => {
      OsError.check(sys.write(b, byte), 'write');
      OsError.check(sys.shutdown(b, 'write'), 'shutdown');
    },
    hangUp: (_a, b) => {
      sys.close(b);
      fds.splice(fds.indexOf(b), 1);
    },
    // The events are already queued in the kernel: a zero-timeout drain finds them.
    deliver: () => void backend.turn(0),
    read: (a) => sys.read(a, scratch),
    cleanup: () => {
      reactor.close();
      for (const fd of fds) sys.close(fd);
    },
  };
}

if (available) backendContract('NativeBackend', nativeHarness);

describeNative('NativeBackend', () => {
  it('runs the README example', async () => {
    const reactor = new Reactor();
    const pair = new Int32Array(2);
    sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair);
    const [a, b] = [pair[0]!, pair[1]!];
    const registration = reactor.register(a, Interest.READABLE | Interest.WRITABLE);
    const timer = setTimeout(() => sys.write(b, Buffer.from('hello')), 10);
    const buffer = Buffer.alloc(64);
    const n = await registration.io(Interest.READABLE, () => sys.read(a, buffer), { signal: AbortSignal.timeout(10_000) });
    clearTimeout(timer);
    expect(buffer.toString('utf8', 0, n)).toBe('hello');
    registration.deregister();
    sys.close(a);
    sys.close(b);
    reactor.close();
  });

  it('accepts connections and reports a refused connect as an error, as @rt/net will use it', async () => {
    const reactor = new Reactor();
    const listener = OsError.check(sys.socket(constants.AF_INET, constants.SOCK_STREAM), 'socket');
    OsError.check(sys.bind(listener, { family: 'IPv4', address: '127.0.0.1', port: 0 }), 'bind');
    OsError.check(sys.listen(listener, 16), 'listen');
    const address = Buffer.alloc(128);
    sys.getSocketName(listener, address);
    const port = address.readUInt16BE(2);
    const listening = reactor.register(listener, Interest.READABLE);
    const accepted = new Int32Array(8);
    const pending = listening.io(Interest.READABLE, () => sys.accept(listener, accepted));
    const client = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    expect([0, -115]).toContain(sys.connect(client, { family: 'IPv4', address: '127.0.0.1', port }));
    const connecting = reactor.register(client, Interest.READABLE | Interest.WRITABLE);
    await connecting.readiness(Interest.WRITABLE);
    expect(sys.takeError(client)).toBe(0);
    expect(await pending).toBe(1);
    sys.close(accepted[0]!);

    listening.deregister();
    sys.close(listener);
    const refused = sys.socket(constants.AF_INET, constants.SOCK_STREAM);
    const r = sys.connect(refused, { family: 'IPv4', address: '127.0.0.1', port });
    if (r === -115) {
      const registration = reactor.register(refused, Interest.READABLE | Interest.WRITABLE);
      const event = await registration.readiness(Interest.WRITABLE | Interest.ERROR);
      expect(ReadyEvent.ready(event) & (Ready.ERROR | Ready.WRITE_CLOSED)).not.toBe(0);
      expect(sys.takeError(refused)).toBe(-111); // ECONNREFUSED
      registration.deregister();
    } else {
      expect(r).toBe(-111);
    }
    connecting.deregister();
    sys.close(client);
    sys.close(refused);
    reactor.close();
  });

  it('leaks no fds across reactors, registrations and waits', async () => {
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const h = nativeHarness();
      const [a, b] = h.pair();
      const registration = h.reactor.register(a, Interest.READABLE | Interest.WRITABLE);
      await registration.readiness(Interest.WRITABLE);
      h.send(a, b);
      h.deliver();
      await registration.readiness(Interest.READABLE);
      registration.deregister();
      h.cleanup();
    }
    expect(openFds()).toBeLessThanOrEqual(before); // Node may close fds of its own meanwhile; never open ours
  });

  it('reports EBADF when an fd was closed before it was deregistered, and still forgets it', () => {
    const reactor = new Reactor();
    const out = new Int32Array(2);
    sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out);
    const registration = reactor.register(out[0]!, Interest.READABLE);
    sys.close(out[0]!);
    expect(() => registration.deregister()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(reactor.metrics().registered).toBe(0);
    sys.close(out[1]!);
    reactor.close();
  });

  it('close() with an fd closed before it was deregistered: no throw, nothing reported, its wait rejected with ClosedError', async () => {
    const reactor = new Reactor();
    const out = new Int32Array(2);
    sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out);
    const registration = reactor.register(out[0]!, Interest.READABLE);
    const rejected = expect(registration.readiness(Interest.READABLE)).rejects.toBeInstanceOf(ClosedError);
    sys.close(out[0]!);
    // The backend's EBADF is ignored at close() (the backend is closed next); only a wait's
    // failing release is reported (release-throws.test.ts).
    expect(await catchingMicrotaskThrows(() => reactor.close())).toEqual([]);
    await rejected;
    expect(reactor.metrics()).toMatchObject({ registered: 0, waiters: 0 });
    sys.close(out[1]!);
  });

  it('does not keep the process alive when idle, and does while a task waits', () => {
    // Child processes on the built packages: the libuv handle's ref count is only visible
    // as whether the process exits by itself.
    const cwd = join(__dirname, '..');
    const prelude = `import { Reactor, Interest } from '@rt/reactor'; import { sys, constants } from '@rt/mio-native';
      const reactor = new Reactor(); const out = new Int32Array(2); sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out);
      const registration = reactor.register(out[0], Interest.READABLE);`;
    const idle = spawnSync(process.execPath, ['--input-type=module', '-e', `${prelude} console.log('idle');`], { cwd, encoding: 'utf8', timeout: 15_000 });
    expect(idle.stdout.trim()).toBe('idle');
    expect(idle.signal).toBeNull();
    // A waiter keeps the process alive until a timer makes the fd readable; then it exits.
    const waiting = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `${prelude} setTimeout(() => sys.write(out[1], Buffer.from('x')), 50).unref();
        await registration.readiness(Interest.READABLE); console.log('woken', reactor.metrics().waiters);`],
      { cwd, encoding: 'utf8', timeout: 15_000 },
    );
    expect(waiting.stderr).toBe('');
    expect(waiting.stdout.trim()).toBe('woken 0');
  });

  it('delivers events through the libuv poll handle without an explicit turn', async () => {
    const reactor = new Reactor({ backend: new NativeBackend({ batchSize: 2 }) });
    const out = new Int32Array(2);
    const pairs = Array.from({ length: 5 }, () => {
      sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, out);
      return [out[0]!, out[1]!] as const;
    });
    const registrations = pairs.map(([a]) => reactor.register(a, Interest.READABLE));
    const waits = registrations.map((r) => r.readiness(Interest.READABLE));
    for (const [, b] of pairs) sys.write(b, Buffer.from('x'));
    await Promise.all(waits);
    expect(reactor.metrics().batches).toBeGreaterThanOrEqual(3);
    expect(reactor.metrics().events).toBe(5);
    reactor.close();
    for (const [a, b] of pairs) {
      sys.close(a);
      sys.close(b);
    }
  });
});
