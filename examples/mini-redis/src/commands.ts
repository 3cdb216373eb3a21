// Command semantics, as Redis 7 answers them (same replies, same error texts), for the
// commands mini-redis supports. `execute` reads the arguments from the parser (no copies
// except what is stored), writes the reply into the connection's ReplyWriter and tells
// the connection what to do next.
import type { Db } from './db.js';
import type { PubSub, Subscriptions } from './pub-sub.js';
import type { ReplyWriter } from './reply-writer.js';
import { NameTable, type RespParser } from './resp-parser.js';

/** What the connection does after a command. */
export const Next = {
  /** Carry on. */
  Continue: 0,
  /** Flush the replies and close the connection (QUIT). */
  Close: 1,
} as const;
export type Next = (typeof Next)[keyof typeof Next];

/** What a command may touch besides its arguments and its reply. */
export interface Context {
  readonly db: Db;
  readonly pubSub: PubSub;
  /** This connection's subscriptions (created on its first SUBSCRIBE). */
  subscriptions: Subscriptions | undefined;
  /** Creates the connection's Subscriptions on first use. */
  readonly openSubscriptions: () => Subscriptions;
}

const SYNTAX = 'ERR syntax error';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name.toLowerCase()}' command`;
}

/** Parses a Redis integer argument (int64, decimal, no spaces), or undefined. */
export function parseInteger(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 20 || !/^-?(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? undefined : value;
}

function smallInteger(text: string): number | undefined {
  const value = parseInteger(text);
  return value === undefined ? undefined : Number(value);
}

/** The names `execute` dispatches on, read from the request without making a string. */
const COMMANDS = new NameTable([
  'GET', 'SET', 'PING', 'ECHO', 'DEL', 'UNLINK', 'EXISTS', 'INCR', 'DECR', 'INCRBY', 'DECRBY', 'EXPIRE', 'PEXPIRE',
  'PERSIST', 'TTL', 'PTTL', 'PUBLISH', 'SUBSCRIBE', 'UNSUBSCRIBE', 'QUIT', 'DBSIZE', 'FLUSHDB', 'FLUSHALL', 'SELECT',
  'CONFIG', 'COMMAND', 'CLIENT',
]);

/** Commands allowed while the connection is subscribed (RESP2 subscriber context). */
const SUBSCRIBED_ALLOWED = new Set(['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'PING', 'QUIT', 'RESET']);

/**
 * Executes the command the parser returned last (`argc` ≥ 1 arguments) and encodes its
 * reply into `out`.
 */
export function execute(parser: RespParser, argc: number, context: Context, out: ReplyWriter): Next {
  const name = parser.upper(0, COMMANDS);
  const subscribed = context.subscriptions !== undefined && context.subscriptions.count > 0;
  if (subscribed && !SUBSCRIBED_ALLOWED.has(name)) {
    out.error(`ERR Can't execute '${name.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    return Next.Continue;
  }
  const db = context.db;
  switch (name) {
    case 'GET': {
      if (argc !== 2) return arity(out, name);
      out.bulk(db.get(parser.string(1)) ?? null);
      return Next.Continue;
    }
    case 'SET':
      return set(parser, argc, db, out);
    case 'PING': {
      if (argc > 2) return arity(out, name);
      if (subscribed) {
        out.arrayHeader(2);
        out.bulkString('pong');
        out.bulk(argc === 2 ? parser.bytes(1) : Buffer.alloc(0));
      } else if (argc === 2) out.bulk(parser.bytes(1));
      else out.pong();
      return Next.Continue;
    }
    case 'ECHO': {
      if (argc !== 2) return arity(out, name);
      out.bulk(parser.bytes(1));
      return Next.Continue;
    }
    case 'DEL':
    case 'UNLINK': {
      if (argc < 2) return arity(out, name);
      let n = 0;
      for (let i = 1; i < argc; i++) if (db.delete(parser.string(i))) n++;
      out.integer(n);
      return Next.Continue;
    }
    case 'EXISTS': {
      if (argc < 2) return arity(out, name);
      let n = 0;
      for (let i = 1; i < argc; i++) if (db.has(parser.string(i))) n++;
      out.integer(n);
      return Next.Continue;
    }
    case 'INCR':
    case 'DECR':
    case 'INCRBY':
    case 'DECRBY':
      return incrementBy(parser, argc, name, db, out);
    case 'EXPIRE':
    case 'PEXPIRE': {
      if (argc !== 3) return arity(out, name);
      const amount = smallInteger(parser.string(2));
      if (amount === undefined) {
        out.error(NOT_INTEGER);
        return Next.Continue;
      }
      const ms = name === 'EXPIRE' ? amount * 1000 : amount;
      out.integer(db.expireAt(parser.string(1), db.now() + ms) ? 1 : 0);
      return Next.Continue;
    }
    case 'PERSIST': {
      if (argc !== 2) return arity(out, name);
      const key = parser.string(1);
      const value = db.pttl(key) >= 0 ? db.get(key) : undefined;
      if (value !== undefined) db.set(key, value, -1);
      out.integer(value === undefined ? 0 : 1);
      return Next.Continue;
    }
    case 'TTL':
    case 'PTTL': {
      if (argc !== 2) return arity(out, name);
      const ms = db.pttl(parser.string(1));
      out.integer(ms < 0 || name === 'PTTL' ? ms : Math.floor((ms + 500) / 1000));
      return Next.Continue;
    }
    case 'PUBLISH': {
      if (argc !== 3) return arity(out, name);
      out.integer(context.pubSub.publish(parser.string(1), parser.bytes(2)));
      return Next.Continue;
    }
    case 'SUBSCRIBE': {
      if (argc < 2) return arity(out, name);
      const subscriptions = context.openSubscriptions();
      for (let i = 1; i < argc; i++) {
        const channel = parser.string(i);
        const count = subscriptions.subscribe(channel);
        out.arrayHeader(3);
        out.bulkString('subscribe');
        out.bulkString(channel);
        out.integer(count);
      }
      return Next.Continue;
    }
    case 'UNSUBSCRIBE': {
      const subscriptions = context.subscriptions;
      const channels: string[] = [];
      if (argc > 1) for (let i = 1; i < argc; i++) channels.push(parser.string(i));
      else if (subscriptions !== undefined) channels.push(...subscriptions.channels());
      if (channels.length === 0) {
        out.arrayHeader(3);
        out.bulkString('unsubscribe');
        out.nullBulk();
        out.integer(0);
        return Next.Continue;
      }
      for (const channel of channels) {
        const count = subscriptions === undefined ? 0 : subscriptions.unsubscribe(channel);
        out.arrayHeader(3);
        out.bulkString('unsubscribe');
        out.bulkString(channel);
        out.integer(count);
      }
      return Next.Continue;
    }
    case 'QUIT':
      out.ok();
      return Next.Close;
    case 'DBSIZE':
      if (argc !== 1) return arity(out, name);
      out.integer(db.size);
      return Next.Continue;
    case 'FLUSHDB':
    case 'FLUSHALL':
      db.clear();
      out.ok();
      return Next.Continue;
    case 'SELECT': {
      if (argc !== 2) return arity(out, name);
      if (parser.string(1) === '0') out.ok();
      else out.error('ERR DB index is out of range');
      return Next.Continue;
    }
    case 'CONFIG': {
      // redis-benchmark asks `CONFIG GET save` and `appendonly` before it starts: answer
      // like a server that persists nothing.
      if (argc === 3 && parser.upper(1) === 'GET') {
        const key = parser.string(2).toLowerCase();
        const value = key === 'save' ? '' : key === 'appendonly' ? 'no' : undefined;
        if (value === undefined) out.arrayHeader(0);
        else {
          out.arrayHeader(2);
          out.bulkString(key);
          out.bulkString(value);
        }
        return Next.Continue;
      }
      out.error(`ERR unknown subcommand or wrong number of arguments for 'config' command`);
      return Next.Continue;
    }
    case 'COMMAND':
      // redis-cli asks `COMMAND DOCS` for its hints in interactive mode: no docs here.
      out.arrayHeader(0);
      return Next.Continue;
    case 'CLIENT':
      if (argc >= 2 && parser.upper(1) === 'SETNAME') out.ok();
      else out.error(`ERR unknown subcommand '${argc >= 2 ? parser.string(1) : ''}'`);
      return Next.Continue;
    default: {
      const args: string[] = [];
      for (let i = 1; i < argc && i < 4; i++) args.push(`'${parser.string(i).slice(0, 128)}'`);
      out.error(`ERR unknown command '${parser.string(0).slice(0, 128)}', with args beginning with: ${args.join(' ')}`);
      return Next.Continue;
    }
  }
}

function arity(out: ReplyWriter, name: string): Next {
  out.error(wrongArity(name));
  return Next.Continue;
}

/** SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL] */
function set(parser: RespParser, argc: number, db: Db, out: ReplyWriter): Next {
  if (argc < 3) return arity(out, 'SET');
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let ttl = -1; // milliseconds
  let expiryGiven = false;
  for (let i = 3; i < argc; i++) {
    const option = parser.upper(i);
    if (option === 'NX' && !xx) nx = true;
    else if (option === 'XX' && !nx) xx = true;
    else if (option === 'GET') get = true;
    else if (option === 'KEEPTTL' && !expiryGiven) keepTtl = true;
    else if ((option === 'EX' || option === 'PX') && !expiryGiven && !keepTtl && i + 1 < argc) {
      const amount = smallInteger(parser.string(++i));
      if (amount === undefined) {
        out.error(NOT_INTEGER);
        return Next.Continue;
      }
      if (amount <= 0 || (option === 'EX' && amount > Number.MAX_SAFE_INTEGER / 1000)) {
        out.error("ERR invalid expire time in 'set' command");
        return Next.Continue;
      }
      ttl = option === 'EX' ? amount * 1000 : amount;
      expiryGiven = true;
    } else {
      out.error(SYNTAX);
      return Next.Continue;
    }
  }
  const key = parser.string(1);
  // The old value matters only to GET, NX and XX, and KEEPTTL must not keep the deadline of
  // a key that has expired (the lookup deletes it): a plain SET does one keyspace lookup,
  // in `db.set`, which replaces the deadline of whatever entry it finds.
  const previous = get || nx || xx || keepTtl ? db.get(key) : undefined;
  if (get) out.bulk(previous ?? null);
  if ((nx && previous !== undefined) || (xx && previous === undefined)) {
    if (!get) out.nullBulk();
    return Next.Continue;
  }
  db.set(key, parser.copy(2), ttl < 0 ? -1 : db.now() + ttl, keepTtl);
  if (!get) out.ok();
  return Next.Continue;
}

function incrementBy(parser: RespParser, argc: number, name: string, db: Db, out: ReplyWriter): Next {
  const withAmount = name === 'INCRBY' || name === 'DECRBY';
  if (argc !== (withAmount ? 3 : 2)) return arity(out, name);
  let by = 1n;
  if (withAmount) {
    const parsed = parseInteger(parser.string(2));
    if (parsed === undefined) {
      out.error(NOT_INTEGER);
      return Next.Continue;
    }
    by = parsed;
  }
  if (name === 'DECR' || name === 'DECRBY') by = -by;
  const key = parser.string(1);
  const current = db.get(key);
  let value = 0n;
  if (current !== undefined) {
    const parsed = current.length <= 20 ? parseInteger(current.toString('latin1')) : undefined;
    if (parsed === undefined) {
      out.error(NOT_INTEGER);
      return Next.Continue;
    }
    value = parsed;
  }
  const result = value + by;
  if (result > INT64_MAX || result < INT64_MIN) {
    out.error('ERR increment or decrement would overflow');
    return Next.Continue;
  }
  db.set(key, Buffer.from(result.toString(), 'latin1'), -1, true);
  out.integer(result);
  return Next.Continue;
}
