import { TLSSocket, type SecureContext } from 'node:tls';
import { throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions } from '@rt/scheduler';
import { checkAlpn, checkBoolean, checkFunction, secureContext, type TlsContextOptions } from './options.js';
import { checkStream, closeStream, handshake, Transport } from './internal/transport.js';
import { checkEngine, NativeContext, NativeTls, type TlsEngine } from './internal/native.js';
import { TlsError } from './errors.js';
import { TlsStream } from './tls-stream.js';
import type { TlsStreamInput } from './connector.js';

/**
 * What an acceptor's `sniCallback` returns for a server name: a context made by
 * `tls.createSecureContext`, the options to make one, or `undefined` for the acceptor's
 * own certificate.
 */
export type SniResult = SecureContext | TlsContextOptions | undefined;

/**
 * Options of `new TlsAcceptor(options)`: the secure-context options (`key` and `cert`, or
 * `pfx`; `ca` to verify client certificates; `ciphers`, `minVersion`, …) plus these.
 *
 * **Cancellation:** not applicable (plain data).
 *
 * **Errors:** see `TlsAcceptor`.
 *
 * **Example**
 * ```ts
 * new TlsAcceptor({ key, cert, alpnProtocols: ['http/1.1'], handshakeTimeout: 5000 });
 * ```
 */
export interface TlsAcceptorOptions extends TlsContextOptions {
  /** Protocols the server accepts with ALPN, most preferred first. */
  alpnProtocols?: string[];
  /**
   * Chooses the certificate per server name the client sent (SNI); may be async. Not
   * called when the client sent no name.
   */
  sniCallback?: (serverName: string) => SniResult | Promise<SniResult>;
  /** Ask the client for a certificate (mutual TLS). Default false. */
  requestCert?: boolean;
  /**
   * With `requestCert`: fail the handshake when the client sends no certificate or one
   * that does not verify against `ca` (default true).
   */
  rejectUnauthorized?: boolean;
  /** Milliseconds a client has to finish its handshake (default 10 000; 0 for none). */
  handshakeTimeout?: number;
  /**
   * Which TLS implementation runs the connections: `'native'`, `'node'` or `'auto'` (the
   * default), as `TlsConnectorOptions.engine`. `sniCallback`, and `requestCert` with
   * `rejectUnauthorized: false`, need Node's.
   */
  engine?: TlsEngine;
}

/**
 * The server side of TLS (Tokio's `TlsAcceptor`): wraps an accepted rt byte stream, runs
 * the handshake and gives a `TlsStream`. The secure context is built once, in the
 * constructor; `sniCallback` can choose another per server name.
 *
 * **Cancellation:** not applicable (see `accept`).
 *
 * **Errors:** `TypeError`/`RangeError` for malformed options; `TlsError`
 * `ERR_RT_TLS_CONFIG` when OpenSSL rejects the key, certificate, cipher list or version.
 *
 * **Example**
 * ```ts
 * const acceptor = new TlsAcceptor({ key: readFileSync('key.pem'), cert: readFileSync('cert.pem') });
 * for await (const tcp of listener) spawn(async () => {
 *   await using tls = await acceptor.accept(tcp);
 *   await copy(tls, tls);
 * });
 * ```
 */
export class TlsAcceptor {
  readonly #context: SecureContext;
  readonly #native: NativeContext | null;
  readonly #engine: TlsEngine;
  readonly #alpn: string[] | undefined;
  readonly #sni: TlsAcceptorOptions['sniCallback'];
  readonly #requestCert: boolean;
  readonly #rejectUnauthorized: boolean;
  readonly #timeoutMs: number;

  constructor(options: TlsAcceptorOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('TlsAcceptor: options ({ key, cert, \u2026 }) are required');
    const { alpnProtocols, sniCallback, requestCert, rejectUnauthorized, handshakeTimeout, engine, ...context } = options;
    this.#alpn = checkAlpn(alpnProtocols, 'TlsAcceptor');
    this.#sni = checkFunction(sniCallback, 'TlsAcceptor: sniCallback');
    this.#requestCert = checkBoolean(requestCert, 'TlsAcceptor: requestCert') ?? false;
    this.#rejectUnauthorized = checkBoolean(rejectUnauthorized, 'TlsAcceptor: rejectUnauthorized') ?? true;
    const timeoutMs = handshakeTimeout ?? 10_000;
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`TlsAcceptor: handshakeTimeout must be an integer number of milliseconds >= 0, got ${String(timeoutMs)}`);
    }
    this.#timeoutMs = timeoutMs;
    this.#engine = checkEngine(engine, 'TlsAcceptor');
    this.#context = secureContext(context, 'TlsAcceptor');
    const native =
      this.#engine === 'node'
        ? 'engine: node'
        : this.#sni !== undefined
          ? 'sniCallback is not supported natively'
          : this.#requestCert && !this.#rejectUnauthorized
            ? 'requestCert without rejectUnauthorized is not supported natively'
            : NativeContext.create({ server: true, context, alpn: this.#alpn, verify: this.#requestCert ? 2 : 0 });
    if (typeof native === 'string' && this.#engine === 'native') throw new TlsError('ERR_RT_TLS_CONFIG', `TlsAcceptor: engine 'native': ${native}`);
    this.#native = typeof native === 'string' ? null : native;
  }

  /**
   * Runs the server handshake over `stream` and resolves with the `TlsStream`, which owns
   * `stream` from then on. A client that does not finish within `handshakeTimeout` fails
   * the accept.
   *
   * **Cancellation:** aborting (`signal` or the task) fails the handshake and closes
   * `stream`; nothing is left open.
   *
   * **Errors:** `TlsError` (`ERR_RT_TLS_HANDSHAKE` for garbage or a peer that closed,
   * `…_HANDSHAKE_TIMEOUT`, `…_ALERT`, `…_CERT_*` for a rejected client certificate); the
   * stream's own errors; `TypeError` for a bad argument; `Cancelled`. `stream` is closed
   * on every failure.
   *
   * **Example**
   * ```ts
   * const tls = await acceptor.accept(tcp, { signal: shutdown.signal });
   * ```
   */
  async accept(stream: TlsStreamInput, options?: WaitOptions): Promise<TlsStream> {
    checkStream(stream, 'TlsAcceptor.accept');
    throwIfCancelled(options);
    if (this.#native !== null && NativeContext.accepts(stream)) {
      const native = NativeTls.open(this.#native, stream, { serverName: null, verifyHost: false });
      await native.handshake('TlsAcceptor.accept', this.#timeoutMs, options);
      return new TlsStream(native, native.sniName);
    }
    if (this.#engine === 'native') {
      closeStream(stream);
      throw new TlsError('ERR_RT_TLS_CONFIG', "TlsAcceptor.accept: engine 'native' needs a TcpStream or UnixStream on the native driver");
    }
    const transport = new Transport(stream);
    const sni = this.#sni;
    const socket = new TLSSocket(transport.duplex, {
      isServer: true,
      secureContext: this.#context,
      requestCert: this.#requestCert,
      rejectUnauthorized: this.#requestCert && this.#rejectUnauthorized,
      ...(this.#alpn === undefined ? {} : { ALPNProtocols: this.#alpn }),
      ...(sni === undefined
        ? {}
        : {
            SNICallback: (name: string, done: (error: Error | null, context?: SecureContext) => void): void => {
              Promise.resolve()
                .then(() => sni(name))
                .then(
                  (result) => done(null, result === undefined ? this.#context : isContext(result) ? result : secureContext(result, 'TlsAcceptor: sniCallback')),
                  (error: unknown) => done(isErrorLike(error) ? error : new Error(String(error))),
                );
            },
          }),
    });
    socket.on('error', () => undefined); // every error is reported by the operation it fails
    transport.socket = socket;
    const verify = this.#requestCert && this.#rejectUnauthorized ? verifyClient : undefined;
    await handshake(
      transport,
      { label: 'TlsAcceptor.accept', doneEvent: 'secure', timeoutMs: this.#timeoutMs, ...(verify === undefined ? {} : { verify }) },
      options,
    );
    return new TlsStream(transport, typeof socket.servername === 'string' && socket.servername !== '' ? socket.servername : null);
  }
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function isContext(value: SniResult): value is SecureContext {
  return typeof value === 'object' && value !== null && 'context' in value;
}

/**
 * A server-side TLSSocket made without a `tls.Server` is not checked by Node (the check is
 * in the server's listener), so the verification result OpenSSL recorded is read here; if
 * it cannot be read the client is refused.
 */
function verifyClient(socket: TLSSocket): Error | undefined {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== 'function') return new Error('cannot read the client certificate verification result');
  if (socket.getPeerX509Certificate() === undefined) {
    return Object.assign(new Error('the client sent no certificate'), { code: 'PEER_CERT_MISSING' });
  }
  return handle.verifyError() ?? undefined;
}
