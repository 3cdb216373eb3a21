// The floor of a then-able timer (issue 16): a promise + `then` per timer, resolved by one
// Node timer per millisecond from a Map of arrays, with no wheel, no cancellation and no
// runtime. What `sleep(ms).then(cb)` cannot go below while it returns a promise per timer.
// Used by time.bench.mjs (the fire rows' `floor` side) and time-cost.mjs (`floor`).
import { performance } from 'node:perf_hooks';

const floorTicks = new Map();
let floorOrigin = 0;
let floorNext = 0;
let floorArmed = false;
let floorResolve;
const floorCapture = (resolve) => {
  floorResolve = resolve;
};
function floorTimer() {
  floorArmed = false;
  const now = Math.floor(performance.now() - floorOrigin);
  for (; floorNext <= now; floorNext++) {
    const due = floorTicks.get(floorNext);
    if (due === undefined) continue;
    floorTicks.delete(floorNext);
    for (const resolve of due) resolve();
  }
  if (floorTicks.size > 0) {
    floorArmed = true;
    setTimeout(floorTimer, 1);
  }
}

/** A promise that resolves `ms` milliseconds from now (rounded up to a millisecond tick). */
export function floorSleep(ms) {
  if (floorTicks.size === 0 && !floorArmed) {
    floorOrigin = performance.now();
    floorNext = 0;
  }
  const tick = Math.ceil(performance.now() - floorOrigin + ms);
  const promise = new Promise(floorCapture);
  const due = floorTicks.get(tick);
  if (due === undefined) floorTicks.set(tick, [floorResolve]);
  else due.push(floorResolve);
  if (!floorArmed) {
    floorArmed = true;
    setTimeout(floorTimer, 1);
  }
  return promise;
}

// The floor of a cancellable then-able timer: the same promise + `then`, plus the least a timer
// needs to be cancelled at once (a handle per timer in a doubly linked list per millisecond,
// holding the resolve function, so a cancel can unlink it in O(1) and settle the promise). No
// runtime, no task, no options: what `sleep(ms).then(cb)` cannot go below while it is
// cancellable and returns a promise per timer.
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
const cancelTicks = new Map();
let cancelOrigin = 0;
let cancelNext = 0;
let cancelArmed = false;
function cancelTimer() {
  cancelArmed = false;
  const now = Math.floor(performance.now() - cancelOrigin);
  for (; cancelNext <= now; cancelNext++) {
    const bucket = cancelTicks.get(cancelNext);
    if (bucket === undefined) continue;
    cancelTicks.delete(cancelNext);
    for (let handle = bucket.head; handle !== null; handle = bucket.head) {
      floorUnlink(handle);
      handle.resolve();
    }
  }
  if (cancelTicks.size > 0) {
    cancelArmed = true;
    setTimeout(cancelTimer, 1);
  }
}

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
  if (cancelTicks.size === 0 && !cancelArmed) {
    cancelOrigin = performance.now();
    cancelNext = 0;
  }
  const tick = Math.ceil(performance.now() - cancelOrigin + ms);
  let bucket = cancelTicks.get(tick);
  if (bucket === undefined) cancelTicks.set(tick, (bucket = new FloorBucket()));
  const handle = new FloorHandle(bucket);
  const tail = bucket.tail;
  handle.prev = tail;
  if (tail === null) bucket.head = handle;
  else tail.next = handle;
  bucket.tail = handle;
  const promise = new Promise(floorCapture);
  handle.resolve = floorResolve;
  floorResolve = undefined;
  if (!cancelArmed) {
    cancelArmed = true;
    setTimeout(cancelTimer, 1);
  }
  return promise;
}
