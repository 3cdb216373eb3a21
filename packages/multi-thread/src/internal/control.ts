// The control channel between the supervisor (main thread) and a worker: the messages on
// `worker.postMessage` / `parentPort`, and how errors cross the thread boundary.
//
// Every message is `{ service, kind, id?, payload?, error? }`:
// - `call`  worker → supervisor, request with an `id`; answered by a `reply` with that id
//           (also supervisor → worker for the runtime's own requests, e.g. `dump`).
// - `reply` the answer to a `call`: `payload`, or `error` (a SerializedError).
// - `send`  worker → supervisor, one-way.
// - `post`  supervisor → worker, one-way.
// `service` names the service both halves belong to; `RUNTIME_SERVICE` is the runtime's own
// (worker ready/finished/stopped, run, shutdown, dump).
//
// Errors cannot be structured-cloned with their class and own properties, so they cross as
// `{ name, message, stack, code, … }` and are re-created on the other side as an `Error`
// whose `name`, `message`, `code` and `stack` are the original's (class identity is lost).
import type { MultiThreadConfig } from './contract.js';
import { describe as describeValue } from '@rt/scheduler/primitives';

export { describeValue };

/** The runtime's own service name on the control channel (reserved). */
export const RUNTIME_SERVICE = 'rt.runtime';

export type ControlKind = 'call' | 'send' | 'post' | 'reply';

/** One message on the control channel. */
export interface ControlMessage {
  readonly service: string;
  readonly kind: ControlKind;
  readonly id?: number;
  readonly payload?: unknown;
  readonly error?: SerializedError;
}

/** What every worker receives as `workerData`. */
export interface WorkerBoot {
  readonly index: number;
  readonly count: number;
  readonly runtimeName: string;
  readonly config: MultiThreadConfig;
  /** Each service's `workerData(index)`, by service name. */
  readonly services: Readonly<Record<string, unknown>>;
  /** Worker halves of services added to this runtime (`addService`), started after the built-in ones. */
  readonly extraServices: readonly { readonly name: string; readonly module: string; readonly exportName: string }[];
  /** Every worker's histogram summaries (see worker-histograms.ts); this worker writes its own slot. */
  readonly histograms: SharedArrayBuffer;
}

/** Supervisor → worker `post`s of the runtime service. */
export type RuntimePost =
  | { readonly op: 'run'; readonly run: number; readonly entry: string; readonly exportName: string; readonly args: unknown }
  | { readonly op: 'shutdown'; readonly timeout: number };

/** Worker → supervisor `send`s of the runtime service. */
export type RuntimeSend =
  | { readonly op: 'ready' }
  | { readonly op: 'finished'; readonly run: number; readonly ok: true; readonly value: unknown }
  | {
      readonly op: 'finished';
      readonly run: number;
      readonly ok: false;
      /** `load`: importing the entry or finding its export failed; `run`: the export threw. */
      readonly phase: 'load' | 'run';
      /** The entry ended because the worker is shutting down (not a failure). */
      readonly cancelled: boolean;
      readonly error: SerializedError;
    }
  | { readonly op: 'error'; readonly what: string; readonly error: SerializedError }
  /** The worker's runtime shut itself down (unhandledError: 'shutdown') while no entry ran: a crash. */
  | { readonly op: 'failed'; readonly error: SerializedError }
  | { readonly op: 'stopped'; readonly resources: readonly string[] };

/** An error as it crosses threads. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string | number;
  readonly errno?: number;
  readonly syscall?: string;
  /** Node's and rt's OS error fields besides code/errno/syscall: `kind`, `address`, `port`, `path`. */
  readonly kind?: string;
  readonly address?: string;
  readonly port?: number;
  readonly path?: string;
  readonly cause?: SerializedError;
  /** Set when something other than an Error was thrown (and it could be described). */
  readonly thrown?: string;
}

function plainCode(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** An Error, also one from another realm (a worker's, jest's sandbox), which `instanceof` misses. */
export function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

/** Describes any thrown value as a SerializedError (always structured-cloneable). */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (isError(error)) {
    const withCode = error as Error & { code?: unknown; errno?: unknown; syscall?: unknown; kind?: unknown; address?: unknown; port?: unknown; path?: unknown };
    const code = plainCode(withCode.code);
    const { errno, syscall, kind, address, port, path } = withCode;
    const cause = (error as { cause?: unknown }).cause;
    return {
      name: String(error.name),
      message: String(error.message),
      ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
      ...(code !== undefined ? { code } : {}),
      ...(typeof errno === 'number' ? { errno } : {}),
      ...(typeof syscall === 'string' ? { syscall } : {}),
      ...(typeof kind === 'string' ? { kind } : {}),
      ...(typeof address === 'string' ? { address } : {}),
      ...(typeof port === 'number' ? { port } : {}),
      ...(typeof path === 'string' ? { path } : {}),
      ...(cause !== undefined && depth < 4 ? { cause: serializeError(cause, depth + 1) } : {}),
    };
  }
  const text = describeValue(error);
  return { name: 'Error', message: `a non-Error value was thrown: ${text}`, thrown: text };
}

const builtIns: Readonly<Record<string, new (message: string) => Error>> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

/** Re-creates an error from a SerializedError: same name, message, code, stack (and cause). */
export function reviveError(serialized: SerializedError): Error {
  const Kind = builtIns[serialized.name] ?? Error;
  const error = new Kind(serialized.message) as Error & { code?: unknown; errno?: unknown; syscall?: unknown; kind?: unknown; address?: unknown; port?: unknown; path?: unknown };
  if (error.name !== serialized.name) {
    Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  if (serialized.code !== undefined) error.code = serialized.code;
  if (serialized.errno !== undefined) error.errno = serialized.errno;
  if (serialized.syscall !== undefined) error.syscall = serialized.syscall;
  if (serialized.kind !== undefined) error.kind = serialized.kind;
  if (serialized.address !== undefined) error.address = serialized.address;
  if (serialized.port !== undefined) error.port = serialized.port;
  if (serialized.path !== undefined) error.path = serialized.path;
  if (serialized.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: reviveError(serialized.cause), writable: true, configurable: true });
  }
  return error;
}

