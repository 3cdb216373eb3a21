import { Client, RedisError } from '../src/client.js';
import { demo } from '../src/demo.js';
import { Server } from '../src/server.js';

describe('Client', () => {
  let server: Server;
  let serving: Promise<void>;

  beforeEach(async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
  });

  afterEach(async () => {
    await server.shutdown();
    await serving;
  });

  it('decodes every reply type, binary bulks and errors', async () => {
    const client = await Client.connect(server.localAddr());
    try {
      expect(await client.command('PING')).toBe('PONG');
      expect(await client.command('SET', 'k', Buffer.from([0, 255, 13, 10]))).toBe('OK');
      expect(await client.command('GET', 'k')).toBe('\u0000\u00ff\r\n');
      expect(await client.command('GET', 'missing')).toBeNull();
      expect(await client.command('INCR', 'n')).toBe(1);
      expect(await client.command('CONFIG', 'GET', 'save')).toEqual(['save', '']);
      await expect(client.command('INCR', 'k')).rejects.toThrow(RedisError);
      const replies = await client.pipeline([['SET', 'a', 1], ['INCR', 'a'], ['INCR', 'k']]);
      expect(replies.slice(0, 2)).toEqual(['OK', 2]);
      expect(replies[2]).toBeInstanceOf(RedisError);
    } finally {
      client.close();
    }
  });

  it('reads a large reply that spans many reads', async () => {
    const client = await Client.connect(server.localAddr());
    try {
      const value = 'v'.repeat(200_000);
      expect(await client.command('SET', 'big', value)).toBe('OK');
      expect(await client.command('GET', 'big')).toBe(value);
    } finally {
      client.close();
    }
  });
});

describe('demo', () => {
  it('drives a fresh server through every feature and shuts it down', async () => {
    const lines: string[] = [];
    await demo((line) => lines.push(line));
    const text = lines.join('\n');
    expect(text).toContain('> GET greeting\n"hello from rt"');
    expect(text).toContain('100 replies, all "OK"');
    expect(text).toContain('subscriber received ["message","news","rt runs mini-redis"]');
    expect(lines.at(-1)).toBe('mini-redis shut down');
  });
});
