import { execute, Next, parseInteger, type Context } from '../src/commands.js';
import { Db } from '../src/db.js';
import { PubSub, Subscriptions } from '../src/pub-sub.js';
import { ReplyWriter } from '../src/reply-writer.js';
import { RespParser } from '../src/resp-parser.js';

function encode(args: readonly string[]): Buffer {
  return Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`, 'latin1');
}

/** A connection without a socket: a fake clock, a keyspace, and `run(...args)` → the RESP reply. */
function session() {
  let now = 1_000_000;
  const db = new Db(() => now);
  const pubSub = new PubSub(16);
  const context: Context = {
    db,
    pubSub,
    subscriptions: undefined,
    openSubscriptions: () => (context.subscriptions ??= new Subscriptions(pubSub)),
  };
  const parser = new RespParser();
  const out = new ReplyWriter(16);
  let last: Next = Next.Continue;
  const run = (...args: string[]): string => {
    parser.spare();
    parser.push(encode(args));
    const argc = parser.next();
    out.clear();
    last = execute(parser, argc, context, out);
    return out.toString();
  };
  return {
    db,
    context,
    run,
    advance: (ms: number) => (now += ms),
    last: () => last,
    close: () => context.subscriptions?.close(),
  };
}

describe('commands', () => {
  it('answers PING and ECHO', () => {
    const { run } = session();
    expect(run('PING')).toBe('+PONG\r\n');
    expect(run('ping', 'hi')).toBe('$2\r\nhi\r\n');
    expect(run('ECHO', 'a\r\nb')).toBe('$4\r\na\r\nb\r\n');
    expect(run('ECHO')).toBe("-ERR wrong number of arguments for 'echo' command\r\n");
  });

  it('stores and reads binary-safe values with SET and GET', () => {
    const { run } = session();
    expect(run('GET', 'k')).toBe('$-1\r\n');
    expect(run('SET', 'k', 'v\u0000\u00ff')).toBe('+OK\r\n');
    expect(run('GET', 'k')).toBe('$3\r\nv\u0000\u00ff\r\n');
    expect(run('set', 'k', 'w')).toBe('+OK\r\n');
    expect(run('GET', 'k')).toBe('$1\r\nw\r\n');
    expect(run('GET')).toMatch(/^-ERR wrong number of arguments for 'get'/);
  });

  it('honours SET NX and XX, and rejects them together', () => {
    const { run } = session();
    expect(run('SET', 'k', '1', 'XX')).toBe('$-1\r\n');
    expect(run('SET', 'k', '1', 'NX')).toBe('+OK\r\n');
    expect(run('SET', 'k', '2', 'NX')).toBe('$-1\r\n');
    expect(run('SET', 'k', '3', 'xx')).toBe('+OK\r\n');
    expect(run('GET', 'k')).toBe('$1\r\n3\r\n');
    expect(run('SET', 'k', '4', 'NX', 'XX')).toBe('-ERR syntax error\r\n');
    expect(run('SET', 'k', '5', 'GET')).toBe('$1\r\n3\r\n');
    expect(run('SET', 'k', '6', 'BOGUS')).toBe('-ERR syntax error\r\n');
  });

  it('expires keys set with EX and PX on the clock', () => {
    const { run, advance } = session();
    expect(run('SET', 'a', 'x', 'EX', '10')).toBe('+OK\r\n');
    expect(run('SET', 'b', 'x', 'PX', '1500')).toBe('+OK\r\n');
    expect(run('TTL', 'a')).toBe(':10\r\n');
    expect(run('PTTL', 'b')).toBe(':1500\r\n');
    advance(1499);
    expect(run('GET', 'b')).toBe('$1\r\nx\r\n');
    advance(1);
    expect(run('GET', 'b')).toBe('$-1\r\n');
    expect(run('EXISTS', 'a', 'b')).toBe(':1\r\n');
    advance(8100); // 400 ms left: TTL rounds to the nearest second, as Redis does
    expect(run('TTL', 'a')).toBe(':0\r\n');
    advance(400);
    expect(run('TTL', 'a')).toBe(':-2\r\n');
  });

  it('rejects bad expiry times as Redis does', () => {
    const { run } = session();
    expect(run('SET', 'k', 'v', 'EX', '0')).toBe("-ERR invalid expire time in 'set' command\r\n");
    expect(run('SET', 'k', 'v', 'PX', '-5')).toBe("-ERR invalid expire time in 'set' command\r\n");
    expect(run('SET', 'k', 'v', 'EX', 'soon')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(run('SET', 'k', 'v', 'EX', '1', 'PX', '1')).toBe('-ERR syntax error\r\n');
    expect(run('SET', 'k', 'v', 'EX')).toBe('-ERR syntax error\r\n');
    expect(run('GET', 'k')).toBe('$-1\r\n');
  });

  it('keeps or clears the deadline on overwrite (KEEPTTL, plain SET)', () => {
    const { run } = session();
    run('SET', 'k', 'v', 'EX', '100');
    expect(run('SET', 'k', 'w', 'KEEPTTL')).toBe('+OK\r\n');
    expect(run('TTL', 'k')).toBe(':100\r\n');
    run('SET', 'k', 'x');
    expect(run('TTL', 'k')).toBe(':-1\r\n');
  });

  it('a SET over a key that has expired but is not yet collected starts a fresh key (plain and KEEPTTL)', () => {
    const { run, advance, db } = session();
    run('SET', 'plain', 'v', 'PX', '10');
    run('SET', 'kept', 'v', 'PX', '10');
    advance(10); // both expired; nothing has read them, so both entries are still in the map
    expect(db.size).toBe(2);
    expect(run('SET', 'plain', 'w')).toBe('+OK\r\n');
    expect(run('TTL', 'plain')).toBe(':-1\r\n');
    expect(run('GET', 'plain')).toBe('$1\r\nw\r\n');
    expect(run('SET', 'kept', 'w', 'KEEPTTL')).toBe('+OK\r\n'); // no deadline left to keep
    expect(run('TTL', 'kept')).toBe(':-1\r\n');
    expect(run('GET', 'kept')).toBe('$1\r\nw\r\n');
    expect(db.volatileCount).toBe(0);
  });

  it('sets, reads and removes deadlines with EXPIRE, TTL and PERSIST', () => {
    const { run, advance } = session();
    expect(run('EXPIRE', 'missing', '10')).toBe(':0\r\n');
    expect(run('TTL', 'missing')).toBe(':-2\r\n');
    run('SET', 'k', 'v');
    expect(run('TTL', 'k')).toBe(':-1\r\n');
    expect(run('EXPIRE', 'k', '5')).toBe(':1\r\n');
    expect(run('TTL', 'k')).toBe(':5\r\n');
    expect(run('PERSIST', 'k')).toBe(':1\r\n');
    expect(run('TTL', 'k')).toBe(':-1\r\n');
    expect(run('EXPIRE', 'k', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(run('EXPIRE', 'k', '-1')).toBe(':1\r\n');
    expect(run('EXISTS', 'k')).toBe(':0\r\n');
    run('SET', 'p', 'v');
    expect(run('PEXPIRE', 'p', '20')).toBe(':1\r\n');
    advance(20);
    expect(run('GET', 'p')).toBe('$-1\r\n');
  });

  it('counts with INCR and DECR over int64, refusing non-integers and overflow', () => {
    const { run } = session();
    expect(run('INCR', 'n')).toBe(':1\r\n');
    expect(run('INCR', 'n')).toBe(':2\r\n');
    expect(run('DECRBY', 'n', '5')).toBe(':-3\r\n');
    expect(run('GET', 'n')).toBe('$2\r\n-3\r\n');
    run('SET', 'big', '9223372036854775806');
    expect(run('INCR', 'big')).toBe(':9223372036854775807\r\n');
    expect(run('INCR', 'big')).toBe('-ERR increment or decrement would overflow\r\n');
    run('SET', 's', 'abc');
    expect(run('INCR', 's')).toBe('-ERR value is not an integer or out of range\r\n');
    run('SET', 'sp', ' 1');
    expect(run('INCR', 'sp')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(run('INCRBY', 'n', '1.5')).toBe('-ERR value is not an integer or out of range\r\n');
  });

  it('keeps the deadline of a key it increments', () => {
    const { run } = session();
    run('SET', 'n', '1', 'EX', '50');
    run('INCR', 'n');
    expect(run('TTL', 'n')).toBe(':50\r\n');
  });

  it('deletes and counts keys with DEL and EXISTS', () => {
    const { run } = session();
    run('SET', 'a', '1');
    run('SET', 'b', '2');
    expect(run('EXISTS', 'a', 'b', 'c', 'a')).toBe(':3\r\n');
    expect(run('DEL', 'a', 'c')).toBe(':1\r\n');
    expect(run('DEL', 'a')).toBe(':0\r\n');
    expect(run('DBSIZE')).toBe(':1\r\n');
    expect(run('DEL')).toMatch(/wrong number of arguments for 'del'/);
  });

  it('answers unknown commands with the Redis error', () => {
    const { run } = session();
    expect(run('FOO', 'a', 'b')).toBe("-ERR unknown command 'FOO', with args beginning with: 'a' 'b'\r\n");
  });

  it('closes the connection after QUIT answers OK', () => {
    const s = session();
    expect(s.run('QUIT')).toBe('+OK\r\n');
    expect(s.last()).toBe(Next.Close);
  });

  it('answers the CONFIG GET questions redis-benchmark asks', () => {
    const { run } = session();
    expect(run('CONFIG', 'GET', 'save')).toBe('*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    expect(run('CONFIG', 'GET', 'appendonly')).toBe('*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
    expect(run('CONFIG', 'GET', 'maxmemory')).toBe('*0\r\n');
  });

  it('subscribes, restricts a subscribed connection, and unsubscribes', () => {
    const s = session();
    try {
      expect(s.run('PUBLISH', 'news', 'x')).toBe(':0\r\n');
      expect(s.run('SUBSCRIBE', 'news', 'sport')).toBe('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n');
      expect(s.run('GET', 'k')).toMatch(/^-ERR Can't execute 'get': only \(P\|S\)SUBSCRIBE/);
      expect(s.run('PING')).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
      expect(s.context.pubSub.publish('news', Buffer.from('hi'))).toBe(1);
      expect(s.run('UNSUBSCRIBE', 'news')).toBe('*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n');
      expect(s.run('UNSUBSCRIBE')).toBe('*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n');
      expect(s.run('UNSUBSCRIBE')).toBe('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n');
      expect(s.context.pubSub.channelCount).toBe(0);
      expect(s.run('GET', 'k')).toBe('$-1\r\n');
    } finally {
      s.close();
    }
  });

  it('parses int64 arguments strictly', () => {
    expect(parseInteger('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseInteger('9223372036854775808')).toBeUndefined();
    expect(parseInteger('007')).toBeUndefined();
    expect(parseInteger('')).toBeUndefined();
    expect(parseInteger('+1')).toBeUndefined();
  });
});

describe('Db', () => {
  it('reclaims expired keys nobody reads with a bounded sweep', () => {
    let now = 0;
    const db = new Db(() => now);
    for (let i = 0; i < 100; i++) db.set(`k${i}`, Buffer.from('v'), i < 50 ? 10 : 1000);
    db.set('forever', Buffer.from('v'), -1);
    now = 10;
    let removed = 0;
    for (let round = 0; round < 10; round++) removed += db.sweep(20);
    expect(removed).toBe(50);
    expect(db.size).toBe(51);
    expect(db.volatileCount).toBe(50);
    expect(db.sweep(20)).toBe(0);
  });

  it('rejects a clock that is not a function', () => {
    expect(() => new Db(42 as unknown as () => number)).toThrow(TypeError);
  });
});
