// The supervisor half of the 'rt.listen' service: the shared port table of reusePort
// groups, and the hand-off accept loops.
//
// How and why. A `'reusePort'` group needs the supervisor only for port 0: the first worker
// to ask binds port 0 and reports the port it got; the others wait for it and bind that port
// with SO_REUSEPORT. After that the kernel spreads connections across the workers' sockets
// and the supervisor is not involved.
//
// A `'handoff'` group has ONE listening socket, on the main thread, on a current-thread rt
// runtime this service creates (its own epoll). Its accept loop takes each connection, pulls
// its fd out of that runtime (`intoRawFd`), enters it in the shared fd table as PENDING for
// the least-loaded subscribed worker, and posts the slot to that worker, which adopts it
// (`TcpStream.fromRawFd`). Load = the connections the worker's streams hold now (a shared
// counter the worker keeps) + the hand-offs posted to it that it has not taken yet; ties go
// round-robin. With no live subscriber the loop stops accepting (connections wait in the
// kernel's backlog). A hand-off that reaches a worker after it closed its share is bounced
// back and given to another worker (closed when there is none). A worker that exits has
// everything it held or had in flight reclaimed and closed (see fd-table.ts), so no fd
// outlives its owner.
import { Builder } from '@rt/scheduler';
import type { JoinHandle, Runtime } from '@rt/scheduler';
import { Notify } from '@rt/sync';
import { sleep } from '@rt/time';
import { TcpListener } from '@rt/net';
import type { TcpStream } from '@rt/net';
import type { MultiThreadConfig, SupervisorHost, SupervisorService } from '../internal/contract.js';
import { ACCEPTED, ACTIVE, FdTable, PENDING, TAKEN, UNTRACKED, createFdTableMemory } from './fd-table.js';
import type { FdTableMemory } from './fd-table.js';
import { LISTEN_SERVICE } from './protocol.js';
import type { BounceSend, HandoffPost, ListenRequest, PortAnswer, SubscribeAnswer } from './protocol.js';

export { LISTEN_SERVICE } from './protocol.js';

interface PortGroup {
  port: number | undefined;
  /** The worker binding port 0 now, or -1. */
  leader: number;
  readonly waiting: { readonly worker: number; readonly resolve: (answer: PortAnswer) => void; readonly reject: (error: Error) => void }[];
}

interface HandoffGroup {
  readonly name: string;
  readonly ready: Promise<TcpListener>;
  listener: TcpListener | undefined;
  readonly subscribers: number[];
  readonly subscribed: Notify;
  next: number;
  loop: JoinHandle<void> | undefined;
}

class ListenService implements SupervisorService {
  readonly name = LISTEN_SERVICE;
  readonly #config: MultiThreadConfig;
  readonly #memory: FdTableMemory;
  readonly #table: FdTable;
  readonly #ports = new Map<string, PortGroup>();
  readonly #groups = new Map<string, HandoffGroup>();
  readonly #posted: number[];
  #host: SupervisorHost | undefined;
  #runtime: Runtime | undefined;
  #handoffs = 0;
  #reclaimed = 0;
  #bounced = 0;
  #closing = false;

  constructor(config: MultiThreadConfig) {
    this.#config = config;
    this.#memory = createFdTableMemory(config.workerThreads);
    this.#table = new FdTable(this.#memory);
    this.#posted = new Array<number>(config.workerThreads).fill(0);
  }

  workerData(): unknown {
    return this.#memory;
  }

  start(host: SupervisorHost): void {
    this.#host = host;
  }

  request(workerIndex: number, payload: unknown): unknown {
    const request = payload as ListenRequest;
    switch (request.op) {
      case 'port':
        return this.#port(workerIndex, request.group);
      case 'portBound': {
        const group = this.#portGroup(request.group);
        group.port = request.port;
        group.leader = -1;
        for (const w of group.waiting.splice(0)) w.resolve({ port: request.port });
        return null;
      }
      case 'portFailed': {
        const group = this.#portGroup(request.group);
        group.leader = -1;
        this.#nextLeader(group);
        return null;
      }
      case 'subscribe':
        return this.#subscribe(workerIndex, request);
      case 'unsubscribe':
        this.#unsubscribe(workerIndex, request.group);
        return null;
      default:
        throw new TypeError(`rt.listen: unknown request ${JSON.stringify((payload as { op?: unknown }).op)}`);
    }
  }

  #portGroup(name: string): PortGroup {
    let group = this.#ports.get(name);
    if (group === undefined) {
      group = { port: undefined, leader: -1, waiting: [] };
      this.#ports.set(name, group);
    }
    return group;
  }

  #port(worker: number, name: string): PortAnswer | Promise<PortAnswer> {
    const group = this.#portGroup(name);
    if (group.port !== undefined) return { port: group.port };
    if (group.leader === -1) {
      group.leader = worker;
      return { port: null };
    }
    return new Promise<PortAnswer>((resolve, reject) => group.waiting.push({ worker, resolve, reject }));
  }

  /** The leader failed or died: the next waiting worker binds port 0. */
  #nextLeader(group: PortGroup): void {
    const next = group.waiting.shift();
    if (next === undefined) return;
    group.leader = next.worker;
    next.resolve({ port: null });
  }

  #ensureRuntime(): Runtime {
    return (this.#runtime ??= Builder.currentThread().enableAll().name(`${this.#config.name}-listen`).unhandledError('log').build());
  }

  async #subscribe(worker: number, request: Extract<ListenRequest, { op: 'subscribe' }>): Promise<SubscribeAnswer> {
    if (this.#closing) throw new Error('rt.listen: the runtime is shutting down');
    let group = this.#groups.get(request.group);
    if (group === undefined) {
      const runtime = this.#ensureRuntime();
      const ready = runtime.run(() =>
        TcpListener.bind({ host: request.host, port: request.port }, { backlog: request.backlog, ipv6Only: request.ipv6Only }),
      );
      group = { name: request.group, ready, listener: undefined, subscribers: [], subscribed: new Notify(), next: 0, loop: undefined };
      this.#groups.set(request.group, group);
      const created = group;
      try {
        created.listener = await ready;
      } catch (error) {
        this.#groups.delete(request.group);
        throw error;
      }
      created.loop = runtime.spawn(() => this.#acceptLoop(created), { name: `rt.listen ${request.group}` });
    }
    const listener = await group.ready;
    if (!group.subscribers.includes(worker)) group.subscribers.push(worker);
    group.subscribed.notifyWaiters();
    const local = listener.localAddr();
    return { ip: local.ip, port: local.port };
  }

  #unsubscribe(worker: number, name: string): void {
    const group = this.#groups.get(name);
    if (group === undefined) return;
    const i = group.subscribers.indexOf(worker);
    if (i >= 0) group.subscribers.splice(i, 1);
  }

  message(workerIndex: number, payload: unknown): void {
    const bounce = payload as BounceSend;
    if (bounce.op !== 'bounce') return;
    const group = this.#groups.get(bounce.group);
    const to = group === undefined || this.#closing ? undefined : this.#pick(group, workerIndex);
    if (to !== undefined && this.#table.reassign(bounce.slot, bounce.fd, workerIndex, to)) {
      this.#posted[to]!++;
      this.#bounced++;
      const post: HandoffPost = { op: 'fd', group: bounce.group, slot: bounce.slot };
      this.#host!.post(to, LISTEN_SERVICE, post);
      return;
    }
    // No one else serves the address: close the connection (the client sees it end).
    if (this.#table.reassign(bounce.slot, bounce.fd, workerIndex, workerIndex) && this.#table.drop(bounce.slot)) this.#reclaimed++;
  }

  /** The least-loaded live subscriber other than `exclude` (ties: round-robin), or undefined. */
  #pick(group: HandoffGroup, exclude = -1): number | undefined {
    const live = this.#host?.liveWorkers() ?? [];
    const subscribers = group.subscribers;
    const table = this.#table;
    let best: number | undefined;
    let bestLoad = Infinity;
    let bestAt = 0;
    for (let k = 0; k < subscribers.length; k++) {
      const at = (group.next + k) % subscribers.length;
      const w = subscribers[at]!;
      if (w === exclude || !live.includes(w)) continue;
      const load = table.counter(w, ACTIVE) + (this.#posted[w]! - table.counter(w, TAKEN));
      if (load < bestLoad) {
        best = w;
        bestLoad = load;
        bestAt = at;
      }
    }
    if (best !== undefined) group.next = bestAt + 1;
    return best;
  }

  async #acceptLoop(group: HandoffGroup): Promise<void> {
    const listener = group.listener!;
    for (;;) {
      let worker = this.#pick(group);
      while (worker === undefined) {
        await group.subscribed.notified();
        worker = this.#pick(group);
      }
      let stream: TcpStream;
      try {
        stream = await listener.accept();
      } catch (error) {
        if (listener.closed) return;
        // A listener-level failure (the native driver already retries EMFILE and aborted
        // connections): say so, and keep serving the address.
        process.stderr.write(`rt.listen ${group.name}: accept failed: ${(error as Error)?.message ?? String(error)}\n`);
        await sleep(10);
        continue;
      }
      // A worker may have gone while we waited for the connection: pick again.
      await this.#handOff(group, stream, this.#pick(group) ?? worker);
    }
  }

  async #handOff(group: HandoffGroup, stream: TcpStream, worker: number): Promise<void> {
    let fd: number;
    try {
      fd = stream.intoRawFd();
    } catch {
      stream.close();
      return;
    }
    let slot = this.#table.claim(fd, worker, PENDING);
    while (slot < 0) {
      // The table is full: every slot is a live connection. Wait for one to close.
      await sleep(1);
      slot = this.#table.claim(fd, worker, PENDING);
    }
    this.#posted[worker]!++;
    this.#handoffs++;
    const post: HandoffPost = { op: 'fd', group: group.name, slot };
    this.#host!.post(worker, LISTEN_SERVICE, post);
  }

  workerExited(index: number): void {
    for (const group of this.#groups.values()) this.#unsubscribe(index, group.name);
    for (const group of this.#ports.values()) {
      const waiting = group.waiting.findIndex((w) => w.worker === index);
      if (waiting >= 0) group.waiting.splice(waiting, 1);
      if (group.leader === index) {
        group.leader = -1;
        this.#nextLeader(group);
      }
    }
    this.#reclaimed += this.#table.reclaim(index);
    this.#table.resetActive(index);
    this.#posted[index] = this.#table.counter(index, TAKEN);
  }

  metrics(index: number): Readonly<Record<string, number>> {
    const table = this.#table;
    return {
      connectionsAccepted: table.counter(index, ACCEPTED),
      connectionsActive: table.counter(index, ACTIVE),
      connectionsUntracked: table.counter(index, UNTRACKED),
    };
  }

  totals(): Readonly<Record<string, number>> {
    return { handoffs: this.#handoffs, handoffsBounced: this.#bounced, handoffsReclaimed: this.#reclaimed };
  }

  async shutdown(): Promise<void> {
    this.#closing = true;
    for (const group of this.#ports.values()) {
      for (const w of group.waiting.splice(0)) w.reject(new Error('rt.listen: the runtime is shutting down'));
    }
    for (const group of this.#groups.values()) group.listener?.close();
    this.#groups.clear();
    const runtime = this.#runtime;
    this.#runtime = undefined;
    if (runtime !== undefined) await runtime.shutdown({ timeout: 100 });
  }
}

/**
 * Creates the main-thread half of the shared-listener service (`'rt.listen'`): the port
 * table of reusePort groups and the hand-off accept loops. Wired by the runtime.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none at creation; a hand-off group whose address cannot be bound makes the
 * workers' `SharedListener.bind` reject with the bind error.
 *
 * **Example**
 * ```ts
 * const services = [createListenService(config)];
 * ```
 *
 * @internal
 */
export function createListenService(config: MultiThreadConfig): SupervisorService {
  return new ListenService(config);
}
