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
    const w = this.sendWaiters.shift();
    if (w !== undefined) w();
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
