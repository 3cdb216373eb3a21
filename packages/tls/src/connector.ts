import { isIP } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import { throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { checkAlpn, checkBoolean, checkFunction, secureContext, type CheckServerIdentity, type TlsContextOptions } from './options.js';
import { checkStream, closeStream, handshake, Transport, type ByteStream } from './internal/transport.js';
import { checkEngine, NativeContext, NativeTls, type TlsEngine } from './internal/native.js';
import { TlsError } from './errors.js';
import { TlsStream } from './tls-stream.js';

/**
 * Options of `new TlsConnector(options)`: the secure-context options (`ca`, `cert`/`key`
 * for a client certificate, `ciphers`, `minVersion`, …) plus these.
 *
 * **Cancellation:** not applicable (plain data).
 *
 * **Errors:** see `TlsConnector`.
 *
 * **Example**
 * ```ts
 * new TlsConnector({ ca: readFileSync('ca.crt'), alpnProtocols: ['h2', 'http/1.1'] });
 * ```
 */
export interface TlsConnectorOptions extends TlsContextOptions {
  /** Protocols to offer with ALPN, most preferred first. */
  alpnProtocols?: string[];
  /**
   * Whether to fail the handshake when the server's certificate does not verify (default
   * true). `false` is for tests against a self-signed server only.
   */
  rejectUnauthorized?: boolean;
  /** Replaces Node's host name check (`tls.checkServerIdentity`); return an Error to fail. */
  checkServerIdentity?: CheckServerIdentity;
  /**
   * Which TLS implementation runs the connections: `'native'` (OpenSSL driven by rt on the
   * socket's fd: the fast path), `'node'` (Node's `TLSSocket` over the rt stream) or
   * `'auto'` (the default: native when the addon is loaded, the options are ones it
   * supports and the stream is a socket on the native driver; Node's otherwise). The
   * environment variable `RT_TLS_ENGINE=node` makes the default `'node'`.
   */
  engine?: TlsEngine;
}

/**
 * Options of `TlsConnector.connect`.
 *
 * **Cancellation:** `signal` aborts the handshake (the rt stream is then closed).
 *
 * **Errors:** see `TlsConnector.connect`.
 *
 * **Example**
 * ```ts
 * await connector.connect('example.com', tcp, { signal: AbortSignal.timeout(5000), session });
 * ```
 */
export interface TlsConnectOptions extends WaitOptions {
  /** A session from an earlier `TlsStream.session`, to resume it. */
  session?: Buffer;
}

/**
 * The client side of TLS (Tokio's `TlsConnector`): wraps an rt byte stream, runs the
 * handshake, verifies the server's certificate and its name, and gives a `TlsStream`.
 *
 * Defaults are the safe ones: the certificate is verified against `ca` (or Node's CA
 * store), the server name is checked, and TLS 1.2 is the lowest version offered. The
 * secure context is built once, in the constructor, and shared by every connection.
 *
 * **Cancellation:** not applicable (see `connect`).
 *
 * **Errors:** `TypeError` for malformed options; `TlsError` `ERR_RT_TLS_CONFIG` when
 * OpenSSL rejects a key, certificate, cipher list or version.
 *
 * **Example**
 * ```ts
 * const connector = new TlsConnector({ ca: readFileSync('ca.crt') });
 * await using tls = await connector.connect('localhost', await TcpStream.connect('127.0.0.1:6379'));
 * ```
 */
export class TlsConnector {
  readonly #context: SecureContext;
  readonly #native: NativeContext | null;
  readonly #engine: TlsEngine;
  readonly #alpn: string[] | undefined;
  readonly #rejectUnauthorized: boolean;
  readonly #checkServerIdentity: CheckServerIdentity | undefined;

  constructor(options: TlsConnectorOptions = {}) {
    const { alpnProtocols, rejectUnauthorized, checkServerIdentity, engine, ...context } = options;
    this.#alpn = checkAlpn(alpnProtocols, 'TlsConnector');
    this.#rejectUnauthorized = checkBoolean(rejectUnauthorized, 'TlsConnector: rejectUnauthorized') ?? true;
    this.#checkServerIdentity = checkFunction<CheckServerIdentity>(checkServerIdentity, 'TlsConnector: checkServerIdentity');
    this.#engine = checkEngine(engine, 'TlsConnector');
    // Node's context is built in every case: it checks the options as Node does (one set of
    // configuration errors) and serves streams the native engine cannot take.
    this.#context = secureContext(context, 'TlsConnector');
    const native =
      this.#engine === 'node'
        ? 'engine: node'
        : this.#checkServerIdentity !== undefined
          ? 'checkServerIdentity is not supported natively'
          : NativeContext.create({ server: false, context, alpn: this.#alpn, verify: this.#rejectUnauthorized ? 1 : 0 });
    if (typeof native === 'string' && this.#engine === 'native') throw new TlsError('ERR_RT_TLS_CONFIG', `TlsConnector: engine 'native': ${native}`);
    this.#native = typeof native === 'string' ? null : native;
  }

  /**
   * Runs the client handshake over `stream` for `serverName` (sent as SNI unless it is an
   * IP address, and checked against the certificate) and resolves with the `TlsStream`,
   * which owns `stream` from then on.
   *
   * **Cancellation:** aborting (`signal` or the task) fails the handshake and closes
   * `stream`; nothing is left open.
   *
   * **Errors:** `TlsError` (`ERR_RT_TLS_CERT_EXPIRED`, `…_CERT_UNTRUSTED`,
   * `…_HOSTNAME_MISMATCH`, `…_ALERT`, `…_HANDSHAKE`); the stream's own errors; `TypeError`
   * for a bad argument; `Cancelled`. `stream` is closed on every failure.
   *
   * **Example**
   * ```ts
   * const tls = await connector.connect('example.com', tcp, { signal });
   * ```
   */
  async connect(serverName: string, stream: TlsStreamInput, options?: TlsConnectOptions): Promise<TlsStream> {
    if (typeof serverName !== 'string' || serverName === '') {
      throw new TypeError('TlsConnector.connect: serverName must be a non-empty string (a host name or an IP address)');
    }
    checkStream(stream, 'TlsConnector.connect');
    const session = options?.session;
    if (session !== undefined && !(session instanceof Uint8Array)) throw new TypeError('TlsConnector.connect: options.session must be a Buffer');
    throwIfCancelled(options);
    if (this.#native !== null && NativeContext.accepts(stream)) {
      const native = NativeTls.open(this.#native, stream, { serverName, verifyHost: this.#rejectUnauthorized, session });
      await native.handshake('TlsConnector.connect', 0, options);
      return new TlsStream(native, serverName);
    }
    if (this.#engine === 'native') {
      closeStream(stream);
      throw new TlsError('ERR_RT_TLS_CONFIG', "TlsConnector.connect: engine 'native' needs a TcpStream or UnixStream on the native driver");
    }
    const transport = new Transport(stream);
    const socket = tlsConnect({
      socket: transport.duplex,
      secureContext: this.#context,
      host: serverName,
      ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
      rejectUnauthorized: this.#rejectUnauthorized,
      ...(this.#alpn === undefined ? {} : { ALPNProtocols: this.#alpn }),
      ...(this.#checkServerIdentity === undefined ? {} : { checkServerIdentity: this.#checkServerIdentity }),
      ...(session === undefined ? {} : { session: Buffer.from(session) }),
    });
    socket.on('error', () => undefined); // every error is reported by the operation it fails
    transport.socket = socket;
    await handshake(transport, { label: 'TlsConnector.connect', doneEvent: 'secureConnect', timeoutMs: 0 }, options);
    return new TlsStream(transport, serverName);
  }
}

/** What `connect` and `accept` wrap: any rt byte stream (`TcpStream`, `UnixStream`, a duplex end). */
export type TlsStreamInput = ByteStream;
