// The rt-console wire protocol, version 1 (documented in ../README.md, "Protocol").
//
// A TCP connection carries newline-delimited JSON, one object per line, UTF-8:
//   server → client, on connect: {"protocol":"rt-console","version":1,"runtime":NAME,"pid":PID}
//   client → server:             {"op":"snapshot"}            (or {"op":"hello"})
//   server → client:             {"ok":true,"snapshot":SNAPSHOT} | {"ok":false,"error":MESSAGE}
// A line that is not JSON, not an object or names an unknown op gets an {"ok":false} reply and
// the connection stays open; a line longer than MAX_LINE bytes closes it (after the reply).
// Fields may be added within a version; a client ignores what it does not know.
import type { RtWarning, RuntimeHistograms, TaskStats } from '@rt/scheduler';

/** The protocol version this package speaks. */
export const PROTOCOL_VERSION = 1;

/** Longest request line the server accepts, in bytes. */
export const MAX_LINE = 64 * 1024;

/**
 * The first line a console server sends.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { hello } = await ConsoleClient.connect('127.0.0.1:6669'); // hello.runtime
 * ```
 */
export interface Hello {
  readonly protocol: 'rt-console';
  readonly version: number;
  readonly runtime: string;
  readonly pid: number;
}

/** One task in a {@link Snapshot}: its `TaskStats`, and in a multi-thread runtime the index of the worker running it. */
export type SnapshotTask = TaskStats & { readonly worker?: number };

/**
 * One worker of a multi-thread runtime in a {@link Snapshot} (`serveConsole(multiThreadRuntime)`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const w of snapshot.workers ?? []) console.log(w.index, w.tasks, w.histograms?.pollMs.p99);
 * ```
 */
export interface SnapshotWorker {
  readonly index: number;
  /** The worker's runtime name. */
  readonly runtime: string;
  readonly instrumented: boolean;
  /** How many of the snapshot's tasks run on it. */
  readonly tasks: number;
  /** How many of the snapshot's warnings came from it. */
  readonly warnings: number;
  /** Its runtime's histograms (undefined when not instrumented). */
  readonly histograms: RuntimeHistograms | undefined;
}

/**
 * A primitive some task is parked on, with its waiters (the task ids, most recent park last).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const r of snapshot.resources) console.log(r.label, r.waiters.length);
 * ```
 */
export interface SnapshotResource {
  readonly label: string;
  readonly waiters: readonly number[];
  /** In a multi-thread runtime: the worker whose tasks these are (task ids are per worker). */
  readonly worker?: number;
}

/**
 * What one `{"op":"snapshot"}` returns: the runtime's live tasks with their accounting, the
 * resources tasks are parked on, the blocking detector's warnings and the runtime's metrics.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const snapshot = await client.snapshot();
 * console.log(snapshot.tasks.filter((t) => t.state === 'waiting').length);
 * ```
 */
export interface Snapshot {
  readonly version: number;
  readonly runtime: string;
  readonly pid: number;
  /** `Date.now()` when taken. */
  readonly at: number;
  readonly instrumented: boolean;
  readonly tasks: readonly SnapshotTask[];
  readonly resources: readonly SnapshotResource[];
  readonly warnings: readonly (RtWarning & { readonly worker?: number })[];
  readonly metrics: Readonly<Record<string, unknown>>;
  /**
   * A multi-thread runtime's workers (absent for a current-thread runtime); its tasks and
   * warnings then carry `worker`, the index of the worker they come from.
   */
  readonly workers?: readonly SnapshotWorker[];
}

/** A request as the server understands it, or the reason it does not. */
export type Request = { readonly op: 'snapshot' | 'hello' } | { readonly error: string };

/** Parses one request line (without its newline). Never throws. */
export function parseRequest(line: string): Request {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'request is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'request must be a JSON object' };
  const op = (value as { op?: unknown }).op;
  if (op === 'snapshot' || op === 'hello') return { op };
  return { error: `unknown op ${typeof op === 'string' ? JSON.stringify(op.slice(0, 40)) : typeof op}` };
}

/**
 * Splits a byte stream into lines: `push` returns the complete lines so far; a line longer than
 * `limit` bytes sets `overflow`.
 */
export class LineSplitter {
  private pending = '';
  overflow = false;
  constructor(private readonly limit: number) {}

  push(chunk: string): string[] {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop()!;
    if (this.pending.length > this.limit || lines.some((line) => line.length > this.limit)) this.overflow = true;
    return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}

/** Splits `host:port` (`[v6]:port` too). Throws TypeError on anything else. */
export function parseAddr(addr: unknown, what: string): { host: string; port: number } {
  if (typeof addr !== 'string') throw new TypeError(`${what}: address must be a 'host:port' string, got ${typeof addr}`);
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(addr);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) throw new TypeError(`${what}: address must be 'host:port' (port 0-65535), got ${JSON.stringify(addr)}`);
  return { host: match[1] ?? match[2]!, port };
}

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
