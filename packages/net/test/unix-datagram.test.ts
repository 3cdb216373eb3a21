import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { NetError, SocketClosed, UnixDatagram, WouldBlock } from '@rt/net';
import { drivers } from './support/drivers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array, n: number): string => Buffer.from(b.subarray(0, n)).toString();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rt-dgram-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(drivers)('UnixDatagram (%s driver)', (driver) => {
  if (driver === 'fallback') {
    it('is refused with ENOTSUP (Node has no Unix datagram sockets)', () => {
      expect(() => UnixDatagram.pair({ driver })).toThrow(NetError);
      expect(() => UnixDatagram.bind(join(dir, 'x.sock'), { driver })).toThrow(NetError);
    });
    return;
  }

  it('pair() sends datagrams both ways, keeping boundaries', async () => {
    const [a, b] = UnixDatagram.pair({ driver });
    await a.send(text('one'));
    await a.send(text('two'));
    const buf = new Uint8Array(16);
    expect(str(buf, await b.recv(buf))).toBe('one');
    expect(str(buf, await b.recv(buf))).toBe('two');
    await b.send(text('back'));
    expect(str(buf, await a.recv(buf))).toBe('back');
    expect(a.peerAddr().path).toBeNull();
    a.close();
    b.close();
  });

  it('bind/sendTo/recvFrom by path, and close removes the file', async () => {
    const serverPath = join(dir, 'server.sock');
    const clientPath = join(dir, 'client.sock');
    const server = UnixDatagram.bind(serverPath, { driver });
    const client = UnixDatagram.bind(clientPath, { driver });
    expect(server.localAddr().path).toBe(serverPath);
    await client.sendTo(text('request'), serverPath);
    const buf = new Uint8Array(32);
    const [n, from] = await server.recvFrom(buf);
    expect(str(buf, n)).toBe('request');
    expect(from.path).toBe(clientPath);
    await server.sendTo(text('reply'), from.path!);
    expect(str(buf, await client.recv(buf))).toBe('reply');
    server.close();
    client.close();
    expect(existsSync(serverPath)).toBe(false);
  });

  it('an unbound socket connects and sends; sending to nobody fails typed', async () => {
    const path = join(dir, 'target.sock');
    const target = UnixDatagram.bind(path, { driver });
    const sender = UnixDatagram.unbound({ driver });
    await sender.connect(path);
    expect(sender.peerAddr().path).toBe(path);
    await sender.send(text('hi'));
    const buf = new Uint8Array(8);
    const [n, from] = await target.recvFrom(buf);
    expect(str(buf, n)).toBe('hi');
    expect(from.path).toBeNull();
    await expect(sender.sendTo(text('x'), join(dir, 'nobody.sock'))).rejects.toBeInstanceOf(NetError);
    target.close();
    sender.close();
  });

  it('loses no datagram when a receive is aborted; fails parked receives on close', async () => {
    const [a, b] = UnixDatagram.pair({ driver });
    const controller = new AbortController();
    const parked = track(b.recv(new Uint8Array(8), { signal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(parked.error).toBeInstanceOf(Cancelled);
    expect(() => b.tryRecv(new Uint8Array(8))).toThrow(WouldBlock);
    await a.send(text('kept'));
    await b.readable();
    const buf = new Uint8Array(8);
    expect(str(buf, b.tryRecv(buf))).toBe('kept');
    const again = track(b.recv(buf));
    await settle();
    b.close();
    await settle();
    expect(again.error).toBeInstanceOf(SocketClosed);
    a.close();
  });
});
