// The ready queue of the native driver: the streams the reactor's dispatch found ready, served
// one at a time so that the task woken by one stream runs (and usually writes its reply) before
// the next stream is read: read, write, read, write, as Node's per-read callbacks do.
//
// Why not serve every stream of a batch inside the dispatch: then every read of the batch
// happens before any task writes. Measured (64 B echo × 64 connections on a 2-core VM): the peer
// sat idle until the writes began, and the kernel's deferred skb freeing kicked the peer's CPU
// with an IPI every few dozen reads (4 % of the server's CPU).
//
// How the turns pass without a microtask per stream ("the baton"): a serve that wakes a task
// holds the baton; the next stream is served when any native stream operation parks (the woken
// task looping back to `read`, the common case) or closes. A task that parks elsewhere (a
// timer, a channel) or never parks again would keep the baton, so a fallback armed with the
// baton serves whatever is still queued. The fallback is a `process.nextTick` armed from the
// microtask phase: Node runs it once the microtask queue has drained (no task can pass the
// baton any more then), before anything else happens. A setImmediate per batch instead cost
// an extra event-loop iteration (and epoll_wait) per batch. Serving early is always correct;
// only the order of work changes.

/** A stream's serve callback: serves its parked operations; true when it woke one. */
export type Serve = () => boolean;

let ring: (Serve | undefined)[] = new Array<Serve | undefined>(64);
let head = 0;
let count = 0;
/** A task woken by the last serve has not parked yet: the next serve waits for it. */
let baton = false;
let kickPending = false;
let fallbackArmed = false;
const RESOLVED: Promise<void> = Promise.resolve();

function take(): Serve {
  const serve = ring[head]!;
  ring[head] = undefined;
  head = (head + 1) & (ring.length - 1);
  count--;
  return serve;
}

/** Runs one serve; a serve that throws (a bug) is reported as an uncaught exception, never stalls the queue. */
function run(serve: Serve): boolean {
  try {
    return serve();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
    return false;
  }
}

/** Serves queued streams until one wakes a task (which then holds the baton) or none is left. */
function serveUntilWake(): void {
  while (count > 0) {
    if (run(take())) {
      if (count > 0) {
        baton = true;
        if (!fallbackArmed) {
          fallbackArmed = true;
          process.nextTick(fallback);
        }
      }
      return;
    }
  }
}

function kick(): void {
  kickPending = false;
  if (!baton) serveUntilWake();
}

function fallback(): void {
  fallbackArmed = false;
  if (!baton) return;
  // The baton holder parked somewhere else: serve the rest now, in one go.
  baton = false;
  while (count > 0) run(take());
}

/** Queues `serve` for its turn (called from the reactor's dispatch). */
export function enqueueReady(serve: Serve): void {
  if (count === ring.length) {
    const grown = new Array<Serve | undefined>(ring.length * 2);
    for (let i = 0; i < count; i++) grown[i] = ring[(head + i) & (ring.length - 1)];
    ring = grown;
    head = 0;
  }
  ring[(head + count) & (ring.length - 1)] = serve;
  count++;
  if (!baton && !kickPending) {
    kickPending = true;
    void RESOLVED.then(kick);
  }
}

/** A native stream operation parked or a stream closed: the next queued stream's turn. */
export function passBaton(): void {
  if (baton) {
    baton = false;
    serveUntilWake();
  }
}
