// An echo server: every byte a client sends comes back, with backpressure (a client that
// stops reading stops the server from reading its connection, nothing piles up in memory).
import { copy } from '@rt/io';
import { TcpListener } from '@rt/net';
import type { SocketAddr, TcpStream, ToSocketAddrs } from '@rt/net';
import { JoinSet } from '@rt/scheduler';

/** A running echo server. */
export interface EchoServer {
  /** Where it listens (with the port chosen for port 0). */
  readonly localAddr: SocketAddr;
  /** How many connections it has served to completion. */
  readonly served: number;
  /** Stops accepting, aborts the connections' tasks and waits for them. */
  close(): Promise<void>;
}

/** Serves one connection: copy its reading half into its writing half until end of stream. */
export async function echo(stream: TcpStream): Promise<number> {
  stream.setNoDelay(true);
  const [reader, writer] = stream.split();
  try {
    const n = await copy(reader, writer);
    await writer.shutdown();
    return n;
  } finally {
    stream.close();
  }
}

/** Binds `addr` and serves each connection in its own task. */
export async function startEchoServer(addr: ToSocketAddrs): Promise<EchoServer> {
  const listener = await TcpListener.bind(addr);
  const connections = new JoinSet<number>();
  let served = 0;
  const acceptLoop = (async () => {
    for await (const stream of listener) {
      connections.spawn(async () => {
        try {
          return await echo(stream);
        } catch {
          return 0; // a reset or an abort ends this connection only
        } finally {
          served++;
        }
      });
      // Reap finished connections so the set does not grow without bound.
      try {
        while (connections.tryJoinNext() !== undefined);
      } catch {
        // a connection task was aborted: nothing to report
      }
    }
  })();
  return {
    localAddr: listener.localAddr(),
    get served() {
      return served;
    },
    async close() {
      listener.close();
      await acceptLoop;
      await connections.shutdown();
    },
  };
}
