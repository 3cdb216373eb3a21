// One client connection: read into the parser, execute every complete command in the
// buffer (pipelining), write all their replies at once (one `tryWrite`, which the socket
// nearly always takes whole, so a request costs no promise on the way out; `writeAll` for
// what it does not take), repeat. A subscribed connection also waits for pub/sub messages:
// it `select`s between its socket and its message queue's notification (`readable()` and
// `Notify.notified()` consume nothing, so the branch that loses the race loses nothing),
// then takes what is there without waiting.
//
// Graceful shutdown: the server aborts a connection's task only while it waits for input
// (`state.idle`); a connection busy executing or writing sees the shutdown when it comes
// back to read. Commands already read are executed and their replies written before the
// connection closes. (No AbortSignal is passed to each read: registering an abort listener
// per read would cost the hot path for an event that happens once.)
import { select } from '@rt/macros';
import { WouldBlock } from '@rt/net';
import type { WaitOptions } from '@rt/scheduler';
import { execute, Next, type Context } from './commands.js';
import type { Db } from './db.js';
import { Subscriptions, type Message, type PubSub } from './pub-sub.js';
import { ReplyWriter } from './reply-writer.js';
import { ProtocolError, RespParser, type RespLimits } from './resp-parser.js';

/** Replies above this size are written before the rest of a pipelined batch runs. */
const FLUSH_THRESHOLD = 64 * 1024;

/** What a connection shares with the server. */
export interface Shared {
  readonly db: Db;
  readonly pubSub: PubSub;
  readonly limits: RespLimits;
  /** Aborted when the server shuts down. */
  readonly shutdown: AbortSignal;
}

/**
 * What a connection reads and writes: a `TcpStream`, or a `TlsStream` (`--tls-cert`), which
 * has no readiness wait and no `try*` methods: then replies go out with `writeAll` and a
 * subscribed connection keeps one read in flight while it waits for messages.
 */
export interface ClientStream {
  read(buf: Uint8Array, options?: WaitOptions): Promise<number>;
  writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void>;
  close(): void;
  tryRead?(buf: Uint8Array): number;
  tryWrite?(buf: Uint8Array): number;
  readable?(options?: WaitOptions): Promise<void>;
  setNoDelay?(noDelay: boolean): void;
}

/** What the server sees of a connection: it may abort the task only while it is idle. */
export interface ConnectionState {
  idle: boolean;
}

/** Serves one client until it quits, disconnects, breaks the protocol or the server shuts down. */
export async function serveConnection(stream: ClientStream, shared: Shared, state: ConnectionState): Promise<void> {
  const parser = new RespParser(shared.limits);
  const out = new ReplyWriter();
  const context: Context = {
    db: shared.db,
    pubSub: shared.pubSub,
    subscriptions: undefined,
    openSubscriptions: () => (context.subscriptions ??= new Subscriptions(shared.pubSub)),
  };
  const pending: Message[] = [];
  stream.setNoDelay?.(true);
  // A read kept in flight across message deliveries (streams without readable()).
  let inflight: Promise<number> | undefined;
  try {
    for (;;) {
      // Execute every complete command, then write the replies in one batch.
      for (;;) {
        let argc: number;
        try {
          argc = parser.next();
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          out.error(`ERR ${error.message}`);
          await flush(stream, out);
          return;
        }
        if (argc < 0) break;
        if (argc === 0) continue;
        if (execute(parser, argc, context, out) === Next.Close) {
          await flush(stream, out);
          return;
        }
        if (out.length >= FLUSH_THRESHOLD) {
          const waiting = flushNow(stream, out);
          if (waiting !== undefined) await waiting;
        }
      }
      for (const message of pending) encodeMessage(out, message);
      pending.length = 0;
      if (out.length > 0) {
        const waiting = flushNow(stream, out);
        if (waiting !== undefined) await waiting;
      }
      if (shared.shutdown.aborted) return;

      const subscriptions = context.subscriptions;
      let n: number;
      if (subscriptions === undefined || subscriptions.count === 0) {
        state.idle = true;
        try {
          n = await (inflight ?? stream.read(parser.spare()));
          inflight = undefined;
        } finally {
          state.idle = false;
        }
      } else if (stream.readable === undefined || stream.tryRead === undefined) {
        // No readiness wait (TLS): the read itself races the messages. It is never
        // aborted when a message wins (it stays in flight for the next turn), so no byte it
        // reads can be dropped.
        if (takeMessages(subscriptions, pending)) continue;
        state.idle = true;
        const reading = (inflight ??= stream.read(parser.spare()));
        let winner;
        try {
          winner = await select({
            read: () => reading,
            message: (signal) => subscriptions.arrived.notified({ signal }),
          });
        } finally {
          state.idle = false;
        }
        if (winner.branch === 'message') continue;
        inflight = undefined;
        n = winner.value;
      } else {
        const readable = stream.readable.bind(stream);
        const tryRead = stream.tryRead.bind(stream);
        // Subscribed: wait for the socket to be readable or for a message. Neither wait
        // consumes anything, so the branch that loses the race loses nothing.
        if (takeMessages(subscriptions, pending)) continue;
        state.idle = true;
        let winner;
        try {
          winner = await select({
            readable: (signal) => readable({ signal }),
            message: (signal) => subscriptions.arrived.notified({ signal }),
          });
        } finally {
          state.idle = false;
        }
        if (winner.branch === 'message') continue;
        try {
          n = tryRead(parser.spare());
        } catch (error) {
          if (error instanceof WouldBlock) continue;
          throw error;
        }
      }
      if (n === 0) return; // the client closed its side
      parser.commit(n);
    }
  } catch (error) {
    // Shutdown aborts the read; a reset peer is a normal end of a connection too.
    if (!shared.shutdown.aborted && !isDisconnect(error)) throw error;
  } finally {
    context.subscriptions?.close();
    stream.close();
  }
}

async function flush(stream: ClientStream, out: ReplyWriter): Promise<void> {
  await stream.writeAll(out.view());
  out.clear();
}

/**
 * Writes the batch of replies; returns undefined when the socket took all of it at once (the
 * usual case: no promise, no await), else a promise of the rest being written. `tryWrite`
 * never waits, so this adds no await point; the read that follows is the cancellation point.
 */
function flushNow(stream: ClientStream, out: ReplyWriter): Promise<void> | undefined {
  const view = out.view();
  if (stream.tryWrite === undefined) return flushRest(stream, out, 0);
  let n: number;
  try {
    n = stream.tryWrite(view);
  } catch (error) {
    if (!(error instanceof WouldBlock)) throw error;
    n = 0;
  }
  if (n === view.length) {
    out.clear();
    return undefined;
  }
  return flushRest(stream, out, n);
}

async function flushRest(stream: ClientStream, out: ReplyWriter, written: number): Promise<void> {
  await stream.writeAll(out.view().subarray(written));
  out.clear();
}

/** Moves the messages waiting in the subscription queue to `pending`; true if there were any. */
function takeMessages(subscriptions: Subscriptions, pending: Message[]): boolean {
  let taken = false;
  for (;;) {
    let message: Message;
    try {
      message = subscriptions.messages.tryRecv();
    } catch {
      return taken; // empty (or closed)
    }
    pending.push(message);
    taken = true;
  }
}

function encodeMessage(out: ReplyWriter, [channel, payload]: Message): void {
  out.arrayHeader(3);
  out.bulkString('message');
  out.bulkString(channel);
  out.bulk(payload);
}

function isDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_RT_SOCKET_CLOSED' ||
    code === 'ERR_RT_BROKEN_PIPE' ||
    code === 'ERR_RT_TLS_TRUNCATED' // a TLS client that closed without close_notify
  );
}
