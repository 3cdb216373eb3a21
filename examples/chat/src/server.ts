// A line-based chat server: every line a client sends goes to every other client.
//
// Protocol (plain text, one message per line, so `nc host port` is a client):
//   server → client   `* welcome, you are guest3 (/nick NAME to rename, /quit to leave)`
//   client → server   `hello`           others see `guest3: hello`
//   client → server   `/nick alice`     everyone sees `* guest3 is now alice`
//   client → server   `/quit`           the server says `* bye` and closes the connection
//   join and leave are announced to the others: `* alice joined`, `* alice left`.
//
// Fan-out is one `broadcast` channel from @rt/sync: each connection subscribes and forwards
// what it receives to its socket. A client too slow to keep up loses the oldest messages
// (it is told how many) instead of making the server buffer without bound. Incoming lines are
// framed by @rt/util's LinesCodec (`\n` or `\r\n`, at most `maxLineLength` bytes).
import { LineTooLong } from '@rt/io';
import { TcpListener } from '@rt/net';
import type { SocketAddr, TcpStream, ToSocketAddrs } from '@rt/net';
import { JoinSet } from '@rt/scheduler';
import { Lagged, SendError, broadcast } from '@rt/sync';
import { FramedRead, LinesCodec } from '@rt/util';

/** One chat line on the bus: who sent it (connection id, 0 = the server) and its text. */
interface Message {
  readonly from: number;
  readonly text: string;
}

/** Options of {@link startChatServer}. */
export interface ChatOptions {
  /** Messages kept for slow clients before they lag (default 256). */
  capacity?: number;
  /** Longest accepted line in bytes (default 4096). */
  maxLineLength?: number;
}

/** A running chat server. */
export interface ChatServer {
  readonly localAddr: SocketAddr;
  /** Clients connected now. */
  readonly clients: number;
  /** Stops accepting, disconnects every client and waits for their tasks. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const NAME = /^[A-Za-z0-9_-]{1,32}$/;

async function send(stream: TcpStream | ReturnType<TcpStream['split']>[1], line: string, signal?: AbortSignal): Promise<void> {
  await stream.writeAll(encoder.encode(`${line}\n`), signal === undefined ? undefined : { signal });
}

/** Binds `addr` and runs the chat in one task per client. */
export async function startChatServer(addr: ToSocketAddrs, options: ChatOptions = {}): Promise<ChatServer> {
  const listener = await TcpListener.bind(addr);
  const [bus, unused] = broadcast.channel<Message>(options.capacity ?? 256);
  unused.close(); // each session subscribes its own receiver
  /** Sends to every connected client; with nobody connected there is nobody to tell. */
  const publish = (message: Message): void => {
    try {
      bus.send(message);
    } catch (error) {
      if (!(error instanceof SendError)) throw error;
    }
  };
  const maxLineLength = options.maxLineLength ?? 4096;
  const sessions = new JoinSet<void>();
  let nextId = 1;
  let clients = 0;

  async function session(stream: TcpStream, id: number): Promise<void> {
    let name = `guest${id}`;
    const inbox = bus.subscribe();
    const [reader, writer] = stream.split();
    const stopForwarding = new AbortController();
    clients++;
    // Forward what others say to this client until it leaves.
    const forwarding = (async () => {
      for (;;) {
        let message: Message;
        try {
          message = await inbox.recv({ signal: stopForwarding.signal });
        } catch (error) {
          if (error instanceof Lagged) {
            await send(writer, `* you missed ${error.skipped} messages`, stopForwarding.signal);
            continue;
          }
          return; // left, closed, or aborted
        }
        if (message.from !== id) await send(writer, message.text, stopForwarding.signal);
      }
    })().catch(() => {});
    try {
      await send(writer, `* welcome, you are ${name} (/nick NAME to rename, /quit to leave)`);
      publish({ from: id, text: `* ${name} joined` });
      const lines = new FramedRead(reader, new LinesCodec({ maxLength: maxLineLength }));
      for (;;) {
        let text: string | undefined;
        try {
          text = await lines.next();
        } catch (error) {
          if (error instanceof LineTooLong) await send(writer, `* line longer than ${maxLineLength} bytes: goodbye`);
          throw error;
        }
        if (text === undefined) break; // end of stream
        if (text === '') continue;
        if (text === '/quit') {
          await send(writer, '* bye');
          break;
        }
        if (text.startsWith('/nick')) {
          const wanted = text.slice(5).trim();
          if (!NAME.test(wanted)) {
            await send(writer, '* a name is 1-32 letters, digits, _ or -');
            continue;
          }
          publish({ from: 0, text: `* ${name} is now ${wanted}` });
          name = wanted;
          continue;
        }
        publish({ from: id, text: `${name}: ${text}` });
      }
    } finally {
      clients--;
      stopForwarding.abort();
      await forwarding;
      inbox.close();
      publish({ from: id, text: `* ${name} left` });
      try {
        await writer.shutdown();
      } catch {
        // the client is already gone
      }
      stream.close();
    }
  }

  const acceptLoop = (async () => {
    for await (const stream of listener) {
      const id = nextId++;
      stream.setNoDelay(true);
      sessions.spawn(() => session(stream, id).catch(() => {}));
      try {
        while (sessions.tryJoinNext() !== undefined);
      } catch {
        // a session was aborted: nothing to report
      }
    }
  })();

  return {
    localAddr: listener.localAddr(),
    get clients() {
      return clients;
    },
    async close() {
      listener.close();
      await acceptLoop;
      await sessions.shutdown();
    },
  };
}
