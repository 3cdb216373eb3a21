// The worker half of the 'rt.listen' service: receives handed-off connections for this
// worker's SharedListeners, adopts connections into the worker's runtime with the fd
// table's bookkeeping, and closes what the worker still holds when it shuts down.
import { TcpStream } from '@rt/net';
import { Notify } from '@rt/sync';
import type { WorkerContext, WorkerService } from '../internal/contract.js';
import { ACCEPTED, ACTIVE, FdTable, TAKEN, UNTRACKED, closeFd } from './fd-table.js';
import { LISTEN_SERVICE } from './protocol.js';
import type { BounceSend, HandoffPost, ListenWorkerData } from './protocol.js';

/** Handed-off connections waiting for one SharedListener's `accept`. */
export class HandoffQueue {
  readonly slots: number[] = [];
  readonly arrived = new Notify();
  closed = false;
}

/** One worker's listener state (one per worker thread). */
export class ListenWorker {
  readonly context: WorkerContext;
  readonly table: FdTable;
  readonly #queues = new Map<string, HandoffQueue>();
  readonly #binds = new Map<string, number>();
  readonly #streams = new Set<TcpStream>();
  readonly #listeners = new Set<{ close(): void }>();
  #stopped = false;

  constructor(context: WorkerContext, data: ListenWorkerData) {
    this.context = context;
    this.table = new FdTable(data);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The n-th bind of `address` in this worker: the same n in every worker is one group. */
  nextSeq(address: string): number {
    const seq = this.#binds.get(address) ?? 0;
    this.#binds.set(address, seq + 1);
    return seq;
  }

  openQueue(group: string): HandoffQueue {
    const queue = new HandoffQueue();
    this.#queues.set(group, queue);
    return queue;
  }

  /**
   * Closes a queue: the hand-offs in it (and any still arriving) go back to the supervisor
   * for another worker, or are closed when this worker is stopping — never leaked.
   */
  closeQueue(group: string): void {
    const queue = this.#queues.get(group);
    if (queue === undefined) return;
    this.#queues.delete(group);
    queue.closed = true;
    for (const slot of queue.slots.splice(0)) this.#refuse(group, slot);
    queue.arrived.notifyWaiters();
  }

  #refuse(group: string, slot: number): void {
    if (this.#stopped) {
      this.#drop(slot);
      return;
    }
    // This worker closed its share while the hand-off was in flight: the supervisor gives
    // it to another worker (or closes it when there is none).
    this.table.add(this.context.index, TAKEN, 1);
    const bounce: BounceSend = { op: 'bounce', group, slot, fd: this.table.fdOf(slot) };
    this.context.send(LISTEN_SERVICE, bounce);
  }

  #drop(slot: number): void {
    this.table.drop(slot);
    this.table.add(this.context.index, TAKEN, 1);
  }

  onPost(payload: unknown): void {
    const post = payload as HandoffPost;
    if (post.op !== 'fd') return;
    const queue = this.#queues.get(post.group);
    if (queue === undefined || queue.closed) {
      this.#refuse(post.group, post.slot);
      return;
    }
    queue.slots.push(post.slot);
    queue.arrived.notifyWaiters();
  }

  /** Takes a handed-off slot: the stream, or undefined when it was reclaimed or is dead. */
  takeSlot(slot: number): TcpStream | undefined {
    const table = this.table;
    const taken = table.take(slot);
    table.add(this.context.index, TAKEN, 1);
    if (!taken) return undefined;
    return this.adopt(table.fdOf(slot), slot);
  }

  /**
   * Adopts a connected fd this worker owns into its runtime, counted in the metrics; `slot`
   * is its fd-table entry (HELD), or -1 when untracked. Undefined (and the fd closed) when
   * the connection is already dead.
   */
  adopt(fd: number, slot: number): TcpStream | undefined {
    const table = this.table;
    const index = this.context.index;
    let stream: TcpStream | undefined;
    try {
      stream = TcpStream.fromRawFd(fd, {
        onClose: () => {
          if (slot >= 0) table.release(slot);
          table.add(index, ACTIVE, -1);
          if (stream !== undefined) this.#streams.delete(stream);
        },
      });
    } catch {
      if (slot >= 0) table.release(slot);
      closeFd(fd);
      return undefined;
    }
    if (slot < 0) table.add(index, UNTRACKED, 1);
    table.add(index, ACCEPTED, 1);
    table.add(index, ACTIVE, 1);
    this.#streams.add(stream);
    return stream;
  }

  /** A SharedListener of this worker, closed when the worker stops. */
  track(listener: { close(): void }): void {
    this.#listeners.add(listener);
  }

  untrack(listener: { close(): void }): void {
    this.#listeners.delete(listener);
  }

  /** Counts a connection that could not be entered at all (fallback driver). */
  countUntracked(): void {
    const index = this.context.index;
    this.table.add(index, UNTRACKED, 1);
    this.table.add(index, ACCEPTED, 1);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const listener of [...this.#listeners]) listener.close();
    for (const group of [...this.#queues.keys()]) this.closeQueue(group);
    for (const stream of [...this.#streams]) stream.close();
  }
}

const slot = Symbol.for('rt.multi-thread.listenWorker');
type Holder = { [slot]?: ListenWorker };

/** This thread's listener state, when it is a worker of a multi-thread runtime. */
export function currentListenWorker(): ListenWorker | undefined {
  return (globalThis as Holder)[slot];
}

/**
 * Starts the worker half of the shared-listener service (`'rt.listen'`): hand-off
 * delivery, connection accounting, and closing what the worker holds at shutdown. Wired by
 * the worker bootstrap before the entry runs.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const service = startListenWorker(context);
 * ```
 *
 * @internal
 */
export function startListenWorker(ctx: WorkerContext): WorkerService {
  const worker = new ListenWorker(ctx, ctx.data(LISTEN_SERVICE) as ListenWorkerData);
  (globalThis as Holder)[slot] = worker;
  ctx.onMessage(LISTEN_SERVICE, (payload) => worker.onPost(payload));
  return {
    shutdown(): void {
      worker.stop();
      if ((globalThis as Holder)[slot] === worker) delete (globalThis as Holder)[slot];
    },
  };
}
