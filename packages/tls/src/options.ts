import { createSecureContext, type PeerCertificate, type SecureContext, type SecureContextOptions } from 'node:tls';
import { TlsError } from './errors.js';

/**
 * The certificate, key and protocol options of a connector or an acceptor: those of Node's
 * `tls.createSecureContext` (`key`, `cert`, `ca`, `pfx`, `passphrase`, `ciphers`,
 * `minVersion`, `maxVersion`, `ecdhCurve`, `sigalgs`, …). `minVersion` defaults to
 * `'TLSv1.2'`; without `ca` the peer is verified against Node's CA store.
 *
 * **Cancellation:** not applicable (plain data).
 *
 * **Errors:** a context that cannot be built is `TlsError` `ERR_RT_TLS_CONFIG` from the
 * constructor that takes it.
 *
 * **Example**
 * ```ts
 * const options: TlsContextOptions = { key: readFileSync('key.pem'), cert: readFileSync('cert.pem') };
 * ```
 */
export type TlsContextOptions = SecureContextOptions;

/** Builds a Node secure context, with TLS 1.2 as the floor and a typed error. */
export function secureContext(options: TlsContextOptions, what: string): SecureContext {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${what}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  try {
    return createSecureContext({ minVersion: 'TLSv1.2', ...options });
  } catch (error) {
    const details = error as { reason?: unknown; message?: unknown } | null;
    const reason = typeof details?.reason === 'string' ? details.reason : typeof details?.message === 'string' ? details.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    throw new TlsError('ERR_RT_TLS_CONFIG', `${what}: ${reason}`, { cause: error, ...(typeof code === 'string' ? { opensslCode: code } : {}) });
  }
}

/** Checks `alpnProtocols`: an array of 1..255-byte protocol names. */
export function checkAlpn(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || Buffer.byteLength(p) === 0 || Buffer.byteLength(p) > 255)) {
    throw new TypeError(`${what}: alpnProtocols must be an array of protocol names (1 to 255 bytes each), e.g. ['h2', 'http/1.1']`);
  }
  return [...(value as string[])];
}

/** Checks an optional boolean option. */
export function checkBoolean(value: unknown, what: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${typeof value}`);
  return value as boolean | undefined;
}

/** Checks an optional function option. */
export function checkFunction<F>(value: unknown, what: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${what} must be a function, got ${typeof value}`);
  return value as F | undefined;
}

/** What `checkServerIdentity` receives and returns, as in Node's `tls.connect`. */
export type CheckServerIdentity = (hostname: string, cert: PeerCertificate) => Error | undefined;
