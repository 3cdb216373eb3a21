// The job both pools run in benchmarks/scheduler.bench.mjs: a small CPU-bound loop.
// spawnBlocking calls `work(iterations)`; piscina calls the same export by name.
export function work(iterations) {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 31) + i) | 0;
  return x;
}
