// What a join handle's shape costs `Promise.all` (issue 16, the scheduler README's eighth pass):
// n async calls joined through native promises, through minimal thenables (the engine's
// thenable job per element), and through a handle that *is* a native promise (a `Promise`
// subclass holding its resolving functions and task fields, whose `constructor` reads as
// `Promise` so that `Promise.resolve(handle) === handle` and `await handle` takes the engine's
// native path), settled by a reaction on the call's promise, or synchronously. No rt code.
//
//   node benchmarks/handle-shapes.mjs <case> <n>        one run (for callgrind: n and 2n)
//   node benchmarks/handle-shapes.mjs --callgrind [n]   instructions per element, every case
//   cases: promise-all, thenables, records, promise-handles, promise-handles-sync
import { fileURLToPath } from 'node:url';
import { callgrindInstructions, requireValgrind } from './lib/callgrind.mjs';
import { Thenable } from './lib/thenable.mjs';

const trivial = async () => 1;
let capturedResolve;
let capturedReject;
function capture(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}
/** The fields a task-like record carries (eight, as the handle below with its resolving functions). */
function fill(record, fn, first, second) {
  record.fn = fn;
  record.a = first;
  record.b = second;
  record.c = undefined;
  record.d = undefined;
  record.e = undefined;
  record.f = 0;
  record.g = undefined;
}
/** A task-like record: the fields a handle carries besides its promise. */
class Record {
  constructor(fn) {
    fill(this, fn, undefined, undefined);
  }
}
/** The same record as a native promise (its first two fields hold its resolving functions). */
class PromiseHandle extends Promise {
  constructor(fn) {
    super(capture);
    fill(this, fn, capturedResolve, capturedReject);
  }
}
Object.defineProperty(PromiseHandle.prototype, 'constructor', { configurable: true, get: () => Promise });
const cases = {
  'promise-all': async (n) => {
    const p = new Array(n);
    for (let i = 0; i < n; i++) p[i] = trivial();
    await Promise.all(p);
  },
  thenables: async (n) => {
    const p = new Array(n);
    for (let i = 0; i < n; i++) p[i] = new Thenable(trivial());
    await Promise.all(p);
  },
  records: async (n) => {
    // A record per call, then Promise.all over the calls' own promises (what a record adds).
    const p = new Array(n);
    for (let i = 0; i < n; i++) p[i] = new Record(trivial);
    for (let i = 0; i < n; i++) p[i] = p[i].fn();
    await Promise.all(p);
  },
  'promise-handles': async (n) => {
    const p = new Array(n);
    for (let i = 0; i < n; i++) p[i] = new PromiseHandle(trivial);
    for (let i = 0; i < n; i++) p[i].fn().then(p[i].a);
    await Promise.all(p);
  },
  'promise-handles-sync': async (n) => {
    const p = new Array(n);
    for (let i = 0; i < n; i++) p[i] = new PromiseHandle(trivial);
    for (let i = 0; i < n; i++) {
      p[i].fn();
      p[i].a(1);
    }
    await Promise.all(p);
  },
};

if (process.argv[2] === '--callgrind') {
  const n = Number(process.argv[3] ?? 20_000);
  requireValgrind('handle-shapes');
  const self = fileURLToPath(import.meta.url);
  const count = (name, size) => callgrindInstructions(process.execPath, self, [name, String(size)]);
  console.log(`Node ${process.version}: instructions per element = (I(${2 * n}) - I(${n})) ÷ ${n}`);
  let base;
  for (const name of Object.keys(cases)) {
    const per = (count(name, 2 * n) - count(name, n)) / n;
    base ??= per;
    console.log(`${name.padEnd(22)} ${per.toFixed(0).padStart(7)}  ${(per / base).toFixed(2)}x promise-all`);
  }
} else {
  await cases[process.argv[2]](Number(process.argv[3]));
}
