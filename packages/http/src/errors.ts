import { RtError } from '@rt/scheduler';

/** Stable codes of {@link HttpError}, one per reason a message was refused. */
export type HttpErrorCode =
  | 'ERR_RT_HTTP_PARSE'
  | 'ERR_RT_HTTP_SMUGGLING'
  | 'ERR_RT_HTTP_URI_TOO_LONG'
  | 'ERR_RT_HTTP_HEADERS_TOO_LARGE'
  | 'ERR_RT_HTTP_BODY_TOO_LARGE'
  | 'ERR_RT_HTTP_HEADER_TIMEOUT'
  | 'ERR_RT_HTTP_VERSION'
  | 'ERR_RT_HTTP_NOT_IMPLEMENTED'
  | 'ERR_RT_HTTP_EXPECTATION'
  | 'ERR_RT_HTTP_TOO_MANY_CONNECTIONS'
  | 'ERR_RT_HTTP_INCOMPLETE';

/**
 * A message the parser or the server refused. `status` is the response a server sends before
 * it closes the connection (400 for malformed or ambiguous framing, 413, 414, 431, 408, 501,
 * 505, 417, 503); a client sees the same class for a malformed response (`status` is then 502).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await request.text(); } catch (error) {
 *   if (error instanceof HttpError && error.status === 413) console.log('body too large');
 * }
 * ```
 */
export class HttpError extends RtError {
  declare readonly code: HttpErrorCode;
  readonly status: number;

  constructor(status: number, code: HttpErrorCode, message: string) {
    super(code, message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** 400 for malformed syntax. */
export function malformed(message: string): HttpError {
  return new HttpError(400, 'ERR_RT_HTTP_PARSE', message);
}

/** 400 for framing that two parsers could read differently (request smuggling). */
export function smuggling(message: string): HttpError {
  return new HttpError(400, 'ERR_RT_HTTP_SMUGGLING', message);
}
