// An echo server: every byte a client sends comes back, with backpressure (a client that
// stops reading stops the server from reading its connection, nothing piles up in memory).
import { copy, writeAll } from '@rt/io';
import { TcpListener } from '@rt/net';
import type { SocketAddr, TcpStream, ToSocketAddrs } from '@rt/net';
import { JoinSet } from '@rt/scheduler';
import { Semaphore } from '@rt/sync';
import { timeout } from '@rt/time';

/** Limits of {@link startEchoServer}: what a public server needs so that idle or greedy clients cannot hold it. */
export interface EchoOptions {
  /**
   * At most this many connections are served at once; when all are busy the server stops
   * accepting (the kernel's backlog holds the next ones) until one ends. Default: no limit.
   */
  readonly maxConnections?: number;
  /**
   * A connection that sends nothing — or does not read its echo, so the write cannot
   * progress — for this many milliseconds is closed. Default: no timeout.
   */
  readonly idleTimeout?: number;
}

/** A running echo server. */
export interface EchoServer {
  /** Where it listens (with the port chosen for port 0). */
  readonly localAddr: SocketAddr;
  /** How many connections it has served to completion. */
  readonly served: number;
  /** How many connections were closed by the idle timeout. */
  readonly timedOut: number;
  /** Connections being served now. */
  readonly active: number;
  /** Stops accepting, aborts the connections' tasks and waits for them. */
  close(): Promise<void>;
}

/**
 * Serves one connection: copy its reading half into its writing half until end of stream.
 * With `idleTimeout`, each read and each write must make progress within that many
 * milliseconds, or the connection is closed (rejects with `Elapsed` from @rt/time).
 */
export async function echo(stream: TcpStream, idleTimeout?: number): Promise<number> {
  stream.setNoDelay(true);
  const [reader, writer] = stream.split();
  try {
    let n = 0;
    if (idleTimeout === undefined) {
      n = await copy(reader, writer);
    } else {
      const buf = new Uint8Array(16 * 1024);
      for (;;) {
        // Both are cancel safe to time out here: the connection is closed right after.
        const got = await timeout(idleTimeout, (signal) => reader.read(buf, { signal }));
        if (got === 0) break;
        await timeout(idleTimeout, (signal) => writeAll(writer, buf.subarray(0, got), { signal }));
        n += got;
      }
    }
    await writer.shutdown();
    return n;
  } finally {
    stream.close();
  }
}

function checkOptions(options: EchoOptions): void {
  const { maxConnections, idleTimeout } = options;
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
    throw new RangeError(`startEchoServer: maxConnections must be an integer >= 1, got ${String(maxConnections)}`);
  }
  if (idleTimeout !== undefined && (typeof idleTimeout !== 'number' || !Number.isFinite(idleTimeout) || idleTimeout <= 0)) {
    throw new RangeError(`startEchoServer: idleTimeout must be a finite number of milliseconds > 0, got ${String(idleTimeout)}`);
  }
}

/** Binds `addr` and serves each connection in its own task, within `options`' limits. */
export async function startEchoServer(addr: ToSocketAddrs, options: EchoOptions = {}): Promise<EchoServer> {
  checkOptions(options);
  const listener = await TcpListener.bind(addr);
  const connections = new JoinSet<number>();
  const slots = options.maxConnections === undefined ? undefined : new Semaphore(options.maxConnections);
  const stopped = new AbortController();
  let served = 0;
  let timedOut = 0;
  let active = 0;
  const acceptLoop = (async () => {
    for (;;) {
      // Take a slot before accepting: a full server leaves the next client in the backlog.
      let permit;
      try {
        permit = await slots?.acquire({ signal: stopped.signal });
      } catch {
        return; // closing
      }
      let stream: TcpStream;
      try {
        stream = await listener.accept();
      } catch {
        permit?.release();
        return; // the listener was closed
      }
      active++;
      connections.spawn(async () => {
        try {
          return await echo(stream, options.idleTimeout);
        } catch (error) {
          if (error instanceof Error && (error as { code?: unknown }).code === 'ERR_RT_ELAPSED') timedOut++;
          return 0; // a reset, a timeout or an abort ends this connection only
        } finally {
          served++;
          active--;
          permit?.release();
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
    get timedOut() {
      return timedOut;
    },
    get active() {
      return active;
    },
    async close() {
      stopped.abort();
      listener.close();
      await acceptLoop;
      await connections.shutdown();
    },
  };
}
