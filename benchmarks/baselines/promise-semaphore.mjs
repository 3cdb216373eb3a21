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

/** What PermitSemaphore's acquire resolves with: gives its permit back once, on `release()`. */
class Permit {
  constructor(semaphore) {
    this.semaphore = semaphore;
  }
  release() {
    const semaphore = this.semaphore;
    if (semaphore === undefined) return;
    this.semaphore = undefined;
    semaphore.release();
  }
}

/**
 * The same semaphore written to rt's interface: `acquire()` resolves with a fresh permit object
 * (a second `release()` of an old permit must not give back a later holder's permit, so it cannot
 * be reused), released through the permit. Not a baseline: with the budget's turn added it is the
 * floor of what rt's `Semaphore(1)` row must do (sync.bench.mjs `locks/floor: … resolving a fresh
 * permit …`), a promise resolved with an object instead of with nothing.
 */
export class PermitSemaphore extends PromiseSemaphore {
  acquirePermit() {
    if (this.permits > 0 && this.waiters.length === 0) {
      this.permits--;
      return Promise.resolve(new Permit(this));
    }
    return new Promise((resolve) => this.waiters.push(() => resolve(new Permit(this))));
  }
}
