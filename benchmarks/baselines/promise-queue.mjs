// Baseline for sync.bench.mjs (mpsc, broadcast): a channel as people write it by hand, an
// array and promise resolvers, with the same backpressure as a bounded mpsc channel (a send
// waits while `capacity` values are queued). No cancellation, no cooperative budget: what
// rt's channels are measured against.
/** A bounded channel as people write it by hand: an array and promise resolvers. */
export class ArrayChannel {
  constructor(capacity = Infinity) {
    this.capacity = capacity;
    this.items = [];
    this.recvWaiter = null;
    this.sendWaiters = [];
    this.closed = false;
  }
  async send(value) {
    while (this.items.length >= this.capacity) await new Promise((resolve) => this.sendWaiters.push(resolve));
    this.push(value);
  }
  push(value) {
    this.items.push(value);
    const r = this.recvWaiter;
    if (r !== null) {
      this.recvWaiter = null;
      r();
    }
  }
  async recv() {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise((resolve) => (this.recvWaiter = resolve));
    }
    const value = this.items.shift();
    // Only when a send waits: an unbounded channel never has one, and a `shift()` of the empty
    // array on every receive was work rt's receive does not do (it checks a length).
    if (this.sendWaiters.length !== 0) this.sendWaiters.shift()();
    return value;
  }
  close() {
    this.closed = true;
    const r = this.recvWaiter;
    if (r !== null) {
      this.recvWaiter = null;
      r();
    }
  }
}

/**
 * Not a baseline of any row: the floor of rt's unbounded rows under its cooperative budget
 * (sync.bench.mjs's `mpsc/floor: ...` rows, `mpsc-backlog.mjs`'s `hand-written queue + budget` side). An unbounded queue written by hand
 * whose `recv()` also does what the budget makes an rt task do: once 128 receives in a row have
 * found a value ready, the next one waits for a `setImmediate` (an event-loop turn) first; a
 * receive that has to wait for a value refills the count (rt refills a task's budget when it wakes
 * from a park). rt counts per turn and refills at each new turn; a consumer that always finds a
 * value (the unbounded rows' backlog) spends all 128 in every turn, so there the two agree.
 *
 * With the budget the consumer falls behind the producer (1,024 values per turn against 128) and
 * a backlog of up to ~1,750,000 values builds. ArrayChannel's one array cannot hold that fairly:
 * `Array.prototype.shift` on an array that large copies the whole array (V8 cannot move the start
 * of an object in large-object space). So values wait in arrays of up to 4,096 (as rt's ring
 * chunks them), the oldest read at an index and dropped when read out: each value written once and
 * read once, nothing copied in bulk.
 */
export class BudgetedUnboundedChannel extends ArrayChannel {
  constructor(budget = 128) {
    super(Infinity);
    this.items = undefined; // the values wait in `chunks`: use push(), not send()
    /** Values in order: the oldest array is read at `read`, the newest takes pushes. */
    this.chunks = [[]];
    this.read = 0;
    this.length = 0;
    this.budget = budget;
    this.left = budget;
    /** Forced turns taken so far (sync.bench.mjs reports them beside rt's forced yields). */
    this.turns = 0;
  }
  push(value) {
    let last = this.chunks[this.chunks.length - 1];
    if (last.length === 4096) this.chunks.push((last = []));
    last.push(value);
    this.length++;
    const r = this.recvWaiter;
    if (r !== null) {
      this.recvWaiter = null;
      r();
    }
  }
  async recv() {
    if (this.length !== 0 && --this.left < 0) {
      this.turns++;
      await new Promise((resolve) => setImmediate(resolve));
      this.left = this.budget - 1;
    }
    while (this.length === 0) {
      if (this.closed) return undefined;
      this.left = this.budget;
      await new Promise((resolve) => (this.recvWaiter = resolve));
    }
    const first = this.chunks[0];
    const value = first[this.read];
    first[this.read++] = undefined;
    this.length--;
    if (this.read === first.length) {
      if (this.chunks.length > 1) this.chunks.shift();
      else first.length = 0;
      this.read = 0;
    }
    return value;
  }
}
