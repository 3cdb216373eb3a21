// The byte stream under a TLS socket: an rt stream wrapped by @rt/io's toNodeDuplex, plus
// what Node's TLSSocket does not tell us (whether end of stream came before close_notify)
// and how to close the rt stream, which the TLS stream owns.
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { park, type WaitOptions } from '@rt/scheduler';
import { toNodeDuplex, type AsyncRead, type AsyncWrite } from '@rt/io';
import { TlsError, toTlsError } from '../errors.js';

/** Any rt byte stream: a `TcpStream`, a `UnixStream`, an `@rt/io` duplex end. */
export type ByteStream = AsyncRead & AsyncWrite;

export function checkStream(stream: unknown, what: string): asserts stream is ByteStream {
  const s = stream as Partial<ByteStream> | null;
  if (s === null || typeof s !== 'object' || typeof s.read !== 'function' || typeof s.write !== 'function' || typeof s.shutdown !== 'function') {
    throw new TypeError(`${what}: stream must be an rt byte stream (read, write, flush, shutdown), got ${s === null ? 'null' : typeof s}`);
  }
}

/** Closes an rt stream whatever its shape: `close()`, else async dispose, else shutdown. */
export function closeStream(stream: ByteStream): void {
  const s = stream as ByteStream & { close?: () => void; [Symbol.asyncDispose]?: () => Promise<void> };
  try {
    if (typeof s.close === 'function') s.close();
    else if (typeof s[Symbol.asyncDispose] === 'function') s[Symbol.asyncDispose]!().catch(() => undefined);
    else s.shutdown().catch(() => undefined);
  } catch {
    // already closed: nothing more to release
  }
}

/**
 * Node's readable state records `ended` as soon as the TLS layer pushed its end of stream
 * (close_notify seen), before `'end'` is emitted; there is no public getter for it.
 */
function tlsEnded(socket: TLSSocket): boolean {
  const state = (socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return socket.readableEnded || state?.ended === true;
}

export class Transport {
  readonly stream: ByteStream;
  readonly duplex: Duplex;
  socket: TLSSocket | undefined;
  /** End of stream from the peer arrived before its close_notify. */
  truncated = false;
  #closed = false;

  constructor(stream: ByteStream) {
    this.stream = stream;
    this.duplex = toNodeDuplex(stream);
    // Registered before Node's own listeners: at the raw 'end', every byte before it went
    // through the TLS layer, so a close_notify among them has already ended the TLS side.
    this.duplex.on('end', () => {
      if (this.socket !== undefined && !tlsEnded(this.socket)) this.truncated = true;
    });
    // Read/write errors of the rt stream reach the TLS socket through Node's wrapper; this
    // listener only keeps an 'error' with no other listener from being thrown.
    this.duplex.on('error', () => undefined);
  }

  /** Destroys the TLS socket and closes the rt stream. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket?.destroy();
    this.duplex.destroy();
    closeStream(this.stream);
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/** How a handshake is waited for. */
export interface HandshakeWait {
  label: string;
  /** The event the TLS socket emits when the handshake is done. */
  doneEvent: 'secure' | 'secureConnect';
  /** Checked once the handshake is done; an error fails it (e.g. a client certificate). */
  verify?: (socket: TLSSocket) => Error | undefined;
  /** 0 for none. */
  timeoutMs: number;
}

/**
 * Waits for the handshake of `transport.socket`. On any failure, abort or timeout the
 * socket is destroyed and the rt stream closed before the promise rejects.
 */
export async function handshake(transport: Transport, wait: HandshakeWait, options: WaitOptions | undefined): Promise<void> {
  const socket = transport.socket!;
  let timer: NodeJS.Timeout | undefined;
  const listeners: [string, (...args: unknown[]) => void][] = [];
  const cleanup = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    for (const [event, listener] of listeners) socket.off(event, listener);
  };
  let parked: ReturnType<typeof park<void>>;
  try {
    parked = park<void>(
      wait.label,
      () => {
        cleanup();
        transport.close();
      },
      options,
    );
  } catch (error) {
    transport.close();
    throw error;
  }
  const { waiter, promise } = parked;
  const fail = (error: unknown): void => {
    if (waiter.settled) return;
    cleanup();
    transport.close();
    waiter.fail(error);
  };
  const on = (event: string, listener: (...args: unknown[]) => void): void => {
    listeners.push([event, listener]);
    socket.on(event, listener);
  };
  on(wait.doneEvent, () => {
    if (waiter.settled) return;
    const rejected = wait.verify?.(socket);
    if (rejected !== undefined) {
      fail(toTlsError(rejected, 'handshake'));
      return;
    }
    cleanup();
    waiter.wake();
  });
  on('error', (error) => fail(toTlsError(error, 'handshake')));
  // Garbage then FIN from the peer ends the server-side socket with no 'error'.
  const closed = (): void => fail(new TlsError('ERR_RT_TLS_HANDSHAKE', 'the peer closed the connection during the handshake'));
  on('end', closed);
  on('close', closed);
  if (wait.timeoutMs > 0) {
    timer = setTimeout(() => {
      fail(new TlsError('ERR_RT_TLS_HANDSHAKE_TIMEOUT', `no complete handshake within ${wait.timeoutMs} ms`));
    }, wait.timeoutMs);
  }
  return promise;
}
