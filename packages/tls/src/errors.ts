import { RtError } from '@rt/scheduler';

/**
 * The stable codes of {@link TlsError}.
 *
 * - `ERR_RT_TLS_CERT_EXPIRED`: the peer's certificate (or one in its chain) is expired or
 *   not yet valid.
 * - `ERR_RT_TLS_CERT_UNTRUSTED`: the chain does not lead to a trusted CA (self-signed,
 *   unknown issuer, bad signature, revoked).
 * - `ERR_RT_TLS_CERT_INVALID`: any other certificate verification failure, or a client
 *   that sent no certificate when one is required.
 * - `ERR_RT_TLS_HOSTNAME_MISMATCH`: the certificate does not name the server name.
 * - `ERR_RT_TLS_ALERT`: the peer sent a fatal alert (its name is in `alert`).
 * - `ERR_RT_TLS_HANDSHAKE`: the handshake failed otherwise (garbage instead of a
 *   ClientHello, no shared cipher or version, the peer closed the connection).
 * - `ERR_RT_TLS_HANDSHAKE_TIMEOUT`: the acceptor's `handshakeTimeout` passed.
 * - `ERR_RT_TLS_TRUNCATED`: end of stream without close_notify after the handshake.
 * - `ERR_RT_TLS_PROTOCOL`: a bad record after the handshake (bad MAC, bad length).
 * - `ERR_RT_TLS_CONFIG`: the options could not make a secure context (bad key or
 *   certificate, unknown cipher or version).
 */
export type TlsErrorCode =
  | 'ERR_RT_TLS_CERT_EXPIRED'
  | 'ERR_RT_TLS_CERT_UNTRUSTED'
  | 'ERR_RT_TLS_CERT_INVALID'
  | 'ERR_RT_TLS_HOSTNAME_MISMATCH'
  | 'ERR_RT_TLS_ALERT'
  | 'ERR_RT_TLS_HANDSHAKE'
  | 'ERR_RT_TLS_HANDSHAKE_TIMEOUT'
  | 'ERR_RT_TLS_TRUNCATED'
  | 'ERR_RT_TLS_PROTOCOL'
  | 'ERR_RT_TLS_CONFIG';

/**
 * A TLS failure: a certificate that does not verify, a failed handshake, an alert from the
 * peer, a truncated stream or a bad record. `code` is one of {@link TlsErrorCode};
 * `reason` is OpenSSL's (or Node's) reason in words, `opensslCode` the code Node gave the
 * underlying error (`'CERT_HAS_EXPIRED'`, `'ERR_SSL_WRONG_VERSION_NUMBER'`, …) when there
 * was one, and `cause` that error itself.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await connector.connect('example.com', tcp); }
 * catch (error) {
 *   if (error instanceof TlsError && error.code === 'ERR_RT_TLS_CERT_EXPIRED') console.log(error.reason);
 *   else throw error;
 * }
 * ```
 */
export class TlsError extends RtError {
  declare readonly code: TlsErrorCode;
  /** OpenSSL's (or Node's) reason, e.g. `'certificate has expired'`. */
  readonly reason: string;
  /** The code of the Node/OpenSSL error behind this one, e.g. `'CERT_HAS_EXPIRED'`. */
  readonly opensslCode: string | undefined;
  /** For `ERR_RT_TLS_ALERT`: the alert's name, e.g. `'unknown_ca'`, `'handshake_failure'`. */
  readonly alert: string | undefined;

  constructor(code: TlsErrorCode, reason: string, options?: ErrorOptions & { opensslCode?: string; alert?: string }) {
    super(code, `${describeCode(code)}: ${reason}`, options);
    this.reason = reason;
    this.opensslCode = options?.opensslCode;
    this.alert = options?.alert;
  }
}
Object.defineProperty(TlsError.prototype, 'name', { value: 'TlsError', writable: true, configurable: true });

function describeCode(code: TlsErrorCode): string {
  switch (code) {
    case 'ERR_RT_TLS_CERT_EXPIRED':
      return 'TLS certificate expired or not yet valid';
    case 'ERR_RT_TLS_CERT_UNTRUSTED':
      return 'TLS certificate not trusted';
    case 'ERR_RT_TLS_CERT_INVALID':
      return 'TLS certificate rejected';
    case 'ERR_RT_TLS_HOSTNAME_MISMATCH':
      return 'TLS certificate does not match the server name';
    case 'ERR_RT_TLS_ALERT':
      return 'TLS alert from the peer';
    case 'ERR_RT_TLS_HANDSHAKE':
      return 'TLS handshake failed';
    case 'ERR_RT_TLS_HANDSHAKE_TIMEOUT':
      return 'TLS handshake timed out';
    case 'ERR_RT_TLS_TRUNCATED':
      return 'TLS stream truncated';
    case 'ERR_RT_TLS_PROTOCOL':
      return 'TLS protocol error';
    case 'ERR_RT_TLS_CONFIG':
      return 'TLS configuration rejected';
  }
}

const expired = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);
const untrusted = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
]);
const alertPattern = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/;

/** Whether a TLS error happened during the handshake or on an established stream. */
export type Phase = 'handshake' | 'data';

/**
 * The typed form of an error from Node's TLS socket. rt errors (`Cancelled`, `NetError`,
 * `@rt/io` errors) are returned unchanged: they are typed already and say what happened
 * below TLS.
 */
export function toTlsError(error: unknown, phase: Phase): unknown {
  if (error instanceof RtError) return error;
  // Not `instanceof Error`: errors made by Node's internals may come from another realm.
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') {
    return new TlsError(phase === 'handshake' ? 'ERR_RT_TLS_HANDSHAKE' : 'ERR_RT_TLS_PROTOCOL', String(error), { cause: error });
  }
  const details = error as Error & { code?: unknown; reason?: unknown };
  const nodeCode = typeof details.code === 'string' ? details.code : undefined;
  const reason = typeof details.reason === 'string' && details.reason !== '' ? details.reason : details.message;
  const base = { cause: error, ...(nodeCode === undefined ? {} : { opensslCode: nodeCode }) };
  if (nodeCode === undefined) return new TlsError(phase === 'handshake' ? 'ERR_RT_TLS_HANDSHAKE' : 'ERR_RT_TLS_PROTOCOL', reason, base);
  if (expired.has(nodeCode)) return new TlsError('ERR_RT_TLS_CERT_EXPIRED', reason, base);
  if (untrusted.has(nodeCode)) return new TlsError('ERR_RT_TLS_CERT_UNTRUSTED', reason, base);
  if (nodeCode === 'ERR_TLS_CERT_ALTNAME_INVALID') return new TlsError('ERR_RT_TLS_HOSTNAME_MISMATCH', reason, base);
  if (nodeCode === 'ERR_TLS_HANDSHAKE_TIMEOUT') return new TlsError('ERR_RT_TLS_HANDSHAKE_TIMEOUT', reason, base);
  const alert = alertPattern.exec(nodeCode);
  if (alert !== null) return new TlsError('ERR_RT_TLS_ALERT', reason, { ...base, alert: alert[1]!.toLowerCase() });
  if (nodeCode.startsWith('ERR_SSL_')) return new TlsError(phase === 'handshake' ? 'ERR_RT_TLS_HANDSHAKE' : 'ERR_RT_TLS_PROTOCOL', reason, base);
  // X509 verification codes are upper case without the ERR_ prefix; errno names start with E.
  if (/^[A-Z0-9_]+$/.test(nodeCode) && !nodeCode.startsWith('ERR_') && !/^E[A-Z]+$/.test(nodeCode)) {
    return new TlsError('ERR_RT_TLS_CERT_INVALID', reason, base);
  }
  if (phase === 'handshake' && nodeCode === 'ECONNRESET') {
    return new TlsError('ERR_RT_TLS_HANDSHAKE', `the peer closed the connection during the handshake (${reason})`, base);
  }
  return new TlsError(phase === 'handshake' ? 'ERR_RT_TLS_HANDSHAKE' : 'ERR_RT_TLS_PROTOCOL', reason, base);
}
