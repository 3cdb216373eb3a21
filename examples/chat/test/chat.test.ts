import { BufReader } from '@rt/io';
import { TcpStream } from '@rt/net';
import type { SocketAddr } from '@rt/net';
import { startChatServer } from '../src/server.js';

const encoder = new TextEncoder();

/** A test client: connects, reads the welcome line, and reads/writes lines. */
async function join(addr: SocketAddr): Promise<{ say(text: string): Promise<void>; next(): Promise<string>; stream: TcpStream; name: string }> {
  const stream = await TcpStream.connect(addr);
  const lines = new BufReader(stream);
  const next = async (): Promise<string> => (await lines.readLine()).replace(/\n$/, '');
  const welcome = await next();
  const name = /you are (\S+)/.exec(welcome)?.[1] ?? '';
  return { say: (text) => stream.writeAll(encoder.encode(`${text}\r\n`)), next, stream, name };
}

describe('chat example', () => {
  it('fans each line out to every other client, with join, nick and leave notices', async () => {
    const server = await startChatServer('127.0.0.1:0');
    try {
      const alice = await join(server.localAddr);
      expect(alice.name).toMatch(/^guest\d+$/);
      const bob = await join(server.localAddr);
      expect(await alice.next()).toBe(`* ${bob.name} joined`);
      const carol = await join(server.localAddr);
      expect(await alice.next()).toBe(`* ${carol.name} joined`);
      expect(await bob.next()).toBe(`* ${carol.name} joined`);

      await alice.say(`/nick alice`);
      for (const c of [alice, bob, carol]) expect(await c.next()).toBe(`* ${alice.name} is now alice`);
      await alice.say('hello everyone');
      expect(await bob.next()).toBe('alice: hello everyone');
      expect(await carol.next()).toBe('alice: hello everyone');

      await bob.say('/nick not a valid name!');
      expect(await bob.next()).toMatch(/a name is/);
      await bob.say('/quit');
      expect(await bob.next()).toBe('* bye');
      expect(await bob.next()).toBe('');
      expect(await alice.next()).toBe(`* ${bob.name} left`);
      expect(await carol.next()).toBe(`* ${bob.name} left`);

      carol.stream.close();
      expect(await alice.next()).toBe(`* ${carol.name} left`);
      expect(server.clients).toBe(1);
      alice.stream.close();
      bob.stream.close();
    } finally {
      await server.close();
    }
  });

  it('disconnects a client whose line is too long, and the others go on', async () => {
    const server = await startChatServer('127.0.0.1:0', { maxLineLength: 64 });
    try {
      const a = await join(server.localAddr);
      const b = await join(server.localAddr);
      expect(await a.next()).toBe(`* ${b.name} joined`);
      await b.say('x'.repeat(200));
      expect(await b.next()).toMatch(/longer than 64 bytes/);
      expect(await a.next()).toBe(`* ${b.name} left`);
      b.stream.close();
      a.stream.close();
    } finally {
      await server.close();
    }
  });

  it('disconnects everyone on close', async () => {
    const server = await startChatServer('127.0.0.1:0');
    const a = await join(server.localAddr);
    await server.close();
    expect(await a.next()).toBe('');
    a.stream.close();
  });
});
