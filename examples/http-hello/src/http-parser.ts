// An HTTP/1.1 request parser for exactly what http-hello accepts, strict everywhere else
// (RFC 9112): request line `method SP target SP HTTP/1.x CRLF`, header fields
// `name: value CRLF`, a blank line, and a body only when `Content-Length` declares one.
//
// Refused with an HttpError carrying the status to answer (the server then closes the
// connection): bare LF line endings, whitespace before a colon, obsolete line folding,
// control characters, a missing Host on HTTP/1.1, `Transfer-Encoding` (chunked bodies are
// not supported here: 400 rather than guessing at a body's end, which is what request
// smuggling feeds on), duplicate or malformed Content-Length, a head above `maxHeadLength`
// (431) or a body above `maxBodyLength` (413), and HTTP versions other than 1.0/1.1 (505).
//
// Like mini-redis's RESP parser it reads straight into its own buffer (`spare()` /
// `commit(n)`), parses every complete request of a pipelined burst in turn, and keeps the
// request's target and body as offsets (`target()`, `body()`), so the hot path (a GET)
// allocates nothing but the promise of the read.

/** A request the parser refused; `status` is the response to send before closing. */
export class HttpError extends Error {
  readonly code = 'ERR_RT_HTTP_PARSE';

  constructor(readonly status: 400 | 413 | 431 | 505, detail: string) {
    super(detail);
    this.name = 'HttpError';
  }
}

/** Limits of an {@link HttpParser}. */
export interface HttpLimits {
  /** Longest request line plus header fields, in bytes; default 8 KiB (Node's is 16 KiB). */
  readonly maxHeadLength?: number;
  /** Largest Content-Length body accepted, in bytes; default 1 MiB. */
  readonly maxBodyLength?: number;
}

/** The last request `next()` parsed. Reused: read it before calling `next()` again. */
export interface Request {
  /** The method, e.g. `'GET'` (a token; case-sensitive, as HTTP says). */
  method: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: number;
  /** Whether the connection stays open after the response. */
  keepAlive: boolean;
  /** Length of the body (0 when none); read it with `HttpParser.body()`. */
  bodyLength: number;
  /** Number of header fields. */
  headerCount: number;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;
const INITIAL_CAPACITY = 16 * 1024;

/** tchar of RFC 9110: the characters of a method or a header name. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** Compares `buffer[start, end)` with a lower-case ASCII name, ignoring case. */
function nameIs(buffer: Buffer, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((buffer[start + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`HttpParser: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Incremental HTTP/1.x request parser; see the file comment. */
export class HttpParser {
  readonly maxHeadLength: number;
  readonly maxBodyLength: number;
  readonly request: Request = { method: '', minorVersion: 1, keepAlive: true, bodyLength: 0, headerCount: 0 };

  #buffer: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  #start = 0;
  #end = 0;
  /** Where the search for the end of the head resumes (nothing before it can end it). */
  #scanned = 0;
  #bodyStart = 0;
  #targetStart = 0;
  #targetEnd = 0;

  constructor(limits: HttpLimits = {}) {
    this.maxHeadLength = checkLimit('maxHeadLength', limits.maxHeadLength, 8 * 1024);
    this.maxBodyLength = checkLimit('maxBodyLength', limits.maxBodyLength, 1024 * 1024);
  }

  /** Bytes received and not yet consumed by a parsed request. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The buffer's capacity. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** Free space to read into; compacts (earlier requests' bodies become invalid) and grows. */
  spare(): Buffer {
    const pending = this.#end - this.#start;
    if (this.#start > 0) {
      if (pending > 0) this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#scanned -= this.#start;
      this.#start = 0;
      this.#end = pending;
    }
    if (this.#buffer.length - pending < 4096) {
      const grown = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(grown, 0, 0, pending);
      this.#buffer = grown;
    } else if (pending === 0 && this.#buffer.length > 4 * INITIAL_CAPACITY) {
      this.#buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
    }
    return this.#end === 0 ? this.#buffer : this.#buffer.subarray(this.#end);
  }

  /** Declares that `n` bytes were written at the start of the last `spare()`. */
  commit(n: number): void {
    if (!Number.isInteger(n) || n < 0 || this.#end + n > this.#buffer.length) {
      throw new RangeError(`HttpParser.commit: ${String(n)} bytes do not fit the spare space`);
    }
    this.#end += n;
  }

  /** Copies `chunk` in (tests). */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const spare = this.spare();
      const n = Math.min(spare.length, chunk.length - offset);
      spare.set(chunk.subarray(offset, offset + n));
      this.commit(n);
      offset += n;
    }
  }

  /** The request target of the last request as sent, e.g. `'/index.html?x=1'`. */
  target(): string {
    return this.#buffer.toString('latin1', this.#targetStart, this.#targetEnd);
  }

  /** True if the last request's target is exactly `path` (ASCII), without allocating. */
  targetIs(path: string): boolean {
    if (this.#targetEnd - this.#targetStart !== path.length) return false;
    for (let i = 0; i < path.length; i++) if (this.#buffer[this.#targetStart + i] !== path.charCodeAt(i)) return false;
    return true;
  }

  /** The body of the last request (a view into the parser's buffer). */
  body(): Buffer {
    return this.#buffer.subarray(this.#bodyStart, this.#bodyStart + this.request.bodyLength);
  }

  /**
   * Parses the next complete request (head and body) into `request` and returns true, or
   * returns false when more bytes are needed.
   *
   * Errors: {@link HttpError} with the status to answer; the connection must then close.
   */
  next(): boolean {
    const buffer = this.#buffer;
    const start = this.#start;
    const end = this.#end;
    if (start === end) return false;
    // Find CRLF CRLF, resuming where the last attempt stopped.
    let i = Math.max(this.#scanned, start);
    const limit = Math.min(end, start + this.maxHeadLength);
    let headEnd = -1;
    for (; i < limit; i++) {
      if (buffer[i] === LF) {
        if (i === start || buffer[i - 1] !== CR) throw new HttpError(400, 'bare LF in the request head');
        if (i + 2 < end && buffer[i + 1] === CR && buffer[i + 2] === LF) {
          headEnd = i + 3;
          break;
        }
      }
    }
    if (headEnd < 0) {
      if (end - start >= this.maxHeadLength) throw new HttpError(431, `request head longer than ${this.maxHeadLength} bytes`);
      this.#scanned = Math.max(start, end - 3);
      return false;
    }
    const bodyLength = this.#head(start, headEnd);
    if (headEnd + bodyLength > end) {
      // Wait for the body; remember that the head is complete.
      this.#scanned = headEnd - 3;
      if (this.#buffer.length < headEnd - start + bodyLength + 4096) this.#grow(headEnd - start + bodyLength + 4096);
      return false;
    }
    this.#bodyStart = headEnd;
    this.request.bodyLength = bodyLength;
    this.#start = headEnd + bodyLength;
    this.#scanned = this.#start;
    return true;
  }

  #grow(size: number): void {
    const pending = this.#end - this.#start;
    const grown = Buffer.allocUnsafe(size);
    this.#buffer.copy(grown, 0, this.#start, this.#end);
    this.#scanned -= this.#start;
    this.#start = 0;
    this.#end = pending;
    this.#buffer = grown;
  }

  /** Parses the head in [start, headEnd) into `request`; returns the body length. */
  #head(start: number, headEnd: number): number {
    const buffer = this.#buffer;
    const request = this.request;
    // Request line.
    let i = start;
    while (TOKEN[buffer[i]!] === 1) i++;
    if (i === start || buffer[i] !== SP) throw new HttpError(400, 'malformed method');
    request.method = i - start === 3 && buffer[start] === 71 && buffer[start + 1] === 69 && buffer[start + 2] === 84 ? 'GET' : buffer.toString('latin1', start, i);
    const targetStart = ++i;
    while (buffer[i]! > SP && buffer[i] !== 127) i++;
    if (i === targetStart || buffer[i] !== SP) throw new HttpError(400, 'malformed request target');
    this.#targetStart = targetStart;
    this.#targetEnd = i;
    i++;
    // HTTP/1.x
    if (
      buffer[i] !== 72 || buffer[i + 1] !== 84 || buffer[i + 2] !== 84 || buffer[i + 3] !== 80 || buffer[i + 4] !== 47 ||
      !(buffer[i + 5]! >= 48 && buffer[i + 5]! <= 57) || buffer[i + 6] !== 46 || !(buffer[i + 7]! >= 48 && buffer[i + 7]! <= 57) ||
      buffer[i + 8] !== CR || buffer[i + 9] !== LF
    ) {
      throw new HttpError(400, 'malformed HTTP version');
    }
    if (buffer[i + 5] !== 49 || buffer[i + 7]! > 49) throw new HttpError(505, `HTTP/${String.fromCharCode(buffer[i + 5]!)}.${String.fromCharCode(buffer[i + 7]!)} is not supported`);
    request.minorVersion = buffer[i + 7]! - 48;
    i += 10;
    // Header fields, up to the blank line.
    let contentLength = -1;
    let hasHost = false;
    let connectionClose = false;
    let connectionKeepAlive = false;
    let headers = 0;
    while (i < headEnd - 2) {
      const nameStart = i;
      while (TOKEN[buffer[i]!] === 1) i++;
      if (i === nameStart) throw new HttpError(400, buffer[i] === SP || buffer[i] === HT ? 'obsolete line folding' : 'malformed header name');
      if (buffer[i] !== COLON) throw new HttpError(400, 'malformed header field (whitespace before the colon?)');
      const nameEnd = i++;
      while (buffer[i] === SP || buffer[i] === HT) i++;
      const valueStart = i;
      while (buffer[i] !== CR) {
        const c = buffer[i]!;
        if (c === LF) throw new HttpError(400, 'bare LF in a header field');
        if ((c < SP && c !== HT) || c === 127) throw new HttpError(400, 'control character in a header value');
        i++;
      }
      let valueEnd = i;
      while (valueEnd > valueStart && (buffer[valueEnd - 1] === SP || buffer[valueEnd - 1] === HT)) valueEnd--;
      if (buffer[i + 1] !== LF) throw new HttpError(400, 'bare CR in a header field');
      i += 2;
      headers++;
      switch (nameEnd - nameStart) {
        case 4:
          if (nameIs(buffer, nameStart, nameEnd, 'host')) {
            if (hasHost) throw new HttpError(400, 'more than one Host header');
            hasHost = true;
          }
          break;
        case 10:
          if (nameIs(buffer, nameStart, nameEnd, 'connection')) {
            for (const option of buffer.toString('latin1', valueStart, valueEnd).toLowerCase().split(',')) {
              const token = option.trim();
              if (token === 'close') connectionClose = true;
              else if (token === 'keep-alive') connectionKeepAlive = true;
            }
          }
          break;
        case 14:
          if (nameIs(buffer, nameStart, nameEnd, 'content-length')) {
            if (valueEnd === valueStart || valueEnd - valueStart > 15) throw new HttpError(400, 'malformed Content-Length');
            let n = 0;
            for (let k = valueStart; k < valueEnd; k++) {
              const c = buffer[k]!;
              if (c < 48 || c > 57) throw new HttpError(400, 'malformed Content-Length');
              n = n * 10 + (c - 48);
            }
            if (contentLength >= 0 && contentLength !== n) throw new HttpError(400, 'conflicting Content-Length headers');
            contentLength = n;
          }
          break;
        case 17:
          if (nameIs(buffer, nameStart, nameEnd, 'transfer-encoding')) throw new HttpError(400, 'Transfer-Encoding is not supported (send Content-Length)');
          break;
        default:
          break;
      }
    }
    if (request.minorVersion === 1 && !hasHost) throw new HttpError(400, 'HTTP/1.1 request without a Host header');
    if (contentLength > this.maxBodyLength) throw new HttpError(413, `body of ${contentLength} bytes is larger than ${this.maxBodyLength}`);
    request.headerCount = headers;
    request.keepAlive = request.minorVersion === 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
    return contentLength < 0 ? 0 : contentLength;
  }
}
