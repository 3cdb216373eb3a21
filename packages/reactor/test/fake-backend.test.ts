import { FakeBackend, Interest, Reactor, Ready } from '@rt/reactor';
import { backendContract } from './backend-contract.js';
import type { Harness } from './backend-contract.js';

function fakeHarness(): Harness {
  const backend = new FakeBackend();
  const reactor = new Reactor({ backend });
  let nextFd = 100;
  // A scripted socket: bytes queued per fd; reads drain them.
  const buffered = new Map<number, number>();
  return {
    reactor,
    pair: () => [nextFd++, nextFd++],
    send: (a) => {
      buffered.set(a, (buffered.get(a) ?? 0) + 1);
      backend.push(a, Ready.READABLE);
    },
    sendAndFinish: (a) => {
      buffered.set(a, (buffered.get(a) ?? 0) + 1);
      backend.push(a, Ready.READABLE | Ready.READ_CLOSED);
    },
    hangUp: (a) => backend.push(a, Ready.READ_CLOSED | Ready.WRITE_CLOSED),
    deliver: () => void backend.flush(),
    read: (a) => {
      const n = buffered.get(a) ?? 0;
      buffered.delete(a);
      return n > 0 ? n : -11;
    },
    cleanup: () => reactor.close(),
  };
}

backendContract('FakeBackend', fakeHarness);

describe('FakeBackend', () => {
  it('records registrations and refuses duplicates and unknown fds with errno codes', () => {
    const backend = new FakeBackend();
    backend.register(3, 1, Interest.READABLE);
    expect(backend.registrations.get(3)).toEqual({ token: 1, interest: Interest.READABLE });
    expect(() => backend.register(3, 2, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    backend.reregister(3, 2, Interest.WRITABLE);
    expect(() => backend.reregister(4, 2, Interest.WRITABLE)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    backend.deregister(3);
    expect(() => backend.deregister(3)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => backend.push(3, Ready.READABLE)).toThrow(RangeError);
    backend.close();
    expect(() => backend.register(5, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('delivers nothing when nothing is queued', () => {
    const backend = new FakeBackend();
    const reactor = new Reactor({ backend });
    expect(backend.flush()).toBe(0);
    expect(reactor.metrics().batches).toBe(0);
    reactor.close();
    expect(backend.closed).toBe(true);
  });
});
