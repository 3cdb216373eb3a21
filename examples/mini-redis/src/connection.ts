// One client connection, over `Framed` with the RESP codec (`resp-codec.ts`): wait for a
// command (`framed.next()`), execute it and every other complete command already in the
// read buffer (`framed.tryNext()`: pipelining), write all their replies at once, repeat. A subscribed connection also waits
// for pub/sub messages: it `select`s between the next command and its message queue's
// notification; the read is never aborted when a message wins (it stays in flight for the
// next turn), so no byte it reads can be dropped, on TCP as on TLS.
//
// Graceful shutdown: the server cancels the root `CancellationToken`. A connection only
// stops where it waits for the next command: commands already read are executed and their
// replies written before the connection closes, so every command a client saw acknowledged
// was executed. Cancelling the token closes the stream of a connection that is waiting
// (its read ends); a busy one sees the token when it next would wait. (No signal is passed
// to each read: `runUntilCancelled` or a signal per read halved the requests/s of
// unpipelined clients in redis-benchmark, for an event that happens once.)
import type { AsyncRead, AsyncWrite } from '@rt/io';
import { select } from '@rt/macros';
import { WouldBlock } from '@rt/net';
import { Framed, type CancellationToken } from '@rt/util';
import { execute, Next, type Context } from './commands.js';
import type { Db } from './db.js';
import { Subscriptions, type Message, type PubSub } from './pub-sub.js';
import { ReplyWriter } from './reply-writer.js';
import { RespCodec } from './resp-codec.js';
import { ProtocolError, type RespLimits, type RespParser } from './resp-parser.js';

/** Replies above this size are written before the rest of a pipelined batch runs. */
const FLUSH_THRESHOLD = 64 * 1024;

/** What a connection shares with the server. */
export interface Shared {
  readonly db: Db;
  readonly pubSub: PubSub;
  readonly limits: RespLimits;
}

/**
 * What a connection reads and writes: any rt byte stream, a `TcpStream` or a `TlsStream`
 * (`--tls-cert`).
 */
export interface ClientStream extends AsyncRead, AsyncWrite {
  close(): void;
  setNoDelay?(noDelay: boolean): void;
  /** A write that never waits (`TcpStream`): replies go out without a promise when it takes them all. */
  tryWrite?(buf: Uint8Array): number;
}

/**
 * Serves one client until it quits, disconnects, breaks the protocol (it gets
 * `-ERR Protocol error: …` and is closed) or `shutdown` is cancelled. Closes the stream.
 *
 * **Cancellation:** cancel `shutdown` for a graceful stop: the connection stops where it
 * waits for the next command, after the commands it has read were executed and answered.
 * Aborting the calling task stops it at its next await point instead (a batch may then be
 * executed without its replies written).
 *
 * **Errors:** rejects with unexpected stream errors; a reset or closed peer, a protocol error
 * and a shutdown end it normally.
 *
 * **Example**
 * ```ts
 * await serveConnection(await listener.accept(), { db, pubSub, limits: {} }, shutdown.childToken());
 * ```
 */
export async function serveConnection(stream: ClientStream, shared: Shared, shutdown: CancellationToken): Promise<void> {
  const framed = new Framed(stream, new RespCodec(shared.limits));
  const out = new ReplyWriter();
  const context: Context = {
    db: shared.db,
    pubSub: shared.pubSub,
    subscriptions: undefined,
    openSubscriptions: () => (context.subscriptions ??= new Subscriptions(shared.pubSub)),
  };
  stream.setNoDelay?.(true);
  // A read kept in flight across message deliveries (subscribed connections).
  let inflight: Promise<RespParser | undefined> | undefined;
  let idle = false;
  const closeIfIdle = (): void => {
    if (idle) stream.close();
  };
  const signal = shutdown.signal;
  signal.addEventListener('abort', closeIfIdle, { once: true });
  try {
    for (;;) {
      let command: RespParser | undefined;
      const subscriptions = context.subscriptions;
      if (subscriptions === undefined || subscriptions.count === 0) {
        if (shutdown.isCancelled) return;
        idle = true;
        try {
          command = await (inflight ?? framed.next());
        } finally {
          idle = false;
        }
        inflight = undefined;
        if (command === undefined) return; // end of stream
      } else if (!takeMessages(subscriptions, out)) {
        const reading = (inflight ??= framed.next());
        const winner = await select({
          read: () => reading,
          message: (signal) => subscriptions.arrived.notified({ signal }),
          stop: (signal) => shutdown.cancelled({ signal }),
        }, {
          // A read that completes as another branch wins is not lost: `inflight` keeps it
          // for the next turn; a lost notification or cancellation carries no value.
          onLost: () => {},
        });
        if (winner.branch === 'stop') return;
        if (winner.branch === 'read') {
          inflight = undefined;
          command = winner.value;
          if (command === undefined) return;
        }
      }
      // Execute this command and every complete one already buffered, then write the replies.
      while (command !== undefined) {
        if (command.argc > 0) {
          if (execute(command, command.argc, context, out) === Next.Close) {
            await framed.send(out);
            return;
          }
          if (out.length >= FLUSH_THRESHOLD) {
            const writing = sendNow(framed, stream, out);
            if (writing !== undefined) await writing;
          }
        }
        command = framed.tryNext();
      }
      if (context.subscriptions !== undefined) takeMessages(context.subscriptions, out);
      if (out.length > 0) {
        const writing = sendNow(framed, stream, out);
        if (writing !== undefined) await writing;
      }
    }
  } catch (error) {
    if (error instanceof ProtocolError) {
      out.error(`ERR ${error.message}`);
      try {
        await framed.send(out);
      } catch (sendError) {
        if (!isDisconnect(sendError)) throw sendError;
      }
      return;
    }
    // A reset peer is a normal end of a connection, and so is the close of a shutdown.
    if (!shutdown.isCancelled && !isDisconnect(error)) throw error;
  } finally {
    signal.removeEventListener('abort', closeIfIdle);
    context.subscriptions?.close();
    stream.close();
  }
}

/**
 * Writes the batch of replies; returns undefined when the socket took all of it at once (the
 * usual case on TCP: no promise, no await), else a promise of the rest being written through
 * the `Framed` write buffer (which keeps the order: the fast path is only taken when that
 * buffer is empty).
 */
function sendNow(framed: Framed<RespParser, ReplyWriter>, stream: ClientStream, out: ReplyWriter): Promise<void> | undefined {
  const writeBuffer = framed.writeBuffer;
  if (stream.tryWrite === undefined || writeBuffer.length > 0) return framed.send(out);
  const view = out.view();
  let n: number;
  try {
    n = stream.tryWrite(view);
  } catch (error) {
    if (!(error instanceof WouldBlock)) throw error;
    n = 0;
  }
  if (n < view.length) writeBuffer.put(view.subarray(n));
  out.clear();
  return n < view.length ? framed.flush() : undefined;
}

/**
 * Encodes the messages waiting in the subscription queue into `out`; true if there were any.
 * (`isEmpty` first: no `TryRecvError` thrown and caught per batch.)
 */
function takeMessages(subscriptions: Subscriptions, out: ReplyWriter): boolean {
  const messages = subscriptions.messages;
  if (messages.isEmpty) return false;
  do encodeMessage(out, messages.tryRecv());
  while (!messages.isEmpty);
  return true;
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
