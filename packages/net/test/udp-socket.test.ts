import { Cancelled, coop, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { NetError, SocketClosed, UdpSocket, WouldBlock } from '@rt/net';
import { drivers } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array, n: number): string => Buffer.from(b.subarray(0, n)).toString();

describe.each(drivers)('UdpSocket (%s driver)', (driver) => {
  it('sends and receives datagrams with sendTo/recvFrom', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    expect(await a.sendTo(text('ping'), b.localAddr())).toBe(4);
    const buf = new Uint8Array(64);
    const [n, from] = await b.recvFrom(buf);
    expect(str(buf, n)).toBe('ping');
    expect(from.toString()).toBe(a.localAddr().toString());
    await b.sendTo(buf.subarray(0, n), from);
    expect(str(buf, await a.recv(buf))).toBe('ping');
    expect(a.driver).toBe(driver);
  });

  it('receives a burst of datagrams in order with concurrent receivers, none lost', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    const count = 100;
    const seen: number[] = [];
    const receivers = Array.from({ length: 4 }, async () => {
      const buf = new Uint8Array(8);
      while (seen.length < count) {
        const n = await b.recv(buf);
        seen.push(Number(str(buf, n)));
      }
    });
    for (let i = 0; i < count; i++) {
      await a.sendTo(text(String(i)), b.localAddr());
      // Let the receivers drain now and then: a datagram beyond the kernel buffer is dropped.
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    for (let turn = 0; seen.length < count && turn < 10_000; turn++) await new Promise((r) => setImmediate(r));
    b.close();
    await Promise.allSettled(receivers);
    expect(seen.slice(0, count)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('reports the right sender when senders alternate', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using r = await UdpSocket.bind('127.0.0.1:0', { driver });
    const buf = new Uint8Array(8);
    for (let i = 0; i < 6; i++) {
      const from = i % 3 === 2 ? a : i % 2 === 0 ? a : b;
      await from.sendTo(text(String(i)), r.localAddr());
      const [n, sender] = await r.recvFrom(buf);
      expect(str(buf, n)).toBe(String(i));
      expect(sender.port).toBe(from.localAddr().port);
      // Replying to the reported address reaches the right socket.
      await r.sendTo(text('ok'), sender);
      expect(str(buf, await from.recv(buf))).toBe('ok');
    }
  });

  it('works over IPv6 loopback', async () => {
    await using a = await UdpSocket.bind('[::1]:0', { driver });
    await using b = await UdpSocket.bind({ host: '::1', port: 0 }, { driver });
    await a.sendTo(text('v6'), b.localAddr());
    const buf = new Uint8Array(8);
    const [n, from] = await b.recvFrom(buf);
    expect(str(buf, n)).toBe('v6');
    expect(from.family).toBe('IPv6');
  });

  it('send/recv after connect, peerAddr, and EDESTADDRREQ before connect', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    await expect(a.send(text('x'))).rejects.toBeInstanceOf(NetError);
    expect(() => a.peerAddr()).toThrow(NetError);
    await a.connect(b.localAddr());
    expect(a.peerAddr().toString()).toBe(b.localAddr().toString());
    await a.send(text('hello'));
    const buf = new Uint8Array(3);
    // Truncated to the buffer.
    expect(await b.recv(buf)).toBe(3);
    expect(str(buf, 3)).toBe('hel');
  });

  it('peeks without consuming', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    await a.sendTo(text('one'), b.localAddr());
    await a.sendTo(text('two'), b.localAddr());
    const buf = new Uint8Array(8);
    const [n] = await b.peekFrom(buf);
    expect(str(buf, n)).toBe('one');
    expect(str(buf, await b.peek(buf))).toBe('one');
    expect(str(buf, await b.recv(buf))).toBe('one');
    expect(str(buf, await b.recv(buf))).toBe('two');
  });

  it('loses no datagram when a receive is aborted', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    const controller = new AbortController();
    const parked = track(b.recv(new Uint8Array(8), { signal: controller.signal }));
    await settle();
    expect(parked.isPending()).toBe(true);
    controller.abort();
    await settle();
    expect(parked.error).toBeInstanceOf(Cancelled);
    await a.sendTo(text('kept'), b.localAddr());
    const buf = new Uint8Array(8);
    expect(str(buf, await b.recv(buf))).toBe('kept');
  });

  it('tryRecv throws WouldBlock when empty and reads after readable()', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    const buf = new Uint8Array(8);
    expect(() => b.tryRecv(buf)).toThrow(WouldBlock);
    await a.writable();
    a.trySendTo(text('now'), b.localAddr());
    await b.readable();
    const [n, from] = b.tryRecvFrom(buf);
    expect(str(buf, n)).toBe('now');
    expect(from.port).toBe(a.localAddr().port);
    await b.writable();
  });

  it('fails parked receives with SocketClosed on close', async () => {
    const b = await UdpSocket.bind('127.0.0.1:0', { driver });
    const parked = track(b.recv(new Uint8Array(8)));
    await settle();
    b.close();
    await settle();
    expect(parked.error).toBeInstanceOf(SocketClosed);
    await expect(b.recv(new Uint8Array(8))).rejects.toBeInstanceOf(SocketClosed);
  });

  it('joins and leaves a multicast group, and says typed when it is not a member', async () => {
    await using r = await UdpSocket.bind('0.0.0.0:0', { driver });
    r.joinMulticast('239.255.0.7', '127.0.0.1');
    r.setMulticastLoop(true);
    r.setMulticastTtl(1);
    r.leaveMulticast('239.255.0.7', '127.0.0.1');
    let error: unknown;
    try {
      r.leaveMulticast('239.255.0.7', '127.0.0.1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({ code: 'EADDRNOTAVAIL', kind: 'AddrNotAvailable' });
  });

  it('rejects bad input at once', async () => {
    await expect(UdpSocket.bind('127.0.0.1', { driver })).rejects.toThrow(TypeError);
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await expect(a.sendTo('x' as unknown as Uint8Array, '127.0.0.1:9')).rejects.toThrow(TypeError);
    expect(() => a.setTtl(300)).toThrow(RangeError);
    a.setTtl(64);
    a.setBroadcast(true);
  });
});

describe.each(drivers)('UdpSocket operations retried after a forced yield (%s driver)', (driver) => {
  it('sendTo and recvFrom, each run with the budget spent, yield to the event loop first, then complete exactly once, in order', async () => {
    await using a = await UdpSocket.bind('127.0.0.1:0', { driver });
    await using b = await UdpSocket.bind('127.0.0.1:0', { driver });
    const turns: string[] = [];
    /** Queues an immediate, then spends the task's budget: the next operation yields a turn, so the immediate runs before it completes. */
    const spend = (): void => {
      setImmediate(() => turns.push('immediate'));
      while (coop() === undefined);
    };
    const buf = new Uint8Array(16);
    const got = await spawn(async () => {
      spend();
      const sent = await a.sendTo(text('one'), b.localAddr());
      turns.push('sendTo');
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r)); // the datagram has arrived (fallback: queued by its 'message' event)
      spend();
      const [n] = await b.recvFrom(buf);
      turns.push('recvFrom');
      return { sent, received: str(buf, n) };
    });
    expect(got).toEqual({ sent: 3, received: 'one' });
    expect(turns).toEqual(['immediate', 'sendTo', 'immediate', 'recvFrom']);
    expect(() => b.tryRecvFrom(buf)).toThrow(WouldBlock); // the datagram was taken once
  });
});
