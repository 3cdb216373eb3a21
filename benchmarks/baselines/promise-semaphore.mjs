// Baseline for sync.bench.mjs (locks): a counting semaphore as people write it by hand with
// promises. `acquire()` is an async function (one promise), resolved at once while a permit
// is free; waiters queue FIFO and get the permit handed over on release. No cancellation,
// no cooperative budget: what rt's Semaphore and Mutex are measured against.
export class PromiseSemaphore {
  constructor(permits) {
    this.permits = permits;
    this.waiters = [];
  }
  async acquire() {
    if (this.permits > 0 && this.waiters.length === 0) {
      this.permits--;
      return;
    }
    await new Promise((resolve) => this.waiters.push(resolve));
  }
  release() {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.permits++;
  }
}
