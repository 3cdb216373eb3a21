// The HTTP/1.1 message parser (RFC 9112), shared by the server (requests) and the client
// (responses). How and why:
//
// - One growable buffer per connection (`InputBuffer`): the socket reads straight into its
//   free tail (`spare()` / `commit(n)`), the parser consumes from its head, and `spare()`
//   compacts. Nothing is allocated per read.
// - A head is parsed only once it is complete (CRLF CRLF seen), in one pass that checks every
//   byte. The search for the end resumes where the last one stopped, so a head arriving one
//   byte at a time costs O(n), not O(n²). The head becomes ONE latin1 string and nothing else
//   per field: the fields, validated in that pass, are split out of the string only when asked
//   for (the lazy `Request.headers`), so a hello-world GET costs one string and one object.
// - Strict where leniency lets two parsers disagree about where a message ends (request
//   smuggling): bare LF or bare CR, obs-fold, NUL and other controls, whitespace before a
//   colon, Content-Length together with Transfer-Encoding, repeated or non-numeric
//   Content-Length, a transfer coding other than a final `chunked`, bad chunk sizes or
//   extensions. Every refusal is an `HttpError` whose status the server sends before it
//   closes the connection; nothing after a refused message is ever parsed, so a pipelined
//   connection cannot desynchronise.
// - Bodies: `ChunkedDecoder` is a byte-level state machine that yields the data ranges of the
//   chunks in place (no copy) and skips the trailer section (field lines checked, then
//   ignored: trailers never become headers).
import { HttpError, malformed, smuggling } from '../errors.js';

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;

/** tchar of RFC 9110: the characters of a method, a header name, a chunk extension name. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** Whether `text` is a non-empty token (a valid method or header field name). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Field value bytes: visible ASCII, SP, HT and obs-text; never NUL, CR, LF or other controls. */
const VALUE = new Uint8Array(256);
VALUE[HT] = 1;
for (let c = 32; c < 256; c++) if (c !== 127) VALUE[c] = 1;

/** Hex digit values, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

/** The input buffer's first size (and the size it shrinks back to): what a head read takes at most on a fresh connection. */
export const INITIAL_CAPACITY = 16 * 1024;

/** A connection's input buffer: read into `spare()`, `commit(n)`, consume from `start`. */
export class InputBuffer {
  buffer: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  start = 0;
  end = 0;
  /** Where the search for the end of a head resumes. */
  scanned = 0;

  /** A DataView over `buffer` (for comparing 4 bytes at a time), made again when `buffer` is another. */
  #view: DataView | undefined = undefined;
  #viewOf: Buffer | undefined = undefined;

  get buffered(): number {
    return this.end - this.start;
  }

  /** A DataView over `buffer` as it is now. */
  view(): DataView {
    const buffer = this.buffer;
    if (this.#viewOf !== buffer || this.#view === undefined) {
      this.#viewOf = buffer;
      this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
    }
    return this.#view;
  }

  /** Free space to read into (at least `min` bytes, default 4 KiB): compacts, grows, shrinks back when empty. */
  spare(min = 4096): Buffer {
    const pending = this.end - this.start;
    if (this.start > 0) {
      if (pending > 0) this.buffer.copy(this.buffer, 0, this.start, this.end);
      this.scanned = Math.max(0, this.scanned - this.start);
      this.start = 0;
      this.end = pending;
    }
    if (pending === 0 && this.buffer.length > Math.max(4 * INITIAL_CAPACITY, 2 * min)) {
      this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, min));
    } else if (this.buffer.length - pending < min) {
      let size = this.buffer.length * 2;
      while (size - pending < min) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buffer.copy(grown, 0, 0, pending);
      this.buffer = grown;
    }
    // An empty buffer is read into whole (the usual keep-alive case): no view to allocate.
    return this.end === 0 ? this.buffer : this.buffer.subarray(this.end);
  }

  commit(n: number): void {
    this.end += n;
  }

  /** Copies `chunk` in (tests and fuzzing). */
  push(chunk: Uint8Array): void {
    this.spare(chunk.length).set(chunk);
    this.commit(chunk.length);
  }
}

/** How a message's body ends. */
export const enum Framing {
  None = 0,
  Length = 1,
  Chunked = 2,
  /** Responses only: the body runs to the end of the connection. */
  UntilClose = 3,
}

/** Limits the parser enforces. */
export interface ParserLimits {
  readonly maxRequestLine: number;
  readonly maxHeaderSize: number;
  readonly maxHeaders: number;
  readonly maxBodySize: number;
}

/**
 * A parsed head: one string, the offsets that matter, and its framing. Never changed once parsed:
 * a request head byte-identical to the last one parsed gets the same Head back (see
 * `repeatedRequestHead`), so two requests may share one.
 */
export class Head {
  /** The whole head as latin1, request line (or status line) included, final CRLF CRLF excluded. */
  text = '';
  /** Where the field lines begin in `text` (after the first line's CRLF). */
  fieldsStart = 0;
  /** Request: the method; response: ''. */
  method = '';
  /** Request: offsets of the target in `text`. */
  targetStart = 0;
  targetEnd = 0;
  /** Response: the status code and reason. */
  status = 0;
  reason = '';
  minorVersion = 1;
  keepAlive = true;
  framing: Framing = Framing.None;
  contentLength = 0;
  /** The request had `Expect: 100-continue`. */
  expectContinue = false;
  /** Offsets of the Host value in `text` (-1 when absent). */
  hostStart = -1;
  hostEnd = -1;
  /** The request asked for an upgrade (`Connection: upgrade`); such requests get no special treatment. */
  upgrade = false;

  get target(): string {
    return this.text.slice(this.targetStart, this.targetEnd);
  }

  get host(): string {
    return this.hostStart < 0 ? '' : this.text.slice(this.hostStart, this.hostEnd);
  }

  /**
   * The header fields as [name, value] pairs, names as sent. The parser validated every line,
   * so each has a colon and a value without CR or LF; only the optional whitespace is trimmed.
   */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    const text = this.text;
    const end = text.length;
    let i = this.fieldsStart;
    while (i < end) {
      let lineEnd = text.indexOf('\r\n', i);
      if (lineEnd < 0) lineEnd = end;
      const colon = text.indexOf(':', i);
      let valueStart = colon + 1;
      let valueEnd = lineEnd;
      while (valueStart < valueEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
      while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
      out.push([text.slice(i, colon), text.slice(valueStart, valueEnd)]);
      i = lineEnd + 2;
    }
    return out;
  }
}

function isOws(c: number): boolean {
  return c === SP || c === HT;
}

function lowerIs(buffer: Buffer, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buffer[start + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Trims optional whitespace around comma-separated list elements and lower-cases them. */
function listOf(buffer: Buffer, start: number, end: number): string[] {
  return buffer.toString('latin1', start, end).toLowerCase().split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** The error of a head that outgrew its limits (module functions: no closure per parse). */
type TooLong = (firstLine: boolean, maxFirstLine: number, maxHeaderSize: number) => HttpError;

function requestHeadTooLong(firstLine: boolean, maxFirstLine: number, maxHeaderSize: number): HttpError {
  return firstLine
    ? new HttpError(414, 'ERR_RT_HTTP_URI_TOO_LONG', `request line longer than ${maxFirstLine} bytes`)
    : new HttpError(431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE', `request head longer than ${maxHeaderSize} bytes`);
}

function responseHeadTooLong(_firstLine: boolean, _maxFirstLine: number, maxHeaderSize: number): HttpError {
  return new HttpError(502, 'ERR_RT_HTTP_HEADERS_TOO_LARGE', `response head longer than ${maxHeaderSize} bytes`);
}

/**
 * Finds the end of the head starting at `input.start` (the index after CRLF CRLF), or -1
 * when more bytes are needed. Leading empty lines before a request line are skipped (RFC
 * 9112 §2.2). Throws 414 when the first line outgrows `maxFirstLine`, 431 when the head
 * outgrows `maxHeaderSize`, 400 for a bare LF.
 */
function findHeadEnd(input: InputBuffer, maxFirstLine: number, maxHeaderSize: number, tooLong: TooLong): number {
  const buffer = input.buffer;
  // Skip empty lines before the message (at most a few, then it is garbage).
  while (input.end - input.start >= 2 && buffer[input.start] === CR && buffer[input.start + 1] === LF) {
    input.start += 2;
  }
  if (input.end - input.start === 1 && buffer[input.start] === CR) return -1;
  const start = input.start;
  const end = input.end;
  let i = Math.max(input.scanned, start);
  const limit = Math.min(end, start + maxHeaderSize);
  for (; i < limit; i++) {
    if (buffer[i] === LF) {
      if (i === start || buffer[i - 1] !== CR) throw malformed('bare LF in the message head');
      if (i + 2 < end && buffer[i + 1] === CR && buffer[i + 2] === LF) {
        input.scanned = i + 3;
        return i + 3;
      }
      if (i + 2 >= end) break; // cannot tell yet
    }
  }
  // No end yet: is the first line already too long?
  if (end - start > maxFirstLine) {
    const lf = buffer.indexOf(LF, start);
    if (lf < 0 || lf >= end || lf - start > maxFirstLine) throw tooLong(true, maxFirstLine, maxHeaderSize);
  }
  if (end - start >= maxHeaderSize) throw tooLong(false, maxFirstLine, maxHeaderSize);
  input.scanned = Math.max(start, Math.min(i, end) - 3);
  return -1;
}

/**
 * Parses the field lines in `buffer[i, headEnd - 2)` into `head` (offsets relative to
 * `base`) and applies the framing rules. Returns nothing; throws `HttpError`.
 */
function parseFields(buffer: Buffer, i: number, headEnd: number, base: number, head: Head, limits: ParserLimits, isRequest: boolean): void {
  head.fieldsStart = i - base;
  let count = 0;
  let contentLength = -1;
  let transferEncoding: string[] | undefined;
  let connectionClose = false;
  let connectionKeepAlive = false;
  let hostSeen = false;
  const last = headEnd - 2;
  while (i < last) {
    const nameStart = i;
    while (TOKEN[buffer[i]!] === 1) i++;
    if (i === nameStart) {
      const c = buffer[i];
      throw malformed(c === SP || c === HT ? 'obsolete line folding in a header field' : 'malformed header field name');
    }
    if (buffer[i] !== COLON) throw malformed('malformed header field (whitespace before the colon?)');
    const nameEnd = i++;
    while (buffer[i] === SP || buffer[i] === HT) i++;
    const valueStart = i;
    while (VALUE[buffer[i]!] === 1) i++;
    if (buffer[i] !== CR) {
      const c = buffer[i]!;
      throw malformed(c === 0 ? 'NUL in a header value' : c === LF ? 'bare LF in a header field' : 'control character in a header value');
    }
    if (buffer[i + 1] !== LF) throw malformed('bare CR in a header field');
    let valueEnd = i;
    while (valueEnd > valueStart && (buffer[valueEnd - 1] === SP || buffer[valueEnd - 1] === HT)) valueEnd--;
    i += 2;
    if (++count > limits.maxHeaders) {
      throw new HttpError(431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE', `more than ${limits.maxHeaders} header fields`);
    }
    switch (nameEnd - nameStart) {
      case 4:
        if (isRequest && lowerIs(buffer, nameStart, nameEnd, 'host')) {
          if (hostSeen) throw malformed('more than one Host header field');
          hostSeen = true;
          head.hostStart = valueStart - base;
          head.hostEnd = valueEnd - base;
        }
        break;
      case 6:
        if (isRequest && lowerIs(buffer, nameStart, nameEnd, 'expect')) {
          if (lowerIs(buffer, valueStart, valueEnd, '100-continue')) head.expectContinue = true;
          else throw new HttpError(417, 'ERR_RT_HTTP_EXPECTATION', 'only Expect: 100-continue is supported');
        }
        break;
      case 10:
        if (lowerIs(buffer, nameStart, nameEnd, 'connection')) {
          for (const token of listOf(buffer, valueStart, valueEnd)) {
            if (token === 'close') connectionClose = true;
            else if (token === 'keep-alive') connectionKeepAlive = true;
            else if (token === 'upgrade') head.upgrade = true;
          }
        }
        break;
      case 14:
        if (lowerIs(buffer, nameStart, nameEnd, 'content-length')) {
          if (contentLength >= 0) throw smuggling('more than one Content-Length header field');
          if (valueEnd === valueStart || valueEnd - valueStart > 15) throw smuggling('malformed Content-Length');
          let n = 0;
          for (let k = valueStart; k < valueEnd; k++) {
            const c = buffer[k]!;
            if (c < 48 || c > 57) throw smuggling('malformed Content-Length');
            n = n * 10 + (c - 48);
          }
          contentLength = n;
        }
        break;
      case 17:
        if (lowerIs(buffer, nameStart, nameEnd, 'transfer-encoding')) {
          transferEncoding = (transferEncoding ?? []).concat(listOf(buffer, valueStart, valueEnd));
        }
        break;
      default:
        break;
    }
  }
  if (transferEncoding !== undefined) {
    if (contentLength >= 0) throw smuggling('both Content-Length and Transfer-Encoding');
    if (head.minorVersion === 0 && isRequest) throw smuggling('Transfer-Encoding in an HTTP/1.0 request');
    const final = transferEncoding[transferEncoding.length - 1];
    if (final !== 'chunked') {
      if (isRequest) throw smuggling('Transfer-Encoding without a final chunked coding');
      head.framing = Framing.UntilClose;
    } else {
      if (transferEncoding.indexOf('chunked') !== transferEncoding.length - 1) throw smuggling('chunked applied more than once');
      if (transferEncoding.length > 1) throw new HttpError(501, 'ERR_RT_HTTP_NOT_IMPLEMENTED', `transfer coding ${transferEncoding[0]!} is not implemented`);
      head.framing = Framing.Chunked;
    }
  } else if (contentLength >= 0) {
    head.contentLength = contentLength;
    head.framing = contentLength === 0 ? Framing.None : Framing.Length;
  } else {
    head.framing = isRequest ? Framing.None : Framing.UntilClose;
  }
  if (head.framing === Framing.Length && contentLength > limits.maxBodySize) {
    throw new HttpError(413, 'ERR_RT_HTTP_BODY_TOO_LARGE', `body of ${contentLength} bytes is larger than the limit of ${limits.maxBodySize}`);
  }
  if (isRequest && head.minorVersion === 1 && !hostSeen) throw malformed('HTTP/1.1 request without a Host header field');
  head.keepAlive = head.minorVersion === 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
}

/** Reads `HTTP/1.x` at `i`; returns the minor version. */
function version(buffer: Buffer, i: number): number {
  if (
    buffer[i] !== 72 || buffer[i + 1] !== 84 || buffer[i + 2] !== 84 || buffer[i + 3] !== 80 || buffer[i + 4] !== 47 ||
    !(buffer[i + 5]! >= 48 && buffer[i + 5]! <= 57) || buffer[i + 6] !== 46 || !(buffer[i + 7]! >= 48 && buffer[i + 7]! <= 57)
  ) {
    throw malformed('malformed HTTP version');
  }
  if (buffer[i + 5] !== 49 || buffer[i + 7]! > 49) {
    throw new HttpError(505, 'ERR_RT_HTTP_VERSION', `HTTP/${String.fromCharCode(buffer[i + 5]!)}.${String.fromCharCode(buffer[i + 7]!)} is not supported`);
  }
  return buffer[i + 7]! - 48;
}

/**
 * Parses the next request head in `input`: returns a {@link Head} and consumes it, or returns
 * undefined when more bytes are needed. The body (if any) follows at `input.start`.
 */
export function parseRequestHead(input: InputBuffer, limits: ParserLimits): Head | undefined {
  const repeated = repeatedRequestHead(input, limits);
  if (repeated !== undefined) return repeated;
  const headEnd = findHeadEnd(input, limits.maxRequestLine, limits.maxHeaderSize, requestHeadTooLong);
  if (headEnd < 0) return undefined;
  const buffer = input.buffer;
  const start = input.start;
  const head = new Head();
  let i = start;
  while (TOKEN[buffer[i]!] === 1) i++;
  if (i === start || buffer[i] !== SP) throw malformed('malformed method');
  head.method = i - start === 3 && buffer[start] === 71 && buffer[start + 1] === 69 && buffer[start + 2] === 84 ? 'GET' : buffer.toString('latin1', start, i);
  const targetStart = ++i;
  while (buffer[i]! > SP && buffer[i] !== 127) i++;
  if (i === targetStart || buffer[i] !== SP) throw malformed('malformed request target');
  if (i - start > limits.maxRequestLine) throw new HttpError(414, 'ERR_RT_HTTP_URI_TOO_LONG', `request line longer than ${limits.maxRequestLine} bytes`);
  checkTarget(buffer, targetStart, i, head.method);
  head.targetStart = targetStart - start;
  head.targetEnd = i - start;
  head.minorVersion = version(buffer, i + 1);
  i += 9;
  if (buffer[i] !== CR || buffer[i + 1] !== LF) throw malformed('malformed request line');
  i += 2;
  parseFields(buffer, i, headEnd, start, head, limits, true);
  head.text = buffer.toString('latin1', start, headEnd - 4);
  input.start = headEnd;
  input.scanned = headEnd;
  rememberRequestHead(head, limits, buffer, start, headEnd);
  return head;
}

/**
 * The last request head parsed (by any connection) and the limits it was checked against (the
 * object and its values). A
 * parse is a function of the head's bytes and the limits only, and a {@link Head} is never
 * changed once parsed, so a request whose head has the same bytes (a client repeating its
 * request on a kept-alive connection: a poller, a health check, a load generator) gets the same
 * Head back: no scan, no field parse, no string made, nothing allocated.
 */
let lastRequestHead: Head | undefined;
let lastRequestLimits: ParserLimits | undefined;
/** The values of those limits then (a limits object changed in place since is not the same limits). */
let lastMaxRequestLine = 0;
let lastMaxHeaderSize = 0;
let lastMaxHeaders = 0;
let lastMaxBodySize = 0;
/**
 * Its bytes (the text, then CR LF CR LF: the first `lastRequestLength`), and the same memory as
 * 32-bit words in this platform's byte order. Reused from head to head and grown only for a
 * longer one: a stream of distinct heads (a miss every time) allocates nothing per request.
 */
let lastRequestBytes = new Uint8Array(1024);
let lastRequestWords = new Int32Array(lastRequestBytes.buffer);
let lastRequestLength = 0;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rememberRequestHead(head: Head, limits: ParserLimits, buffer: Buffer, start: number, headEnd: number): void {
  const length = headEnd - start;
  if (length > lastRequestBytes.length) {
    lastRequestBytes = new Uint8Array((length + 1023) & ~1023);
    lastRequestWords = new Int32Array(lastRequestBytes.buffer);
  }
  buffer.copy(lastRequestBytes, 0, start, headEnd);
  lastRequestLength = length;
  lastRequestHead = head;
  lastRequestLimits = limits;
  lastMaxRequestLine = limits.maxRequestLine;
  lastMaxHeaderSize = limits.maxHeaderSize;
  lastMaxHeaders = limits.maxHeaders;
  lastMaxBodySize = limits.maxBodySize;
}

/**
 * The last request head when `input` starts with the same bytes (its text, then CR LF CR LF),
 * consumed; else undefined (the full parse follows). A head that differs usually differs in its
 * first line, so a miss costs a few comparisons.
 */
function repeatedRequestHead(input: InputBuffer, limits: ParserLimits): Head | undefined {
  const head = lastRequestHead;
  if (
    head === undefined || limits !== lastRequestLimits || limits.maxRequestLine !== lastMaxRequestLine ||
    limits.maxHeaderSize !== lastMaxHeaderSize || limits.maxHeaders !== lastMaxHeaders || limits.maxBodySize !== lastMaxBodySize
  ) {
    return undefined;
  }
  const bytes = lastRequestBytes;
  const length = lastRequestLength;
  const start = input.start;
  const headEnd = start + length;
  if (headEnd > input.end) return undefined;
  // The text holds no CR LF CR LF (its parse found the first one after it), so equal bytes end
  // the head exactly where the last one ended. Compared 4 bytes at a time (a byte loop cost
  // ~30 instructions a byte in the optimised code, callgrind), then the last 0–3.
  const view = input.view();
  const words = lastRequestWords;
  const count = length >>> 2;
  for (let k = 0; k < count; k++) {
    if (view.getInt32(start + 4 * k, LITTLE_ENDIAN) !== words[k]) return undefined;
  }
  const buffer = input.buffer;
  for (let at = 4 * count; at < length; at++) {
    if (buffer[start + at] !== bytes[at]) return undefined;
  }
  input.start = headEnd;
  input.scanned = headEnd;
  return head;
}

/** The four forms of RFC 9112 §3.2: origin, absolute (http/https), authority (CONNECT), asterisk (OPTIONS). */
function checkTarget(buffer: Buffer, start: number, end: number, method: string): void {
  const first = buffer[start];
  if (first === 47 /* / */) return;
  if (method === 'CONNECT') {
    const colon = buffer.indexOf(58, start);
    const slash = buffer.indexOf(47, start);
    if (colon > start && colon < end - 1 && (slash < 0 || slash >= end)) return;
    throw malformed('CONNECT needs an authority-form target (host:port)');
  }
  if (first === 42 /* * */ && end - start === 1 && method === 'OPTIONS') return;
  const text = buffer.toString('latin1', start, Math.min(end, start + 8)).toLowerCase();
  if (text.startsWith('http://') || text.startsWith('https://')) return;
  throw malformed('malformed request target');
}

/** Parses the next response head in `input` (the client side); see {@link parseRequestHead}. */
export function parseResponseHead(input: InputBuffer, limits: ParserLimits, requestMethod: string): Head | undefined {
  const headEnd = findHeadEnd(input, limits.maxHeaderSize, limits.maxHeaderSize, responseHeadTooLong);
  if (headEnd < 0) return undefined;
  const buffer = input.buffer;
  const start = input.start;
  const head = new Head();
  try {
    head.minorVersion = version(buffer, start);
    let i = start + 8;
    if (buffer[i] !== SP) throw malformed('malformed status line');
    const d0 = buffer[i + 1]! - 48;
    const d1 = buffer[i + 2]! - 48;
    const d2 = buffer[i + 3]! - 48;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw malformed('malformed status code');
    head.status = d0 * 100 + d1 * 10 + d2;
    i += 4;
    const reasonStart = buffer[i] === SP ? i + 1 : i;
    while (VALUE[buffer[i]!] === 1) i++;
    if (buffer[i] !== CR || buffer[i + 1] !== LF) throw malformed('malformed status line');
    head.reason = buffer.toString('latin1', reasonStart, i);
    i += 2;
    parseFields(buffer, i, headEnd, start, head, { ...limits, maxBodySize: Number.MAX_SAFE_INTEGER }, false);
  } catch (error) {
    if (error instanceof HttpError && error.status < 500) throw new HttpError(502, error.code, `bad response: ${error.message}`);
    throw error;
  }
  // No body for HEAD, 1xx, 204 and 304, whatever the head says (RFC 9112 §6.3).
  if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) head.framing = Framing.None;
  head.text = buffer.toString('latin1', start, headEnd - 4);
  input.start = headEnd;
  input.scanned = headEnd;
  return head;
}

const enum Chunk {
  Size = 0,
  Extension = 1,
  SizeLf = 2,
  Data = 3,
  DataCr = 4,
  DataLf = 5,
  TrailerLineStart = 6,
  TrailerLine = 7,
  TrailerLf = 8,
  FinalLf = 9,
  Done = 10,
}

/**
 * Decodes a chunked body in place. `next(input)` consumes bytes from `input.start` and
 * returns the length of a data range starting at `dataStart` (0 when it consumed framing
 * only and needs more bytes, or when `done`).
 */
export class ChunkedDecoder {
  #state = Chunk.Size;
  #remaining = 0;
  #sizeDigits = 0;
  #extensionBytes = 0;
  #extensionStarted = false;
  #trailerBytes = 0;
  #total = 0;
  dataStart = 0;
  done = false;

  constructor(readonly maxBodySize: number, readonly maxTrailerSize = 16 * 1024) {}

  next(input: InputBuffer): number {
    const buffer = input.buffer;
    let i = input.start;
    const end = input.end;
    while (i < end) {
      const c = buffer[i]!;
      switch (this.#state) {
        case Chunk.Size: {
          const h = HEX[c]!;
          if (h >= 0) {
            if (++this.#sizeDigits > 12) throw smuggling('chunk size too large');
            this.#remaining = this.#remaining * 16 + h;
            i++;
          } else if (this.#sizeDigits === 0) {
            throw smuggling('invalid chunk size');
          } else if (c === CR) {
            this.#state = Chunk.SizeLf;
            i++;
          } else if (c === 59 /* ; */ || c === SP || c === HT) {
            this.#state = Chunk.Extension;
            this.#extensionStarted = c === 59;
            this.#extensionBytes = 1;
            i++;
          } else {
            throw smuggling('invalid chunk size');
          }
          break;
        }
        case Chunk.Extension:
          // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): names and values
          // are tokens or quoted strings; nothing here may be a CR, LF or control.
          if (c === CR) {
            if (!this.#extensionStarted && this.#extensionBytes > 0) throw smuggling('invalid chunk extension');
            this.#state = Chunk.SizeLf;
          } else if (c === 59 /* ; */) {
            this.#extensionStarted = true;
          } else if (VALUE[c] !== 1 || (!this.#extensionStarted && c !== SP && c !== HT)) {
            throw smuggling('invalid chunk extension');
          }
          if (++this.#extensionBytes > 4096) throw smuggling('chunk extensions longer than 4096 bytes');
          i++;
          break;
        case Chunk.SizeLf:
          if (c !== LF) throw smuggling('bare CR after a chunk size');
          i++;
          this.#sizeDigits = 0;
          this.#extensionBytes = 0;
          if (this.#remaining === 0) {
            this.#state = Chunk.TrailerLineStart;
          } else {
            this.#total += this.#remaining;
            if (this.#total > this.maxBodySize) {
              throw new HttpError(413, 'ERR_RT_HTTP_BODY_TOO_LARGE', `chunked body larger than the limit of ${this.maxBodySize}`);
            }
            this.#state = Chunk.Data;
          }
          break;
        case Chunk.Data: {
          const n = Math.min(this.#remaining, end - i);
          this.dataStart = i;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = Chunk.DataCr;
          input.start = i + n;
          return n;
        }
        case Chunk.DataCr:
          if (c !== CR) throw smuggling('chunk data longer than its size');
          this.#state = Chunk.DataLf;
          i++;
          break;
        case Chunk.DataLf:
          if (c !== LF) throw smuggling('bare CR after chunk data');
          this.#state = Chunk.Size;
          i++;
          break;
        case Chunk.TrailerLineStart:
          if (c === CR) {
            this.#state = Chunk.FinalLf;
          } else if (TOKEN[c] === 1) {
            this.#state = Chunk.TrailerLine;
          } else {
            throw smuggling('malformed trailer field');
          }
          i++;
          break;
        case Chunk.TrailerLine:
          if (c === CR) this.#state = Chunk.TrailerLf;
          else if (VALUE[c] !== 1) throw smuggling('control character in a trailer field');
          if (++this.#trailerBytes > this.maxTrailerSize) throw new HttpError(431, 'ERR_RT_HTTP_HEADERS_TOO_LARGE', 'trailer section too large');
          i++;
          break;
        case Chunk.TrailerLf:
          if (c !== LF) throw smuggling('bare CR in a trailer field');
          this.#state = Chunk.TrailerLineStart;
          i++;
          break;
        case Chunk.FinalLf:
          if (c !== LF) throw smuggling('bare CR at the end of a chunked body');
          this.#state = Chunk.Done;
          this.done = true;
          input.start = i + 1;
          return 0;
        default:
          input.start = i;
          return 0;
      }
    }
    input.start = i;
    return 0;
  }
}
