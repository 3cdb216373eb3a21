// A minimal Redis client on @rt/net (Tokio's mini-redis has one too): `Client.connect`,
// `command(...args)` for one round trip, `pipeline([...])` for many commands in one write,
// and `nextMessage()` for a subscribed connection. Replies are decoded into plain values:
// simple strings and bulk strings as strings (latin1), integers as numbers, null bulks as
// null, arrays as arrays, and `-ERR …` as a thrown RedisError.
import { TcpStream, type ToSocketAddrs } from '@rt/net';
import type { WaitOptions } from '@rt/scheduler';

/** A reply value. */
export type Reply = string | number | null | Reply[];

/** An error reply (`-ERR …`) of the server. */
export class RedisError extends Error {
  readonly code = 'ERR_RT_REDIS_REPLY';

  constructor(message: string) {
    super(message);
    this.name = 'RedisError';
  }
}

/** The client; one connection, commands answered in order. */
export class Client {
  readonly #stream: TcpStream;
  #buffer = Buffer.allocUnsafe(16 * 1024);
  #start = 0;
  #end = 0;

  private constructor(stream: TcpStream) {
    this.#stream = stream;
  }

  /** Connects to a server (`'127.0.0.1:6379'`, `{ host, port }`, …). */
  static async connect(addr: ToSocketAddrs, options?: WaitOptions): Promise<Client> {
    return new Client(await TcpStream.connect(addr, options));
  }

  /** Sends one command and resolves with its reply; rejects with RedisError for `-ERR`. */
  async command(...args: Array<string | Uint8Array | number>): Promise<Reply> {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof RedisError) throw reply;
    return reply as Reply;
  }

  /** Sends every command in one write, then reads one reply per command (errors as values). */
  async pipeline(commands: ReadonlyArray<ReadonlyArray<string | Uint8Array | number>>): Promise<Array<Reply | RedisError>> {
    await this.#stream.writeAll(Buffer.concat(commands.map(encode)));
    const replies: Array<Reply | RedisError> = [];
    for (let i = 0; i < commands.length; i++) replies.push(await this.#reply());
    return replies;
  }

  /** On a subscribed connection: the next `[kind, channel, payload]` push. */
  async nextMessage(options?: WaitOptions): Promise<Reply[]> {
    const reply = await this.#reply(options);
    if (!Array.isArray(reply)) throw new RedisError(`expected a pushed array, got ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Closes the connection. */
  close(): void {
    this.#stream.close();
  }

  async #reply(options?: WaitOptions): Promise<Reply | RedisError> {
    for (;;) {
      const parsed = decode(this.#buffer, this.#start, this.#end);
      if (parsed !== undefined) {
        this.#start = parsed.next;
        return parsed.value;
      }
      if (this.#start > 0) {
        this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      if (this.#end === this.#buffer.length) {
        const grown = Buffer.allocUnsafe(this.#buffer.length * 2);
        this.#buffer.copy(grown, 0, 0, this.#end);
        this.#buffer = grown;
      }
      const n = await this.#stream.read(this.#buffer.subarray(this.#end), options);
      if (n === 0) throw new RedisError('the server closed the connection');
      this.#end += n;
    }
  }
}

function encode(args: ReadonlyArray<string | Uint8Array | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'number' ? Buffer.from(String(arg)) : typeof arg === 'string' ? Buffer.from(arg, 'latin1') : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Decodes one reply at `at`, or undefined when it is incomplete. */
function decode(buffer: Buffer, at: number, end: number): { value: Reply | RedisError; next: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0 || lineEnd + 2 > end) return undefined;
  const line = buffer.toString('latin1', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buffer[at]) {
    case 43: // +
      return { value: line, next };
    case 45: // -
      return { value: new RedisError(line), next };
    case 58: // :
      return { value: Number(line), next };
    case 36: {
      // $
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (next + length + 2 > end) return undefined;
      return { value: buffer.toString('latin1', next, next + length), next: next + length + 2 };
    }
    case 42: {
      // *
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = decode(buffer, position, end);
        if (item === undefined) return undefined;
        items.push(item.value instanceof RedisError ? item.value.message : item.value);
        position = item.next;
      }
      return { value: items, next: position };
    }
    default:
      throw new RedisError(`unexpected reply type ${JSON.stringify(String.fromCharCode(buffer[at]!))}`);
  }
}
