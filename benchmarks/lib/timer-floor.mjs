// The floors of a then-able timer (issue 16), for time.bench.mjs (the fire rows' `floor` and
// `floorCancel` sides) and time-cost.mjs (the same sides): a promise + `then` per timer, resolved
// by one Node timer per millisecond from a Map of that millisecond's timers, with no wheel, no
// runtime, no task and no options.
import { performance } from 'node:perf_hooks';

/** Timers by millisecond tick since an origin, fired by one Node timer armed 1 ms at a time. */
class Ticks {
  constructor(fireBucket) {
    this.buckets = new Map();
    this.origin = 0;
    this.next = 0;
    this.armed = false;
    this.fireBucket = fireBucket;
    this.onTimer = () => {
      this.armed = false;
      const now = Math.floor(performance.now() - this.origin);
      for (; this.next <= now; this.next++) {
        const bucket = this.buckets.get(this.next);
        if (bucket === undefined) continue;
        this.buckets.delete(this.next);
        this.fireBucket(bucket);
      }
      this.arm();
    };
  }

  /** The tick `ms` from now (a new origin when nothing is pending). */
  tick(ms) {
    if (this.buckets.size === 0 && !this.armed) {
      this.origin = performance.now();
      this.next = 0;
    }
    return Math.ceil(performance.now() - this.origin + ms);
  }

  /** Arms the Node timer, unless it is armed or nothing is pending (call after an insert). */
  arm() {
    if (this.armed || this.buckets.size === 0) return;
    this.armed = true;
    setTimeout(this.onTimer, 1);
  }
}

let captured;
const capture = (resolve) => {
  captured = resolve;
};

// The floor: each millisecond's resolve functions in an array.
const plain = new Ticks((due) => {
  for (const resolve of due) resolve();
});

/** A promise that resolves `ms` milliseconds from now (rounded up to a millisecond tick). */
export function floorSleep(ms) {
  const tick = plain.tick(ms);
  const promise = new Promise(capture);
  const due = plain.buckets.get(tick);
  if (due === undefined) plain.buckets.set(tick, [captured]);
  else due.push(captured);
  captured = undefined;
  plain.arm();
  return promise;
}

// The floor of a cancellable then-able timer: the same promise + `then`, plus the least a timer
// needs to be cancelled at once (a handle per timer in a doubly linked list per millisecond,
// holding the resolve function, so a cancel can unlink it in O(1) and settle the promise): what
// `sleep(ms).then(cb)` cannot go below while it is cancellable and returns a promise per timer.
class FloorHandle {
  constructor(bucket) {
    this.bucket = bucket;
    this.prev = null;
    this.next = null;
    this.resolve = undefined;
  }
}
class FloorBucket {
  constructor() {
    this.head = null;
    this.tail = null;
  }
}
const cancellable = new Ticks((bucket) => {
  for (let handle = bucket.head; handle !== null; handle = bucket.head) {
    floorUnlink(handle);
    handle.resolve();
  }
});

/** Unlinks a handle from its millisecond's list (what a cancel does before rejecting). */
export function floorUnlink(handle) {
  const { bucket, prev, next } = handle;
  if (prev === null) bucket.head = next;
  else prev.next = next;
  if (next === null) bucket.tail = prev;
  else next.prev = prev;
  handle.prev = handle.next = null;
}

/** A promise that resolves `ms` milliseconds from now, with a cancellable handle per timer. */
export function floorCancellableSleep(ms) {
  const tick = cancellable.tick(ms);
  let bucket = cancellable.buckets.get(tick);
  if (bucket === undefined) cancellable.buckets.set(tick, (bucket = new FloorBucket()));
  const handle = new FloorHandle(bucket);
  const tail = bucket.tail;
  handle.prev = tail;
  if (tail === null) bucket.head = handle;
  else tail.next = handle;
  bucket.tail = handle;
  const promise = new Promise(capture);
  handle.resolve = captured;
  captured = undefined;
  cancellable.arm();
  return promise;
}
