// JobsClientImpl: spawnOn for one thread (the main thread or a worker), the handles it gave
// out, and the wire format of results and errors.
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { encodeTransferables, decodeTransferables } from '../channels/transfer.js';
import { JobError } from './job-error.js';
import { JobHandle, failedHandle, type JobHandleOwner } from './job-handle.js';
import { encodePayload } from './job-payload.js';
import { FLAG_QUEUED, FLAG_SHARED } from './job-arena.js';
import { W_SPAWNED, type JobsShared } from './jobs-shared.js';
import type { JobsClient, JobTarget, SpawnOnOptions } from './types.js';
import { describe } from '@rt/scheduler/primitives';

/** A job's outcome on the wire (runner → supervisor → spawner). */
export interface JobResultMessage {
  readonly t: 'result';
  readonly id: number;
  /** The spawner: -1 for the main thread. */
  readonly to: number;
  readonly worker: number;
  readonly kind: 'ok' | 'panic' | 'cancelled' | 'crashed' | 'shutdown';
  readonly value?: unknown;
}

/** Several results in one message (a worker sends one per event-loop turn). */
export interface JobResultsMessage {
  readonly t: 'results';
  readonly list: readonly JobResultMessage[];
}

/** An abort of a running job (spawner → supervisor → runner). */
export interface JobAbortMessage {
  readonly t: 'abort';
  readonly id: number;
  readonly runner: number;
}

/** How a client reaches the runners and hears back. */
export interface JobsTransport {
  abort(runner: number, id: number): void;
  /** Parks the SharedArrayBuffers job `id` refers to at the supervisor (a promise from a worker). */
  stash(id: number, shared: SharedArrayBuffer[]): Promise<unknown> | undefined;
}

/** An error as plain data (structured clone drops `code` and subclasses). */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: unknown;
}

export function errorToData(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return { __rtError: true, name: error.name, message: error.message, stack: error.stack, code: (error as { code?: unknown }).code };
}

export function errorFromData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || (data as { __rtError?: unknown }).__rtError !== true) return data;
  const d = data as ErrorData;
  const error = new Error(d.message);
  error.name = d.name;
  if (d.stack !== undefined) error.stack = d.stack;
  if (d.code !== undefined) (error as { code?: unknown }).code = d.code;
  return error;
}

/** Turns `module` into the URL string a worker imports. */
export function moduleHref(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) {
    throw new TypeError(`spawnOn: module must be a URL or a URL/absolute path string, got ${describe(module)}`);
  }
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (/^(file|data|node):/.test(module)) return module;
  throw new TypeError(`spawnOn: module must be a URL or an absolute path, got the relative ${JSON.stringify(module)}`);
}

interface Pending {
  readonly handle: JobHandle<unknown>;
  /** -1 while waiting for a slot. */
  slot: number;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  readonly target: JobTarget;
  readonly exportName: string;
  /** Until placed. */
  payload: Buffer | undefined;
  sharedBuffers: SharedArrayBuffer[] | undefined;
}

/** @internal spawnOn and the pending handles of one thread. */
export class JobsClientImpl implements JobsClient, JobHandleOwner {
  readonly #shared: JobsShared;
  readonly #self: number;
  readonly #transport: JobsTransport;
  readonly #pending = new Map<number, Pending>();
  readonly #waiting: number[] = [];
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed: JobError | undefined;

  /** `self`: this thread's worker index, -1 on the main thread. */
  constructor(shared: JobsShared, self: number, transport: JobsTransport) {
    this.#shared = shared;
    this.#self = self;
    this.#transport = transport;
  }

  /** Handles not settled yet. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  spawnOn<T = unknown>(target: JobTarget, module: URL | string, exportName: string, args: readonly unknown[] = [], options?: SpawnOnOptions): JobHandle<T> {
    const shared = this.#shared;
    if (target !== 'any' && (!Number.isInteger(target) || target < 0 || target >= shared.count)) {
      throw new RangeError(`spawnOn: target must be 'any' or a worker index in 0..${shared.count - 1}, got ${describe(target)}`);
    }
    const href = moduleHref(module);
    if (typeof exportName !== 'string' || exportName.length === 0) throw new TypeError(`spawnOn: exportName must be a non-empty string, got ${describe(exportName)}`);
    if (!Array.isArray(args)) throw new TypeError(`spawnOn: args must be an array, got ${describe(args)}`);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`spawnOn: options.signal must be an AbortSignal, got ${describe(signal)}`);
    const id = shared.nextId();
    if (this.#closed !== undefined || shared.shuttingDown) {
      return failedHandle<T>(id, this, new JobError('ERR_RT_JOB_SHUTDOWN', id, `job ${id} (${exportName}): the runtime is shutting down`));
    }
    if (signal?.aborted) return failedHandle<T>(id, this, new JobError('ERR_RT_JOB_CANCELLED', id, `job ${id} (${exportName}) was cancelled`, { cause: signal.reason }));
    let payload: Buffer;
    let sharedBuffers: SharedArrayBuffer[];
    try {
      ({ bytes: payload, shared: sharedBuffers } = encodePayload([href, exportName, encodeTransferables(args)]));
    } catch (error) {
      return failedHandle<T>(id, this, new JobError('ERR_RT_JOB_PANICKED', id, `job ${id} (${exportName}): its arguments cannot be cloned: ${(error as Error).message}`, { cause: error }));
    }
    if (payload.length > shared.arena.maxPayload) {
      return failedHandle<T>(id, this, new JobError('ERR_RT_JOB_TOO_LARGE', id, `job ${id} (${exportName}): its arguments take ${payload.length} bytes, above the ${shared.arena.maxPayload}-byte limit (pass large data through a channel)`));
    }
    const handle = new JobHandle<T>(id, this);
    let onAbort: (() => void) | undefined;
    if (signal !== undefined) {
      onAbort = () => this.abortJob(id, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const pending: Pending = { handle: handle as JobHandle<unknown>, slot: -1, signal, onAbort, target, exportName, payload, sharedBuffers };
    this.#pending.set(id, pending);
    if (this.#self >= 0) shared.addWord(this.#self, W_SPAWNED, 1);
    // Back-pressure: with the arena full (or jobs already waiting, to keep FIFO order) the job
    // waits in this thread until slots free up.
    if (this.#waiting.length > 0 || !this.#place(id, pending)) {
      this.#waiting.push(id);
      this.#retryLater();
    }
    return handle;
  }

  /** Jobs spawned here that wait for a free slot (back-pressure), oldest first. */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** Tries to put job `id` into the arena and onto its queue; false when the arena is full. */
  #place(id: number, pending: Pending): boolean {
    const shared = this.#shared;
    const { target, payload, sharedBuffers, exportName } = pending;
    const slot = shared.arena.allocate(id, this.#self, target === 'any' ? -1 : target, payload!, sharedBuffers!.length > 0 ? FLAG_SHARED : 0);
    if (slot < 0) return false;
    pending.slot = slot;
    pending.payload = undefined;
    if (sharedBuffers!.length > 0) {
      pending.sharedBuffers = undefined;
      const parked = this.#transport.stash(id, sharedBuffers!);
      if (parked !== undefined) {
        // Queue it once the supervisor holds the buffers (an abort meanwhile cancels the slot).
        parked.then(
          () => this.#enqueue(slot, target),
          (error: unknown) => {
            if (shared.arena.cancel(slot, id) === 'cancelled') shared.arena.free(slot);
            this.settle(id, false, new JobError('ERR_RT_JOB_PANICKED', id, `job ${id} (${exportName}): its shared memory could not be handed over: ${(error as Error).message}`, { cause: error }));
          },
        );
        return true;
      }
    }
    pending.sharedBuffers = undefined;
    this.#enqueue(slot, target);
    return true;
  }

  /** Places waiting jobs while slots are free. */
  #placeWaiting(): void {
    const waiting = this.#waiting;
    let placed = 0;
    while (placed < waiting.length) {
      const id = waiting[placed]!;
      const pending = this.#pending.get(id);
      if (pending !== undefined && pending.slot < 0 && !this.#place(id, pending)) break;
      placed++;
    }
    if (placed > 0) waiting.splice(0, placed);
    if (waiting.length > 0) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#retry !== undefined || this.#closed !== undefined) return;
    // Slots free up as jobs finish anywhere; results of our own jobs retry at once (deliver).
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#placeWaiting();
    }, 1);
  }

  #enqueue(slot: number, target: JobTarget): void {
    const shared = this.#shared;
    shared.arena.setFlags(slot, FLAG_QUEUED);
    if (target !== 'any') {
      shared.inboxes[target]!.push(slot);
      shared.notifyWorker(target);
    } else if (this.#self >= 0) {
      shared.locals[this.#self]!.push(slot, shared.injector);
      shared.notifyOne(this.#self);
    } else {
      shared.injector.push(slot);
      shared.notifyOne(-1);
    }
  }

  abortJob(id: number, reason: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    const cancelled = () => new JobError('ERR_RT_JOB_CANCELLED', id, `job ${id} was cancelled`, reason === undefined ? undefined : { cause: reason });
    if (pending.slot < 0) {
      // Still waiting for a slot: never placed, never runs.
      const at = this.#waiting.indexOf(id);
      if (at >= 0) this.#waiting.splice(at, 1);
      this.settle(id, false, cancelled());
      return;
    }
    const outcome = this.#shared.arena.cancel(pending.slot, id);
    if (outcome === 'cancelled') {
      this.settle(id, false, cancelled());
    } else if (outcome >= 0) {
      this.#transport.abort(outcome, id);
    }
    // Else it finished: its result is on its way and stands.
  }

  /** Settles job `id`'s handle (no effect when unknown or settled). */
  settle(id: number, ok: boolean, value: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    pending.handle.settle(ok, value);
  }

  /** Delivers a result message addressed to this thread. */
  deliver(message: JobResultMessage): void {
    if (this.#waiting.length > 0) queueMicrotask(() => this.#placeWaiting());
    const { id, kind, worker } = message;
    switch (kind) {
      case 'ok': {
        let value: unknown;
        try {
          value = decodeTransferables(message.value);
        } catch (error) {
          this.settle(id, false, new JobError('ERR_RT_JOB_PANICKED', id, `job ${id}: its result could not be decoded: ${(error as Error).message}`, { cause: error, worker }));
          return;
        }
        this.settle(id, true, value);
        return;
      }
      case 'panic': {
        const cause = errorFromData(message.value);
        this.settle(id, false, new JobError('ERR_RT_JOB_PANICKED', id, `job ${id} failed on worker ${worker}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, worker }));
        return;
      }
      case 'cancelled':
        this.settle(id, false, new JobError('ERR_RT_JOB_CANCELLED', id, `job ${id} was cancelled on worker ${worker}`, { cause: errorFromData(message.value), worker }));
        return;
      case 'crashed':
        this.settle(id, false, new JobError('ERR_RT_JOB_WORKER_CRASHED', id, `job ${id}: worker ${worker} crashed while running it`, { worker }));
        return;
      case 'shutdown':
        this.settle(id, false, new JobError('ERR_RT_JOB_SHUTDOWN', id, `job ${id}: the runtime shut down before it finished`, { worker }));
        return;
    }
  }

  /** Fails every pending handle (shutdown) and refuses new spawns. */
  close(): void {
    if (this.#closed !== undefined) return;
    this.#closed = new JobError('ERR_RT_JOB_SHUTDOWN', 0, 'the runtime is shutting down');
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#waiting.length = 0;
    for (const [id] of [...this.#pending]) {
      this.settle(id, false, new JobError('ERR_RT_JOB_SHUTDOWN', id, `job ${id}: the runtime shut down before it finished`));
    }
  }
}
